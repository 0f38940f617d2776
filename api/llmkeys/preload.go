package llmkeys

import (
	"context"
	"errors"

	"github.com/google/uuid"
)

// Preloaded is a tenant's active keys, read in a transaction of the
// caller's (QueuePreload), from which TenantKey chooses without a transaction of
// its own under a context they were put into (Into).
type Preloaded struct {
	tenantID uuid.UUID
	keys     []Key // newest first
}

type preloadKey struct{}

// Into returns ctx under which TenantKey chooses among p's keys (p nil:
// ctx itself).
func (p *Preloaded) Into(ctx context.Context) context.Context {
	if p == nil {
		return ctx
	}
	return context.WithValue(ctx, preloadKey{}, p)
}

var errNotPreloaded = errors.New("llmkeys: keys not preloaded")

// choose is TenantKey's choice among preloaded keys: the pinned one when it
// is active, else the newest active one for the provider.
func choose(ctx context.Context, tenantID uuid.UUID, provider string, pinned *uuid.UUID) (*Key, error) {
	p, ok := ctx.Value(preloadKey{}).(*Preloaded)
	if !ok || p.tenantID != tenantID {
		return nil, errNotPreloaded
	}
	var newest *Key
	for i := range p.keys {
		k := &p.keys[i]
		if k.Provider != provider {
			continue
		}
		if pinned != nil && k.ID == *pinned {
			return k, nil
		}
		if newest == nil {
			newest = k
		}
	}
	return newest, nil
}

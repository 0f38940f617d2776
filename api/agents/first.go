package agents

import (
	"context"
	"errors"

	"github.com/konstruct/konstruct/api/store"
)

// FirstActive is the tenant's oldest active agent (the one that answers a
// conversation nobody assigned), or nil when none is active.
func FirstActive(ctx context.Context, tx store.Tx) (*Agent, error) {
	a := &Agent{}
	err := tx.NewSelect().Model(a).Where("is_active").OrderExpr("created_at, id").Limit(1).Scan(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return a, err
}

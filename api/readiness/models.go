package readiness

import (
	"context"

	"github.com/google/uuid"
)

// Whose key a call uses.
const (
	SourceTenant   = "tenant"
	SourcePlatform = "platform"
)

// Model is one model a tenant's agents may choose, as listModels shows it.
type Model struct {
	ID, Provider string
	Available    bool
	Reason       string // why it cannot be called, when it cannot
	KeySource    string // SourceTenant, SourcePlatform, or "" when no key can call it
	Priced       bool
}

// ModelsFunc lists the models of a tenant's catalog. Readiness takes a model
// id the catalog does not list as one its provider does not offer (custom
// servers aside: their models cannot be listed, so any id is taken as
// offered when a custom key exists).
type ModelsFunc func(ctx context.Context, tenantID uuid.UUID) ([]Model, error)

// keySources says per provider whose key a call would use: the tenant's
// newest active key comes first (as the router tries it), then the
// platform's; a provider without either is absent. tenant is the providers
// the tenant has an active key for (llmkeys.QueueActiveProviders).
func keySources(tenant []string, platform map[string]bool) map[string]string {
	out := map[string]string{}
	for p, ok := range platform {
		if ok {
			out[p] = SourcePlatform
		}
	}
	for _, p := range tenant {
		out[p] = SourceTenant
	}
	return out
}

// Package llmkeys owns tenants' own LLM API keys ("bring your own key"):
// stored sealed by the secrets keyring, shown only by their last four
// characters, checked with the provider on request, marked failing when a
// provider refuses them, and handed to the LLM router when a turn needs one.
// A custom (OpenAI-compatible) key carries a base URL, which must not point
// into the platform's network unless the operator allows it (netguard).
package llmkeys

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/llm"
	"github.com/konstruct/konstruct/api/netguard"
	"github.com/konstruct/konstruct/api/paging"
	"github.com/konstruct/konstruct/api/secrets"
	"github.com/konstruct/konstruct/api/store"
	"github.com/konstruct/konstruct/api/validate"
)

// Key statuses.
const (
	StatusActive  = "active"
	StatusFailing = "failing"
)

// Key is a tenant's LLM API key.
type Key struct {
	bun.BaseModel `bun:"table:llm_keys"`

	ID               uuid.UUID  `bun:"id,pk"`
	TenantID         uuid.UUID  `bun:"tenant_id"`
	Provider         string     `bun:"provider"`
	Label            string     `bun:"label"`
	BaseURL          string     `bun:"base_url"`
	SecretCiphertext []byte     `bun:"secret_ciphertext"`
	SecretKeyVersion int        `bun:"secret_key_version"`
	KeyHint          string     `bun:"key_hint"`
	Status           string     `bun:"status"`
	LastError        string     `bun:"last_error"`
	FailingSince     *time.Time `bun:"failing_since"`
	// Models is what the provider listed at the last check ("provider/model"
	// ids); nil before the first.
	Models          []string   `bun:"models,array"`
	ModelsCheckedAt *time.Time `bun:"models_checked_at"`
	CreatedAt       time.Time  `bun:"created_at,nullzero,default:now()"`
	UpdatedAt       time.Time  `bun:"updated_at,nullzero,default:now()"`
}

func aad(id uuid.UUID) []byte { return []byte("llm_keys:" + id.String()) }

// Verifier checks a credential with its provider by listing its models, and
// knows the platform's catalogue (the LLM router).
type Verifier interface {
	ListModels(ctx context.Context, cred llm.Credential) ([]string, error)
	Catalog() llm.Catalog
}

// Service manages keys.
type Service struct {
	store    *store.Store
	guard    *access.Guard
	keyring  *secrets.Keyring
	policy   netguard.Policy
	verifier Verifier
}

// NewService returns a Service. The verifier may be set later (the router
// that verifies is built with this service as its key store).
func NewService(s *store.Store, g *access.Guard, k *secrets.Keyring, p netguard.Policy) *Service {
	return &Service{store: s, guard: g, keyring: k, policy: p}
}

// SetVerifier sets what checks keys with providers.
func (s *Service) SetVerifier(v Verifier) { s.verifier = v }

// Input is a new key.
type Input struct {
	Provider string `json:"provider" validate:"required,oneof=openai anthropic custom"`
	Label    string `json:"label" validate:"required,min=3,max=100,printable"`
	APIKey   string `json:"api_key" validate:"required,min=1,max=1000"`
	BaseURL  string `json:"base_url" validate:"omitempty,max=500"`
}

// Create stores a key (owners and admins). With verify, the provider must
// accept it first.
func (s *Service) Create(ctx context.Context, tenantID uuid.UUID, in Input, verify bool) (*Key, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	in.Label, in.APIKey, in.BaseURL = strings.TrimSpace(in.Label), strings.TrimSpace(in.APIKey), strings.TrimSpace(in.BaseURL)
	if err := validate.Struct(in, "body"); err != nil {
		return nil, err
	}
	switch {
	case in.Provider == llm.Custom && in.BaseURL == "":
		return nil, errs.Field("body.base_url", "is required for a custom provider: the OpenAI-compatible server's URL, e.g. https://llm.example.com/v1")
	case in.Provider != llm.Custom && in.BaseURL != "":
		return nil, errs.Field("body.base_url", "is only for custom providers")
	case in.BaseURL != "":
		if err := s.policy.CheckURL(ctx, in.BaseURL); err != nil {
			return nil, errs.Field("body.base_url", "%s", err)
		}
	}
	k := &Key{ID: uuid.Must(uuid.NewV7()), TenantID: tenantID, Provider: in.Provider, Label: in.Label,
		BaseURL: strings.TrimRight(in.BaseURL, "/"), KeyHint: hint(in.APIKey), Status: StatusActive}
	if verify {
		models, err := s.verify(ctx, in)
		if err != nil {
			return nil, err
		}
		now := time.Now()
		k.Models, k.ModelsCheckedAt = models, &now
	}
	sealed, err := s.keyring.Encrypt([]byte(in.APIKey), aad(k.ID))
	if err != nil {
		return nil, err
	}
	k.SecretCiphertext, k.SecretKeyVersion = sealed.Ciphertext, sealed.Version
	err = s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.NewInsert().Model(k).Returning("created_at, updated_at").Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "llm_key.created", TargetType: "llm_key", TargetID: k.ID.String(),
			Metadata: map[string]any{"provider": k.Provider, "label": k.Label, "key_hint": k.KeyHint, "verified": verify}})
	})
	return k, err
}

// hint is the last four characters, all that is ever shown of a key.
func hint(key string) string {
	r := []rune(key)
	if len(r) <= 4 {
		return string(r)
	}
	return string(r[len(r)-4:])
}

func (s *Service) verify(ctx context.Context, in Input) ([]string, error) {
	if s.verifier == nil {
		return nil, errors.New("llmkeys: no verifier")
	}
	models, err := s.verifier.ListModels(ctx, llm.Credential{Provider: in.Provider, APIKey: in.APIKey, BaseURL: in.BaseURL, Guarded: in.BaseURL != ""})
	var ce *llm.CallError
	switch {
	case err == nil:
		return models, nil
	case errors.As(err, &ce) && ce.Rejected():
		return nil, errs.Field("body.api_key", "%s rejected this key (%s)", providerName(in.Provider), ce.Message)
	case errors.As(err, &ce) && ce.Status == 0 && in.BaseURL != "":
		return nil, errs.Field("body.base_url", "could not be reached (%s)", ce.Message)
	}
	return nil, errs.Wrap(errs.Upstream, err, "%s could not check the key: %s", providerName(in.Provider), err)
}

func providerName(p string) string {
	switch p {
	case llm.OpenAI:
		return "OpenAI"
	case llm.Anthropic:
		return "Anthropic"
	}
	return "The server"
}

// List returns a page of keys, newest first (owners and admins).
func (s *Service) List(ctx context.Context, tenantID uuid.UUID, page paging.Page) ([]Key, *string, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, nil, err
	}
	var ks []Key
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		q := tx.NewSelect().Model(&ks).ExcludeColumn("secret_ciphertext").OrderExpr("created_at DESC, id DESC").Limit(int64(page.Limit + 1))
		if page.After != nil {
			q.Where("(created_at, id) < (?, ?)", page.After.At, page.After.ID)
		}
		return q.Scan(ctx)
	})
	if err != nil {
		return nil, nil, err
	}
	ks, next := paging.Trim(ks, page.Limit, func(k Key) (time.Time, uuid.UUID) { return k.CreatedAt, k.ID })
	return ks, next, nil
}

// Delete removes a key (owners and admins).
func (s *Service) Delete(ctx context.Context, tenantID, id uuid.UUID) error {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return err
	}
	return s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		k := &Key{}
		if err := tx.NewSelect().Model(k).ExcludeColumn("secret_ciphertext").Where("id = ?", id).Scan(ctx); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return errs.NotFoundf("API key not found")
			}
			return err
		}
		if _, err := tx.NewDelete().Model(k).WherePK().Exec(ctx); err != nil {
			return err
		}
		// Agents that pinned it fall back to the provider's other keys.
		if _, err := tx.ExecContext(ctx, "UPDATE agents SET pinned_keys = pinned_keys - ? WHERE pinned_keys ->> ? = ?", k.Provider, k.Provider, k.ID.String()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "llm_key.deleted", TargetType: "llm_key", TargetID: k.ID.String(),
			Metadata: map[string]any{"provider": k.Provider, "label": k.Label, "key_hint": k.KeyHint}})
	})
}

// Belongs checks, inside a tenant transaction, that a key exists for a
// provider (agents pin keys).
func Belongs(ctx context.Context, tx bun.IDB, id uuid.UUID, provider string) error {
	var p string
	err := tx.NewRaw("SELECT provider FROM llm_keys WHERE id = ?", id).Scan(ctx, &p)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("is not an API key of this tenant")
	}
	if err != nil {
		return err
	}
	if p != provider {
		return fmt.Errorf("is a %s key, not a %s key", p, provider)
	}
	return nil
}

// TenantKey implements llm.KeyStore: the pinned key if it is active, else
// the newest active key of the provider.
func (s *Service) TenantKey(ctx context.Context, tenantID uuid.UUID, provider string, pinned *uuid.UUID) (*llm.Credential, error) {
	k, err := choose(ctx, tenantID, provider, pinned)
	switch {
	case err == nil && k == nil:
		return nil, nil
	case err == nil:
		return s.credential(k)
	}
	k = &Key{}
	err = s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		q := tx.NewSelect().Model(k).Where("provider = ? AND status = ?", provider, StatusActive)
		if pinned != nil {
			q.OrderExpr("id = ? DESC, created_at DESC", *pinned)
		} else {
			q.OrderExpr("created_at DESC")
		}
		return q.Limit(1).Scan(ctx)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.credential(k)
}

// credential is the decrypted credential of k.
func (s *Service) credential(k *Key) (*llm.Credential, error) {
	pt, err := s.keyring.Decrypt(secrets.Sealed{Version: k.SecretKeyVersion, Ciphertext: k.SecretCiphertext}, aad(k.ID))
	if err != nil {
		return nil, err
	}
	return &llm.Credential{Provider: k.Provider, APIKey: string(pt), BaseURL: k.BaseURL, KeyID: &k.ID, Guarded: k.BaseURL != ""}, nil
}

// KeyRejected implements llm.KeyStore: marks the key failing (once) and
// audits it. Failures here are logged by the caller's turn, not fatal.
func (s *Service) KeyRejected(ctx context.Context, tenantID, keyID uuid.UUID, reason string) {
	_ = s.store.WithTenant(context.WithoutCancel(ctx), tenantID, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE llm_keys SET status = 'failing', last_error = ?, failing_since = now()
			WHERE id = ? AND status = 'active'`, truncate(reason, 500), keyID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Event{Action: "llm_key.failing", TargetType: "llm_key", TargetID: keyID.String(),
			Metadata: map[string]any{"reason": truncate(reason, 500)}})
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

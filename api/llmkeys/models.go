package llmkeys

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/llm"
	"github.com/konstruct/konstruct/api/secrets"
	"github.com/konstruct/konstruct/api/store"
)

// Check asks the provider whether it still accepts a key (owners and
// admins), and records the answer: status, last error and model list.
func (s *Service) Check(ctx context.Context, tenantID, id uuid.UUID) (*Key, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	k, err := s.load(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	rejected, err := s.refresh(ctx, k, true)
	if err != nil && !rejected {
		return nil, errs.Wrap(errs.Upstream, err, "%s could not check the key: %s", providerName(k.Provider), err)
	}
	k.SecretCiphertext = nil
	return k, nil
}

func (s *Service) load(ctx context.Context, tenantID, id uuid.UUID) (*Key, error) {
	k := &Key{}
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		return tx.NewSelect().Model(k).Where("id = ?", id).Scan(ctx)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, errs.NotFoundf("API key not found")
	}
	return k, err
}

// refresh lists a key's models with its provider and stores the outcome. A
// refusal marks the key failing (rejected is true, with the error); any
// other failure changes nothing.
func (s *Service) refresh(ctx context.Context, k *Key, audited bool) (rejected bool, err error) {
	if s.verifier == nil {
		return false, errors.New("llmkeys: no verifier")
	}
	pt, err := s.keyring.Decrypt(secrets.Sealed{Version: k.SecretKeyVersion, Ciphertext: k.SecretCiphertext}, aad(k.ID))
	if err != nil {
		return false, err
	}
	models, listErr := s.verifier.ListModels(ctx, llm.Credential{Provider: k.Provider, APIKey: string(pt), BaseURL: k.BaseURL,
		KeyID: &k.ID, Guarded: k.BaseURL != ""})
	var ce *llm.CallError
	rejected = errors.As(listErr, &ce) && ce.Rejected()
	if listErr != nil && !rejected {
		return false, listErr
	}
	now := time.Now()
	err = s.store.WithTenant(context.WithoutCancel(ctx), k.TenantID, func(ctx context.Context, tx store.Tx) error {
		q := tx.NewUpdate().Model(k).WherePK().Returning("updated_at")
		if rejected {
			k.Status, k.LastError = StatusFailing, truncate(listErr.Error(), 500)
			q.Set("status = ?, last_error = ?, failing_since = coalesce(failing_since, ?)", k.Status, k.LastError, now)
		} else {
			k.Status, k.LastError, k.FailingSince, k.Models, k.ModelsCheckedAt = StatusActive, "", nil, models, &now
			q.Set("status = ?, last_error = '', failing_since = NULL, models = ?, models_checked_at = ?", k.Status, pgdialect.Array(models), now)
		}
		if _, err := q.Exec(ctx); err != nil {
			return err
		}
		if !audited {
			return nil
		}
		return audit.Record(ctx, tx, audit.Event{Action: "llm_key.checked", TargetType: "llm_key", TargetID: k.ID.String(),
			Metadata: map[string]any{"ok": !rejected, "models": len(models), "error": k.LastError}})
	})
	if err != nil {
		return rejected, err
	}
	if rejected {
		return true, listErr
	}
	return false, nil
}

// keyInfos describes the tenant's keys to the catalogue.
func keyInfos(ks []Key) []llm.KeyInfo {
	out := make([]llm.KeyInfo, 0, len(ks))
	for _, k := range ks {
		out = append(out, llm.KeyInfo{Provider: k.Provider, Active: k.Status == StatusActive, Models: k.Models, LastError: k.LastError})
	}
	return out
}

func (s *Service) allKeys(ctx context.Context, tenantID uuid.UUID) ([]Key, error) {
	var ks []Key
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		return tx.NewSelect().Model(&ks).OrderExpr("created_at DESC, id DESC").Scan(ctx)
	})
	return ks, err
}

// Models is the tenant's model catalogue (any member).
func (s *Service) Models(ctx context.Context, tenantID uuid.UUID) ([]llm.ModelInfo, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleMember); err != nil {
		return nil, err
	}
	ks, err := s.allKeys(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return s.verifier.Catalog().Models(keyInfos(ks)), nil
}

// ValidateModels checks the models an agent names (location → model id):
// each must be one its provider lists for the tenant's key, when the tenant
// has a key for that provider, else one in the platform's table. A key whose
// models were never listed is asked now; when its provider cannot answer,
// the platform's table decides.
func (s *Service) ValidateModels(ctx context.Context, tenantID uuid.UUID, models map[string]string) error {
	if len(models) == 0 || s.verifier == nil {
		return nil
	}
	ks, err := s.allKeys(ctx, tenantID)
	if err != nil {
		return err
	}
	needed := map[string]bool{}
	for _, id := range models {
		if p, _, err := llm.SplitModel(id); err == nil {
			needed[p] = true
		}
	}
	for i := range ks {
		if k := &ks[i]; k.Models == nil && k.Status == StatusActive && needed[k.Provider] {
			_, _ = s.refresh(ctx, k, false) // unknown stays unknown: the table decides
		}
	}
	catalog, infos := s.verifier.Catalog(), keyInfos(ks)
	var fields []errs.FieldError
	for loc, id := range models {
		if err := catalog.Known(id, infos); err != nil {
			fields = append(fields, errs.FieldError{Location: loc, Message: err.Error()})
		}
	}
	if len(fields) == 0 {
		return nil
	}
	sort.Slice(fields, func(i, j int) bool { return fields[i].Location < fields[j].Location })
	return errs.Fields(fields...)
}

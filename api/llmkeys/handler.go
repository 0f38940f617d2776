package llmkeys

import (
	"context"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/paging"
)

// Handler serves the LLM key operations of the contract.
type Handler struct{ svc *Service }

// NewHandler returns a Handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

func (h *Handler) ListLLMKeys(ctx context.Context, req apigen.ListLLMKeysRequestObject) (apigen.ListLLMKeysResponseObject, error) {
	page, err := paging.Parse(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	ks, next, err := h.svc.List(ctx, req.TenantId, page)
	if err != nil {
		return nil, err
	}
	out := apigen.LLMKeyList{Items: make([]apigen.LLMKey, 0, len(ks)), NextCursor: nullable.NewNullNullable[string]()}
	for i := range ks {
		out.Items = append(out.Items, keyOut(&ks[i]))
	}
	if next != nil {
		out.NextCursor.Set(*next)
	}
	return apigen.ListLLMKeys200JSONResponse(out), nil
}

func (h *Handler) CreateLLMKey(ctx context.Context, req apigen.CreateLLMKeyRequestObject) (apigen.CreateLLMKeyResponseObject, error) {
	in := Input{Provider: string(req.Body.Provider), Label: req.Body.Label, APIKey: req.Body.ApiKey}
	if req.Body.BaseUrl != nil {
		in.BaseURL = *req.Body.BaseUrl
	}
	k, err := h.svc.Create(ctx, req.TenantId, in, req.Params.Verify != nil && *req.Params.Verify)
	if err != nil {
		return nil, err
	}
	return apigen.CreateLLMKey201JSONResponse(keyOut(k)), nil
}

func (h *Handler) DeleteLLMKey(ctx context.Context, req apigen.DeleteLLMKeyRequestObject) (apigen.DeleteLLMKeyResponseObject, error) {
	if err := h.svc.Delete(ctx, req.TenantId, req.KeyId); err != nil {
		return nil, err
	}
	return apigen.DeleteLLMKey204Response{}, nil
}

func (h *Handler) CheckLLMKey(ctx context.Context, req apigen.CheckLLMKeyRequestObject) (apigen.CheckLLMKeyResponseObject, error) {
	k, err := h.svc.Check(ctx, req.TenantId, req.KeyId)
	if err != nil {
		return nil, err
	}
	return apigen.CheckLLMKey200JSONResponse(keyOut(k)), nil
}

func (h *Handler) ListModels(ctx context.Context, req apigen.ListModelsRequestObject) (apigen.ListModelsResponseObject, error) {
	ms, err := h.svc.Models(ctx, req.TenantId)
	if err != nil {
		return nil, err
	}
	out := apigen.ModelList{Items: make([]apigen.Model, 0, len(ms))}
	for _, m := range ms {
		item := apigen.Model{Id: m.ID, Provider: apigen.ModelProvider(m.Provider), Available: m.Available, Priced: m.Priced,
			Reason: nullable.NewNullNullable[string](), KeySource: nullable.NewNullNullable[apigen.ModelKeySource]()}
		if m.Reason != "" {
			item.Reason.Set(m.Reason)
		}
		if m.KeySource != "" {
			item.KeySource.Set(apigen.ModelKeySource(m.KeySource))
		}
		out.Items = append(out.Items, item)
	}
	return apigen.ListModels200JSONResponse(out), nil
}

func keyOut(k *Key) apigen.LLMKey {
	out := apigen.LLMKey{Id: k.ID, Provider: apigen.LLMKeyProvider(k.Provider), Label: k.Label, KeyHint: k.KeyHint,
		Status: apigen.LLMKeyStatus(k.Status), LastError: k.LastError, CreatedAt: k.CreatedAt, BaseUrl: nullable.NewNullNullable[string](),
		Models: nullable.NewNullNullable[[]string](), ModelsCheckedAt: nullable.NewNullNullable[time.Time]()}
	if k.BaseURL != "" {
		out.BaseUrl.Set(k.BaseURL)
	}
	if k.Models != nil {
		out.Models.Set(k.Models)
	}
	if k.ModelsCheckedAt != nil {
		out.ModelsCheckedAt.Set(*k.ModelsCheckedAt)
	}
	return out
}

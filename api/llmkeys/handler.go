package llmkeys

import (
	"context"

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

func keyOut(k *Key) apigen.LLMKey {
	out := apigen.LLMKey{Id: k.ID, Provider: apigen.LLMKeyProvider(k.Provider), Label: k.Label, KeyHint: k.KeyHint,
		Status: apigen.LLMKeyStatus(k.Status), LastError: k.LastError, CreatedAt: k.CreatedAt, BaseUrl: nullable.NewNullNullable[string]()}
	if k.BaseURL != "" {
		out.BaseUrl.Set(k.BaseURL)
	}
	return out
}

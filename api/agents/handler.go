package agents

import (
	"context"

	"github.com/google/uuid"

	"github.com/oapi-codegen/nullable"

	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/paging"
	"github.com/konstruct/konstruct/api/tools"
)

// Handler serves the agent operations of the contract.
type Handler struct{ svc *Service }

// NewHandler returns a Handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

func (h *Handler) ListAgents(ctx context.Context, req apigen.ListAgentsRequestObject) (apigen.ListAgentsResponseObject, error) {
	page, err := paging.Parse(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	as, next, err := h.svc.List(ctx, req.TenantId, page)
	if err != nil {
		return nil, err
	}
	out := apigen.AgentList{Items: make([]apigen.Agent, 0, len(as)), NextCursor: nullable.NewNullNullable[string]()}
	for i := range as {
		out.Items = append(out.Items, Out(&as[i]))
	}
	if next != nil {
		out.NextCursor.Set(*next)
	}
	return apigen.ListAgents200JSONResponse(out), nil
}

func (h *Handler) CreateAgent(ctx context.Context, req apigen.CreateAgentRequestObject) (apigen.CreateAgentResponseObject, error) {
	b := req.Body
	a := New(b.Name, b.Model)
	patch := Patch{
		RoleTitle: b.RoleTitle, Persona: b.Persona, SystemPrompt: b.SystemPrompt, FallbackModels: b.FallbackModels,
		Temperature: b.Temperature, MaxReplyChars: b.MaxReplyChars, WindowSize: b.WindowSize,
		EscalationRules: b.EscalationRules, IsActive: b.IsActive, Tools: toolNames(b.Tools), PinnedKeys: pinned(b.PinnedKeys),
	}
	patch.EscalationTarget, patch.ClearTarget = target(b.EscalationTarget)
	patch.MemoryRetentionDays, patch.ClearRetention = retention(b.MemoryRetentionDays)
	patch.apply(a)
	a, err := h.svc.Create(ctx, req.TenantId, a, toolPatch(b.HttpTools))
	if err != nil {
		return nil, err
	}
	return apigen.CreateAgent201JSONResponse(Out(a)), nil
}

func (h *Handler) GetAgent(ctx context.Context, req apigen.GetAgentRequestObject) (apigen.GetAgentResponseObject, error) {
	a, err := h.svc.Get(ctx, req.TenantId, req.AgentId)
	if err != nil {
		return nil, err
	}
	return apigen.GetAgent200JSONResponse(Out(a)), nil
}

func (h *Handler) UpdateAgent(ctx context.Context, req apigen.UpdateAgentRequestObject) (apigen.UpdateAgentResponseObject, error) {
	b := req.Body
	patch := Patch{
		Name: b.Name, RoleTitle: b.RoleTitle, Persona: b.Persona, SystemPrompt: b.SystemPrompt, Model: b.Model,
		FallbackModels: b.FallbackModels, Temperature: b.Temperature, MaxReplyChars: b.MaxReplyChars,
		WindowSize: b.WindowSize, EscalationRules: b.EscalationRules, IsActive: b.IsActive, Tools: toolNames(b.Tools),
		PinnedKeys: pinned(b.PinnedKeys), HTTPTools: toolPatch(b.HttpTools),
	}
	patch.EscalationTarget, patch.ClearTarget = target(b.EscalationTarget)
	patch.MemoryRetentionDays, patch.ClearRetention = retention(b.MemoryRetentionDays)
	a, err := h.svc.Update(ctx, req.TenantId, req.AgentId, patch)
	if err != nil {
		return nil, err
	}
	return apigen.UpdateAgent200JSONResponse(Out(a)), nil
}

func (h *Handler) DeleteAgent(ctx context.Context, req apigen.DeleteAgentRequestObject) (apigen.DeleteAgentResponseObject, error) {
	if err := h.svc.Delete(ctx, req.TenantId, req.AgentId); err != nil {
		return nil, err
	}
	return apigen.DeleteAgent204Response{}, nil
}

func toolNames[T ~string](in *[]T) *[]string {
	if in == nil {
		return nil
	}
	out := make([]string, len(*in))
	for i, t := range *in {
		out[i] = string(t)
	}
	return &out
}

func pinned(p *apigen.PinnedKeys) *map[string]uuid.UUID {
	if p == nil {
		return nil
	}
	m := map[string]uuid.UUID{}
	for provider, id := range map[string]*uuid.UUID{"openai": p.Openai, "anthropic": p.Anthropic, "custom": p.Custom} {
		if id != nil {
			m[provider] = *id
		}
	}
	return &m
}

func retention(n nullable.Nullable[int]) (*int, bool) {
	if !n.IsSpecified() {
		return nil, false
	}
	if n.IsNull() {
		return nil, true
	}
	v := n.MustGet()
	return &v, false
}

func toolPatch(in *[]apigen.HTTPTool) *ToolPatch {
	if in == nil {
		return nil
	}
	p := &ToolPatch{Tools: []tools.HTTPTool{}, Secrets: SecretHeaders{}}
	for _, t := range *in {
		ht := tools.HTTPTool{Name: t.Name, Description: t.Description, Method: string(t.Method), URL: t.Url}
		if t.Parameters != nil {
			ht.Parameters = *t.Parameters
		}
		if t.Headers != nil {
			ht.Headers = *t.Headers
		}
		if t.TimeoutMs != nil {
			ht.TimeoutMS = *t.TimeoutMs
		}
		if t.MaxResponseBytes != nil {
			ht.MaxResponseBytes = *t.MaxResponseBytes
		}
		if t.SecretHeaders != nil {
			p.Secrets[t.Name] = *t.SecretHeaders
		}
		p.Tools = append(p.Tools, ht)
	}
	return p
}

func target(n nullable.Nullable[apigen.EscalationTarget]) (*EscalationTarget, bool) {
	if !n.IsSpecified() {
		return nil, false
	}
	if n.IsNull() {
		return nil, true
	}
	t := n.MustGet()
	return &EscalationTarget{Type: string(t.Type), ID: t.Id}, false
}

// Out maps an agent to the contract.
func Out(a *Agent) apigen.Agent {
	out := apigen.Agent{
		Id: a.ID, TenantId: a.TenantID, Name: a.Name, RoleTitle: a.RoleTitle, Persona: a.Persona, SystemPrompt: a.SystemPrompt,
		Model: a.Model, FallbackModels: orEmpty(a.FallbackModels), Temperature: a.Temperature, MaxReplyChars: a.MaxReplyChars,
		WindowSize: a.WindowSize, Tools: orEmpty(a.Tools), EscalationRules: orEmpty(a.EscalationRules), IsActive: a.IsActive,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, EscalationTarget: nullable.NewNullNullable[apigen.EscalationTarget](),
	}
	out.MemoryRetentionDays = nullable.NewNullNullable[int]()
	if a.MemoryRetentionDays != nil {
		out.MemoryRetentionDays.Set(*a.MemoryRetentionDays)
	}
	out.HttpTools = make([]apigen.HTTPTool, 0, len(a.HTTPTools))
	for _, t := range a.HTTPTools {
		o := apigen.HTTPTool{Name: t.Name, Description: t.Description, Method: apigen.HTTPToolMethod(t.Method), Url: t.URL}
		if t.Parameters != nil {
			o.Parameters = &t.Parameters
		}
		if len(t.Headers) > 0 {
			o.Headers = &t.Headers
		}
		if t.TimeoutMS > 0 {
			o.TimeoutMs = &t.TimeoutMS
		}
		if t.MaxResponseBytes > 0 {
			o.MaxResponseBytes = &t.MaxResponseBytes
		}
		if len(t.SecretHeaderNames) > 0 {
			masked := map[string]string{}
			for _, h := range t.SecretHeaderNames {
				masked[h] = tools.Masked(a.HTTPToolSecrets[tools.SecretKey(t.Name, h)].Hint)
			}
			o.SecretHeaders = &masked
		}
		out.HttpTools = append(out.HttpTools, o)
	}
	for provider, id := range a.PinnedKeys {
		id := id
		switch provider {
		case "openai":
			out.PinnedKeys.Openai = &id
		case "anthropic":
			out.PinnedKeys.Anthropic = &id
		case "custom":
			out.PinnedKeys.Custom = &id
		}
	}
	if t := a.EscalationTarget; t != nil {
		out.EscalationTarget.Set(apigen.EscalationTarget{Type: apigen.EscalationTargetType(t.Type), Id: t.ID})
	}
	return out
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

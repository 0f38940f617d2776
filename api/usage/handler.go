package usage

import (
	"context"
	"time"

	"github.com/oapi-codegen/nullable"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/konstruct/konstruct/api/apigen"
)

// Handler serves the usage and budget operations of the contract.
type Handler struct{ svc *Service }

// NewHandler returns a Handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

func (h *Handler) GetUsage(ctx context.Context, req apigen.GetUsageRequestObject) (apigen.GetUsageResponseObject, error) {
	var from, to *time.Time
	if req.Params.From != nil {
		from = &req.Params.From.Time
	}
	if req.Params.To != nil {
		to = &req.Params.To.Time
	}
	r, err := h.svc.Get(ctx, req.TenantId, from, to)
	if err != nil {
		return nil, err
	}
	out := apigen.Usage{From: openapi_types.Date{Time: r.From}, To: openapi_types.Date{Time: r.To}, Totals: figuresOut(r.Totals),
		ByDay: make([]apigen.UsageDay, 0, len(r.ByDay)), ByAgent: make([]apigen.UsageAgent, 0, len(r.ByAgent)),
		ByModel: make([]apigen.UsageModel, 0, len(r.ByModel)), Budget: BudgetOut(r.Budget)}
	for _, d := range r.ByDay {
		f := figuresOut(d.Figures)
		out.ByDay = append(out.ByDay, apigen.UsageDay{Day: openapi_types.Date{Time: d.Day.UTC()}, InputTokens: f.InputTokens,
			OutputTokens: f.OutputTokens, Calls: f.Calls, CostUsd: f.CostUsd})
	}
	for _, a := range r.ByAgent {
		f := figuresOut(a.Figures)
		item := apigen.UsageAgent{AgentId: nullable.NewNullNullable[openapi_types.UUID](), AgentName: a.AgentName,
			InputTokens: f.InputTokens, OutputTokens: f.OutputTokens, Calls: f.Calls, CostUsd: f.CostUsd}
		if a.AgentID != nil {
			item.AgentId.Set(*a.AgentID)
		}
		out.ByAgent = append(out.ByAgent, item)
	}
	for _, m := range r.ByModel {
		f := figuresOut(m.Figures)
		out.ByModel = append(out.ByModel, apigen.UsageModel{Model: m.Model, InputTokens: f.InputTokens,
			OutputTokens: f.OutputTokens, Calls: f.Calls, CostUsd: f.CostUsd})
	}
	return apigen.GetUsage200JSONResponse(out), nil
}

func (h *Handler) SetBudget(ctx context.Context, req apigen.SetBudgetRequestObject) (apigen.SetBudgetResponseObject, error) {
	var limit *float64
	if req.Body.LimitUsd.IsSpecified() && !req.Body.LimitUsd.IsNull() {
		v := req.Body.LimitUsd.MustGet()
		limit = &v
	}
	b, err := h.svc.SetBudget(ctx, req.TenantId, limit, string(req.Body.Action))
	if err != nil {
		return nil, err
	}
	return apigen.SetBudget200JSONResponse(BudgetOut(b)), nil
}

func figuresOut(f Figures) apigen.UsageFigures {
	return apigen.UsageFigures{InputTokens: f.InputTokens, OutputTokens: f.OutputTokens, Calls: f.Calls, CostUsd: f.CostUSD}
}

// BudgetOut renders a budget.
func BudgetOut(b Budget) apigen.Budget {
	out := apigen.Budget{Action: apigen.BudgetAction(b.Action), MonthToDateUsd: b.MonthToDateUSD, Status: apigen.BudgetStatus(b.Status),
		LimitUsd: nullable.NewNullNullable[float64](), Percent: nullable.NewNullNullable[float64]()}
	if b.LimitUSD != nil {
		out.LimitUsd.Set(*b.LimitUSD)
	}
	if b.Percent != nil {
		out.Percent.Set(*b.Percent)
	}
	return out
}

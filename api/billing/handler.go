package billing

import (
	"context"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/konstruct/konstruct/api/apigen"
)

// Handler serves the billing operations of the contract.
type Handler struct{ svc *Service }

// NewHandler returns a Handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

func (h *Handler) CreateBillingCheckout(ctx context.Context, req apigen.CreateBillingCheckoutRequestObject) (apigen.CreateBillingCheckoutResponseObject, error) {
	u, err := h.svc.Checkout(ctx, req.Body.TenantId)
	if err != nil {
		return nil, err
	}
	return apigen.CreateBillingCheckout200JSONResponse{CheckoutUrl: u}, nil
}

func (h *Handler) CreateBillingPortal(ctx context.Context, req apigen.CreateBillingPortalRequestObject) (apigen.CreateBillingPortalResponseObject, error) {
	u, err := h.svc.Portal(ctx, req.Body.TenantId)
	if err != nil {
		return nil, err
	}
	return apigen.CreateBillingPortal200JSONResponse{PortalUrl: u}, nil
}

func (h *Handler) GetBilling(ctx context.Context, req apigen.GetBillingRequestObject) (apigen.GetBillingResponseObject, error) {
	st, err := h.svc.State(ctx, req.TenantId)
	if err != nil {
		return nil, err
	}
	out := apigen.BillingState{Enabled: st.Enabled, Plan: st.Plan, Status: apigen.BillingStateStatus(st.Status), Seats: st.Seats,
		ActiveAgents: st.ActiveAgents, AgentsEnabled: st.BlockedReason == "", NextAction: apigen.BillingStateNextAction(st.NextAction),
		PeriodEnd: optTime(st.PeriodEnd), TrialEndsAt: optTime(st.TrialEndsAt), GraceEndsAt: optTime(st.GraceEndsAt),
		BlockedReason: nullable.NewNullNullable[string]()}
	if st.BlockedReason != "" {
		out.BlockedReason.Set(st.BlockedReason)
	}
	out.Price = nullable.NewNullNullable[apigen.SeatPrice]()
	if p := h.svc.Price(ctx); p != nil {
		out.Price.Set(apigen.SeatPrice{UnitAmount: p.UnitAmount, Currency: p.Currency, Interval: p.Interval})
	}
	return apigen.GetBilling200JSONResponse(out), nil
}

func optTime(t *time.Time) nullable.Nullable[time.Time] {
	out := nullable.NewNullNullable[time.Time]()
	if t != nil {
		out.Set(t.UTC())
	}
	return out
}

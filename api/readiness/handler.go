package readiness

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/oapi-codegen/nullable"

	"github.com/konstruct/konstruct/api/apigen"
)

// Handler serves readiness and the model catalog.
type Handler struct{ svc *Service }

// NewHandler returns a Handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

func (h *Handler) GetTenantReadiness(ctx context.Context, req apigen.GetTenantReadinessRequestObject) (apigen.GetTenantReadinessResponseObject, error) {
	rep, err := h.svc.Report(ctx, req.TenantId)
	if err != nil {
		return nil, err
	}
	out := apigen.Readiness{Live: rep.Live, Next: nullable.NewNullNullable[apigen.ReadinessCheck](),
		Integrations: apigen.Integrations{Slack: integrationOut(rep.Slack), Whatsapp: integrationOut(rep.WhatsApp)},
		Agents:       make([]apigen.AgentReadiness, 0, len(rep.Agents)), Connections: make([]apigen.ConnectionReadiness, 0, len(rep.Connections))}
	if rep.Next != nil {
		out.Next.Set(checkOut(*rep.Next))
	}
	for _, a := range rep.Agents {
		ar := apigen.AgentReadiness{AgentId: a.AgentID, Name: a.Name, Live: a.Live,
			Checks: make([]apigen.ReadinessCheck, 0, len(a.Checks)), Models: make([]apigen.ModelReadiness, 0, len(a.Models))}
		for _, c := range a.Checks {
			ar.Checks = append(ar.Checks, checkOut(c))
		}
		for _, m := range a.Models {
			ar.Models = append(ar.Models, apigen.ModelReadiness{Id: m.ID, Callable: m.Callable, Reason: optional(m.Reason)})
		}
		out.Agents = append(out.Agents, ar)
	}
	for _, c := range rep.Connections {
		out.Connections = append(out.Connections, connectionOut(c))
	}
	return apigen.GetTenantReadiness200JSONResponse(out), nil
}

func integrationOut(a Availability) apigen.Integration {
	return apigen.Integration{Available: a.Available, Reason: optional(a.Reason)}
}

func checkOut(c Check) apigen.ReadinessCheck {
	out := apigen.ReadinessCheck{Name: apigen.ReadinessCheckName(c.Name), Status: apigen.ReadinessCheckStatus(c.Status), Message: c.Message,
		Action: nullable.NewNullNullable[apigen.ReadinessAction]()}
	if c.Action != nil {
		out.Action.Set(apigen.ReadinessAction{Label: c.Action.Label, Path: c.Action.Path})
	}
	return out
}

func connectionOut(c ConnectionReport) apigen.ConnectionReadiness {
	out := apigen.ConnectionReadiness{ConnectionId: c.ID, Type: apigen.ConnectionReadinessType(c.Type), DisplayName: c.DisplayName,
		Status: apigen.ConnectionReadinessStatus(c.Status), AgentId: nullable.NewNullNullable[uuid.UUID](),
		Receives: integrationOut(c.Receives),
		Test:     apigen.TestState{Status: apigen.TestStateStatus(c.Test.Status), Message: c.Test.Message, At: nullable.NewNullNullable[time.Time]()},
		RoundTrip: apigen.RoundTrip{Status: apigen.RoundTripStatus(c.RoundTrip.Status), Proven: c.RoundTrip.Proven,
			Inbound: nullable.NewNullNullable[apigen.RoundTripInbound](), Reply: nullable.NewNullNullable[apigen.RoundTripReply]()}}
	if c.AgentID != nil {
		out.AgentId.Set(*c.AgentID)
	}
	if c.Test.At != nil {
		out.Test.At.Set(*c.Test.At)
	}
	if in := c.RoundTrip.Inbound; in != nil {
		out.RoundTrip.Inbound.Set(apigen.RoundTripInbound{ConversationId: in.ConversationID, From: in.From, Body: in.Body, At: in.At})
	}
	if r := c.RoundTrip.Reply; r != nil {
		out.RoundTrip.Reply.Set(apigen.RoundTripReply{Body: r.Body, At: r.At, State: apigen.RoundTripReplyState(r.State),
			Model: optional(r.Model), Error: optional(r.Error)})
	}
	return out
}

// optional is null for an empty string.
func optional(s string) nullable.Nullable[string] {
	if s == "" {
		return nullable.NewNullNullable[string]()
	}
	return nullable.NewNullableWithValue(s)
}

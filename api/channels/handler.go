package channels

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/oapi-codegen/nullable"

	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/paging"
)

// Handler serves the connection operations of the contract.
type Handler struct{ svc *Service }

// NewHandler returns a Handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

func (h *Handler) ListConnections(ctx context.Context, req apigen.ListConnectionsRequestObject) (apigen.ListConnectionsResponseObject, error) {
	page, err := paging.Parse(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	cs, next, err := h.svc.List(ctx, req.TenantId, page)
	if err != nil {
		return nil, err
	}
	out := apigen.ConnectionList{Items: make([]apigen.Connection, 0, len(cs)), NextCursor: nullable.NewNullNullable[string]()}
	for i := range cs {
		out.Items = append(out.Items, Out(&cs[i]))
	}
	if next != nil {
		out.NextCursor.Set(*next)
	}
	return apigen.ListConnections200JSONResponse(out), nil
}

func (h *Handler) GetConnection(ctx context.Context, req apigen.GetConnectionRequestObject) (apigen.GetConnectionResponseObject, error) {
	c, err := h.svc.Get(ctx, req.TenantId, req.ConnectionId)
	if err != nil {
		return nil, err
	}
	return apigen.GetConnection200JSONResponse(Out(c)), nil
}

func (h *Handler) UpdateConnection(ctx context.Context, req apigen.UpdateConnectionRequestObject) (apigen.UpdateConnectionResponseObject, error) {
	var agentID *uuid.UUID
	if !req.Body.AgentId.IsNull() && req.Body.AgentId.IsSpecified() {
		id := req.Body.AgentId.MustGet()
		agentID = &id
	}
	c, err := h.svc.SetAgent(ctx, req.TenantId, req.ConnectionId, agentID)
	if err != nil {
		return nil, err
	}
	return apigen.UpdateConnection200JSONResponse(Out(c)), nil
}

func (h *Handler) DisconnectConnection(ctx context.Context, req apigen.DisconnectConnectionRequestObject) (apigen.DisconnectConnectionResponseObject, error) {
	if err := h.svc.Disconnect(ctx, req.TenantId, req.ConnectionId); err != nil {
		return nil, err
	}
	return apigen.DisconnectConnection204Response{}, nil
}

func (h *Handler) SendTestMessage(ctx context.Context, req apigen.SendTestMessageRequestObject) (apigen.SendTestMessageResponseObject, error) {
	to := ""
	if req.Body.To != nil {
		to = *req.Body.To
	}
	msg, err := h.svc.SendTest(ctx, req.TenantId, string(req.Body.ChannelType), req.Body.ConnectionId, to)
	if err != nil {
		return nil, err
	}
	return apigen.SendTestMessage200JSONResponse{Success: true, Message: msg}, nil
}

func (h *Handler) CheckConnection(ctx context.Context, req apigen.CheckConnectionRequestObject) (apigen.CheckConnectionResponseObject, error) {
	results, at, err := h.svc.Check(ctx, req.TenantId, req.ConnectionId)
	if err != nil {
		return nil, err
	}
	return apigen.CheckConnection200JSONResponse{CheckedAt: at, Results: checksOut(results)}, nil
}

func checksOut(rs []CheckResult) []apigen.CheckResult {
	out := make([]apigen.CheckResult, 0, len(rs))
	for _, r := range rs {
		c := apigen.CheckResult{Name: r.Name, Status: apigen.CheckResultStatus(r.Status), Detail: r.Detail}
		if r.Hint != "" {
			h := r.Hint
			c.Hint = &h
		}
		out = append(out, c)
	}
	return out
}

// Out maps a connection to the contract (never its credential).
func Out(c *Connection) apigen.Connection {
	out := apigen.Connection{
		Id: c.ID, TenantId: c.TenantID, Type: apigen.ConnectionType(c.Type), ExternalId: c.ExternalID, DisplayName: c.DisplayName,
		Status: apigen.ConnectionStatus(c.Status), StatusReason: c.StatusReason, ConnectedAt: c.ConnectedAt,
		AgentId: nullable.NewNullNullable[uuid.UUID](), LastEventAt: nullable.NewNullNullable[time.Time](),
		LastTest: nullable.NewNullNullable[apigen.LastTest](), LastCheck: nullable.NewNullNullable[apigen.ConnectionCheck](),
		Details: map[string]string{},
	}
	if i := strings.Index(c.ExternalID, "#released:"); i >= 0 {
		out.ExternalId = c.ExternalID[:i]
	}
	if c.AgentID != nil {
		out.AgentId.Set(*c.AgentID)
	}
	if c.LastEventAt != nil {
		out.LastEventAt.Set(*c.LastEventAt)
	}
	if c.LastTestAt != nil && c.LastTestOK != nil {
		out.LastTest.Set(apigen.LastTest{At: *c.LastTestAt, Ok: *c.LastTestOK, Message: c.LastTestMessage})
	}
	if c.LastCheckAt != nil {
		out.LastCheck.Set(apigen.ConnectionCheck{CheckedAt: *c.LastCheckAt, Results: checksOut(c.LastCheck)})
	}
	for k, v := range c.Config {
		out.Details[k] = v
	}
	return out
}

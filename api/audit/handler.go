package audit

import (
	"context"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/paging"
	"github.com/konstruct/konstruct/api/store"
)

// Handler serves the audit-trail operations of the contract.
type Handler struct {
	store *store.Store
	guard *access.Guard
}

// NewHandler returns a Handler.
func NewHandler(s *store.Store, g *access.Guard) *Handler { return &Handler{store: s, guard: g} }

func (h *Handler) ListAuditEvents(ctx context.Context, req apigen.ListAuditEventsRequestObject) (apigen.ListAuditEventsResponseObject, error) {
	if _, err := h.guard.Tenant(ctx, req.TenantId, access.RoleAdmin); err != nil {
		return nil, err
	}
	page, err := paging.Parse(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	f := Filter{Page: page, Since: req.Params.Since, Until: req.Params.Until}
	if req.Params.Action != nil {
		f.Action = *req.Params.Action
	}
	if req.Params.ActorId != nil {
		f.ActorID = *req.Params.ActorId
	}
	if f.Since != nil && f.Until != nil && !f.Until.After(*f.Since) {
		return nil, errs.Field("query.until", "must be after since")
	}
	var rows []Row
	var next *string
	var names Names
	err = h.store.WithTenant(ctx, req.TenantId, func(ctx context.Context, tx store.Tx) error {
		if rows, next, err = List(ctx, tx, f); err != nil {
			return err
		}
		names, err = Name(ctx, tx, rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := apigen.AuditEventList{Items: make([]apigen.AuditEvent, 0, len(rows)), NextCursor: nullable.NewNullNullable[string]()}
	for _, r := range rows {
		out.Items = append(out.Items, apigen.AuditEvent{
			Id: r.ID, TenantId: r.TenantID, ActorType: apigen.AuditEventActorType(r.ActorType), ActorId: r.ActorID,
			ActorLabel: r.ActorLabel, ActorName: names.Actor(r), Action: r.Action, TargetType: r.TargetType, TargetId: r.TargetID,
			TargetLabel: names.Target(r),
			Metadata:    r.Metadata, RequestId: r.RequestID, CreatedAt: r.CreatedAt.UTC().Truncate(time.Microsecond),
		})
	}
	if next != nil {
		out.NextCursor.Set(*next)
	}
	return apigen.ListAuditEvents200JSONResponse(out), nil
}

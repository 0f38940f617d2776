package events

import (
	"context"
	"encoding/json"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/paging"
)

// Handler serves the events and webhook-endpoint operations of the contract.
type Handler struct{ svc *Service }

// NewHandler returns a Handler.
func NewHandler(s *Service) *Handler { return &Handler{svc: s} }

func (h *Handler) ListWebhookEventTypes(ctx context.Context, req apigen.ListWebhookEventTypesRequestObject) (apigen.ListWebhookEventTypesResponseObject, error) {
	if _, err := h.svc.opts.Guard.Tenant(ctx, req.TenantId, access.RoleMember); err != nil {
		return nil, err
	}
	out := apigen.WebhookEventTypeList{Items: make([]apigen.WebhookEventType, 0, len(Catalogue))}
	for _, t := range Catalogue {
		out.Items = append(out.Items, apigen.WebhookEventType{Type: t.Name, Version: t.Version, Description: t.Description})
	}
	return apigen.ListWebhookEventTypes200JSONResponse(out), nil
}

func (h *Handler) ListWebhookEndpoints(ctx context.Context, req apigen.ListWebhookEndpointsRequestObject) (apigen.ListWebhookEndpointsResponseObject, error) {
	es, err := h.svc.List(ctx, req.TenantId)
	if err != nil {
		return nil, err
	}
	out := apigen.WebhookEndpointList{Items: make([]apigen.WebhookEndpoint, 0, len(es))}
	for i := range es {
		out.Items = append(out.Items, EndpointOut(&es[i]))
	}
	return apigen.ListWebhookEndpoints200JSONResponse(out), nil
}

func (h *Handler) CreateWebhookEndpoint(ctx context.Context, req apigen.CreateWebhookEndpointRequestObject) (apigen.CreateWebhookEndpointResponseObject, error) {
	b := req.Body
	e, secret, err := h.svc.Create(ctx, req.TenantId, EndpointInput{URL: &b.Url, Description: b.Description, EventTypes: b.EventTypes, Enabled: b.Enabled})
	if err != nil {
		return nil, err
	}
	var out apigen.WebhookEndpointCreated
	if err := convert(EndpointOut(e), &out); err != nil {
		return nil, err
	}
	out.Secret = secret
	return apigen.CreateWebhookEndpoint201JSONResponse(out), nil
}

func (h *Handler) GetWebhookEndpoint(ctx context.Context, req apigen.GetWebhookEndpointRequestObject) (apigen.GetWebhookEndpointResponseObject, error) {
	e, err := h.svc.Get(ctx, req.TenantId, req.EndpointId)
	if err != nil {
		return nil, err
	}
	return apigen.GetWebhookEndpoint200JSONResponse(EndpointOut(e)), nil
}

func (h *Handler) UpdateWebhookEndpoint(ctx context.Context, req apigen.UpdateWebhookEndpointRequestObject) (apigen.UpdateWebhookEndpointResponseObject, error) {
	b := req.Body
	e, err := h.svc.Update(ctx, req.TenantId, req.EndpointId, EndpointInput{URL: b.Url, Description: b.Description, EventTypes: b.EventTypes, Enabled: b.Enabled})
	if err != nil {
		return nil, err
	}
	return apigen.UpdateWebhookEndpoint200JSONResponse(EndpointOut(e)), nil
}

func (h *Handler) DeleteWebhookEndpoint(ctx context.Context, req apigen.DeleteWebhookEndpointRequestObject) (apigen.DeleteWebhookEndpointResponseObject, error) {
	if err := h.svc.Delete(ctx, req.TenantId, req.EndpointId); err != nil {
		return nil, err
	}
	return apigen.DeleteWebhookEndpoint204Response{}, nil
}

func (h *Handler) RotateWebhookSecret(ctx context.Context, req apigen.RotateWebhookSecretRequestObject) (apigen.RotateWebhookSecretResponseObject, error) {
	overlap := 24 * time.Hour
	if req.Body != nil && req.Body.OverlapSeconds != nil {
		overlap = time.Duration(*req.Body.OverlapSeconds) * time.Second
	}
	e, secret, err := h.svc.Rotate(ctx, req.TenantId, req.EndpointId, overlap)
	if err != nil {
		return nil, err
	}
	out := apigen.WebhookSecretRotated{Secret: secret, SecretHint: e.SecretHint, PreviousSecretExpiresAt: nullTime(e.PreviousSecretExpiresAt)}
	return apigen.RotateWebhookSecret200JSONResponse(out), nil
}

func (h *Handler) SendWebhookTest(ctx context.Context, req apigen.SendWebhookTestRequestObject) (apigen.SendWebhookTestResponseObject, error) {
	d, err := h.svc.SendTest(ctx, req.TenantId, req.EndpointId)
	if err != nil {
		return nil, err
	}
	return apigen.SendWebhookTest202JSONResponse(DeliveryOut(d)), nil
}

func (h *Handler) ReplayWebhookEvents(ctx context.Context, req apigen.ReplayWebhookEventsRequestObject) (apigen.ReplayWebhookEventsResponseObject, error) {
	o := ReplayOpts{Since: req.Body.Since, Until: req.Body.Until}
	if req.Body.OnlyUndelivered != nil {
		o.OnlyUndelivered = *req.Body.OnlyUndelivered
	}
	n, err := h.svc.ReplaySince(ctx, req.TenantId, req.EndpointId, o)
	if err != nil {
		return nil, err
	}
	return apigen.ReplayWebhookEvents202JSONResponse{Queued: n}, nil
}

func (h *Handler) ListWebhookDeliveries(ctx context.Context, req apigen.ListWebhookDeliveriesRequestObject) (apigen.ListWebhookDeliveriesResponseObject, error) {
	page, err := paging.Parse(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	p := req.Params
	f := DeliveryFilter{Page: page, EndpointID: p.EndpointId, EventID: p.EventId, Since: p.Since, Until: p.Until}
	if p.EventType != nil {
		f.EventType = *p.EventType
	}
	if p.State != nil {
		f.State = string(*p.State)
	}
	if f.Since != nil && f.Until != nil && !f.Until.After(*f.Since) {
		return nil, errs.Field("query.until", "must be after since")
	}
	ds, next, err := h.svc.ListDeliveries(ctx, req.TenantId, f)
	if err != nil {
		return nil, err
	}
	out := apigen.WebhookDeliveryList{Items: make([]apigen.WebhookDelivery, 0, len(ds)), NextCursor: nullable.NewNullNullable[string]()}
	for i := range ds {
		out.Items = append(out.Items, DeliveryOut(&ds[i]))
	}
	if next != nil {
		out.NextCursor.Set(*next)
	}
	return apigen.ListWebhookDeliveries200JSONResponse(out), nil
}

func (h *Handler) GetWebhookDelivery(ctx context.Context, req apigen.GetWebhookDeliveryRequestObject) (apigen.GetWebhookDeliveryResponseObject, error) {
	d, err := h.svc.GetDelivery(ctx, req.TenantId, req.DeliveryId)
	if err != nil {
		return nil, err
	}
	ev, err := EventOut(&d.Event)
	if err != nil {
		return nil, err
	}
	out := apigen.WebhookDeliveryDetail{Delivery: DeliveryOut(&d.Delivery), Event: ev, Attempts: make([]apigen.WebhookAttempt, 0, len(d.Attempts))}
	for _, a := range d.Attempts {
		out.Attempts = append(out.Attempts, apigen.WebhookAttempt{Attempt: a.Attempt, Url: a.URL, StartedAt: utc(a.StartedAt),
			DurationMs: nullInt(a.DurationMS), StatusCode: nullInt(a.StatusCode), Outcome: apigen.WebhookAttemptOutcome(a.Outcome),
			Error: a.Error, ResponseExcerpt: a.ResponseExcerpt})
	}
	return apigen.GetWebhookDelivery200JSONResponse(out), nil
}

func (h *Handler) ReplayWebhookDelivery(ctx context.Context, req apigen.ReplayWebhookDeliveryRequestObject) (apigen.ReplayWebhookDeliveryResponseObject, error) {
	d, err := h.svc.Replay(ctx, req.TenantId, req.DeliveryId)
	if err != nil {
		return nil, err
	}
	return apigen.ReplayWebhookDelivery202JSONResponse(DeliveryOut(d)), nil
}

func (h *Handler) ListEvents(ctx context.Context, req apigen.ListEventsRequestObject) (apigen.ListEventsResponseObject, error) {
	page, err := paging.Parse(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	p := req.Params
	f := EventFilter{Page: page, Since: p.Since, Until: p.Until}
	if p.Type != nil {
		f.Type = *p.Type
	}
	if p.Subject != nil {
		f.Subject = *p.Subject
	}
	if f.Since != nil && f.Until != nil && !f.Until.After(*f.Since) {
		return nil, errs.Field("query.until", "must be after since")
	}
	evs, next, err := h.svc.ListEvents(ctx, req.TenantId, f)
	if err != nil {
		return nil, err
	}
	out := apigen.EventList{Items: make([]apigen.Event, 0, len(evs)), NextCursor: nullable.NewNullNullable[string]()}
	for i := range evs {
		e, err := EventOut(&evs[i])
		if err != nil {
			return nil, err
		}
		out.Items = append(out.Items, e)
	}
	if next != nil {
		out.NextCursor.Set(*next)
	}
	return apigen.ListEvents200JSONResponse(out), nil
}

func (h *Handler) GetEvent(ctx context.Context, req apigen.GetEventRequestObject) (apigen.GetEventResponseObject, error) {
	e, err := h.svc.GetEvent(ctx, req.TenantId, req.EventId)
	if err != nil {
		return nil, err
	}
	out, err := EventOut(e)
	if err != nil {
		return nil, err
	}
	return apigen.GetEvent200JSONResponse(out), nil
}

// EndpointOut is the API's view of an endpoint: never the secret itself.
func EndpointOut(e *Endpoint) apigen.WebhookEndpoint {
	out := apigen.WebhookEndpoint{Id: e.ID, Url: e.URL, Description: e.Description, EventTypes: e.EventTypes, Enabled: e.Enabled,
		DisabledAt: nullTime(e.DisabledAt), SecretHint: e.SecretHint, PreviousSecretExpiresAt: nullTime(e.PreviousSecretExpiresAt),
		FailingSince: nullTime(e.FailingSince), LastSuccessAt: nullTime(e.LastSuccessAt), LastFailureAt: nullTime(e.LastFailureAt),
		LastError: e.LastError, CreatedAt: utc(e.CreatedAt), UpdatedAt: utc(e.UpdatedAt),
		DisabledReason: nullable.NewNullNullable[apigen.WebhookEndpointDisabledReason]()}
	if out.EventTypes == nil {
		out.EventTypes = []string{}
	}
	if e.PreviousSecretExpiresAt != nil && !e.PreviousSecretExpiresAt.After(time.Now()) {
		out.PreviousSecretExpiresAt = nullable.NewNullNullable[time.Time]()
	}
	if e.DisabledReason != "" {
		out.DisabledReason.Set(apigen.WebhookEndpointDisabledReason(e.DisabledReason))
	}
	return out
}

// DeliveryOut is the API's view of a delivery.
func DeliveryOut(d *Delivery) apigen.WebhookDelivery {
	return apigen.WebhookDelivery{Id: d.ID, EndpointId: d.EndpointID, EventId: d.EventID, EventType: d.EventType,
		Reason: apigen.WebhookDeliveryReason(d.Reason), State: apigen.WebhookDeliveryState(d.State), Attempts: d.Attempts,
		NextAttemptAt: nullTime(d.NextAttemptAt), FirstAttemptAt: nullTime(d.FirstAttemptAt), LastAttemptAt: nullTime(d.LastAttemptAt),
		LastStatus: nullInt(d.LastStatus), LastError: d.LastError, CreatedAt: utc(d.CreatedAt), CompletedAt: nullTime(d.CompletedAt)}
}

// EventOut is the API's view of an event: the delivery envelope and its subject.
func EventOut(e *Event) (apigen.Event, error) {
	out := apigen.Event{Id: e.ID, Type: e.Type, Version: e.Version, Timestamp: utc(e.CreatedAt), TenantId: e.TenantID, Subject: e.Subject}
	if err := json.Unmarshal(e.Data, &out.Data); err != nil {
		return out, err
	}
	return out, nil
}

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func nullTime(t *time.Time) nullable.Nullable[time.Time] {
	if t == nil {
		return nullable.NewNullNullable[time.Time]()
	}
	return nullable.NewNullableWithValue(utc(*t))
}

func nullInt(n *int) nullable.Nullable[int] {
	if n == nil {
		return nullable.NewNullNullable[int]()
	}
	return nullable.NewNullableWithValue(*n)
}

// convert copies between two generated types of the same JSON shape.
func convert(from, to any) error {
	b, err := json.Marshal(from)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, to)
}

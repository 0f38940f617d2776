package events

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/paging"
	"github.com/konstruct/konstruct/api/store"
)

// Delivery is one event sent (or to be sent) to one endpoint.
type Delivery struct {
	bun.BaseModel `bun:"table:webhook_deliveries"`

	ID             uuid.UUID  `bun:"id,pk"`
	TenantID       uuid.UUID  `bun:"tenant_id"`
	Seq            int64      `bun:"seq"`
	EndpointID     uuid.UUID  `bun:"endpoint_id"`
	EventID        uuid.UUID  `bun:"event_id"`
	EventType      string     `bun:"event_type"`
	Subject        string     `bun:"subject"`
	Reason         string     `bun:"reason"`
	State          string     `bun:"state"`
	Attempts       int        `bun:"attempts"`
	NextAttemptAt  *time.Time `bun:"next_attempt_at"`
	LeaseUntil     *time.Time `bun:"lease_until"`
	FirstAttemptAt *time.Time `bun:"first_attempt_at"`
	LastAttemptAt  *time.Time `bun:"last_attempt_at"`
	LastStatus     *int       `bun:"last_status"`
	LastError      string     `bun:"last_error"`
	CreatedAt      time.Time  `bun:"created_at"`
	CompletedAt    *time.Time `bun:"completed_at"`
}

// Attempt is one HTTP attempt of a delivery.
type Attempt struct {
	bun.BaseModel `bun:"table:webhook_attempts"`

	ID              uuid.UUID `bun:"id,pk"`
	TenantID        uuid.UUID `bun:"tenant_id"`
	DeliveryID      uuid.UUID `bun:"delivery_id"`
	EndpointID      uuid.UUID `bun:"endpoint_id"`
	Attempt         int       `bun:"attempt"`
	URL             string    `bun:"url"`
	StartedAt       time.Time `bun:"started_at"`
	DurationMS      *int      `bun:"duration_ms"`
	StatusCode      *int      `bun:"status_code"`
	Outcome         string    `bun:"outcome"`
	Error           string    `bun:"error"`
	ResponseExcerpt string    `bun:"response_excerpt"`
}

// DeliveryFilter narrows ListDeliveries.
type DeliveryFilter struct {
	EndpointID *uuid.UUID
	EventID    *uuid.UUID
	EventType  string
	State      string
	Since      *time.Time
	Until      *time.Time
	Page       paging.Page
}

// ListDeliveries is the delivery log, newest first (owners and admins).
func (s *Service) ListDeliveries(ctx context.Context, tenantID uuid.UUID, f DeliveryFilter) ([]Delivery, *string, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, nil, err
	}
	var out []Delivery
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		q := tx.NewSelect().Model(&out).OrderExpr("created_at DESC, id DESC").Limit(int64(f.Page.Limit + 1))
		if f.EndpointID != nil {
			q.Where("endpoint_id = ?", *f.EndpointID)
		}
		if f.EventID != nil {
			q.Where("event_id = ?", *f.EventID)
		}
		if f.EventType != "" {
			q.Where("event_type = ?", f.EventType)
		}
		if f.State != "" {
			q.Where("state = ?", f.State)
		}
		return newestFirst(q, f.Since, f.Until, f.Page).Scan(ctx)
	})
	if err != nil {
		return nil, nil, err
	}
	out, next := paging.Trim(out, f.Page.Limit, func(d Delivery) (time.Time, uuid.UUID) { return d.CreatedAt, d.ID })
	return out, next, nil
}

// DeliveryDetail is a delivery with its attempts and the event it carries.
type DeliveryDetail struct {
	Delivery
	Attempts []Attempt
	Event    Event
}

// GetDelivery returns one delivery with every attempt (owners and admins).
func (s *Service) GetDelivery(ctx context.Context, tenantID, id uuid.UUID) (*DeliveryDetail, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	d := &DeliveryDetail{}
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		if err := tx.NewSelect().Model(&d.Delivery).Where("id = ?", id).Scan(ctx); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return errs.NotFoundf("webhook delivery not found")
			}
			return err
		}
		if err := tx.NewSelect().Model(&d.Event).Where("id = ?", d.EventID).Scan(ctx); err != nil {
			return err
		}
		return tx.NewSelect().Model(&d.Attempts).Where("delivery_id = ?", id).OrderExpr("attempt").Scan(ctx)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// EventFilter narrows ListEvents.
type EventFilter struct {
	Type    string // exact, or a prefix ending in "."
	Subject string
	Since   *time.Time
	Until   *time.Time
	Page    paging.Page
}

// ListEvents returns recorded events, newest first (owners and admins).
func (s *Service) ListEvents(ctx context.Context, tenantID uuid.UUID, f EventFilter) ([]Event, *string, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, nil, err
	}
	var out []Event
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		q := tx.NewSelect().Model(&out).OrderExpr("created_at DESC, id DESC").Limit(int64(f.Page.Limit + 1))
		if strings.HasSuffix(f.Type, ".") {
			q.Where("starts_with(type, ?)", f.Type)
		} else if f.Type != "" {
			q.Where("type = ?", f.Type)
		}
		if f.Subject != "" {
			q.Where("subject = ?", f.Subject)
		}
		return newestFirst(q, f.Since, f.Until, f.Page).Scan(ctx)
	})
	if err != nil {
		return nil, nil, err
	}
	out, next := paging.Trim(out, f.Page.Limit, func(e Event) (time.Time, uuid.UUID) { return e.CreatedAt, e.ID })
	return out, next, nil
}

// GetEvent returns one event (owners and admins).
func (s *Service) GetEvent(ctx context.Context, tenantID, id uuid.UUID) (*Event, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	e := &Event{}
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		if err := tx.NewSelect().Model(e).Where("id = ?", id).Scan(ctx); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return errs.NotFoundf("event not found")
			}
			return err
		}
		return nil
	})
	return e, err
}

// enabledEndpoint loads an endpoint that can take deliveries now.
func enabledEndpoint(ctx context.Context, tx store.Tx, id uuid.UUID) (*Endpoint, error) {
	e, err := loadEndpoint(ctx, tx, id, false)
	if err != nil {
		return nil, err
	}
	if !e.Enabled {
		return nil, errs.E(errs.Conflict, "This endpoint is disabled; enable it first.")
	}
	return e, nil
}

// SendTest records a webhook.test event and delivers it to one endpoint
// only, at once (owners and admins).
func (s *Service) SendTest(ctx context.Context, tenantID, endpointID uuid.UUID) (*Delivery, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	var d *Delivery
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		e, err := enabledEndpoint(ctx, tx, endpointID)
		if err != nil {
			return err
		}
		ev := &Event{ID: uuid.Must(uuid.NewV7()), Type: TypeTest, Version: versionOf(TypeTest)}
		if ev.Data, err = jsonOf(Test{EndpointID: e.ID, Message: "A test event from Konstruct. Your endpoint received it."}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO outbound_events (id, type, version, data, dispatched_at) VALUES (?, ?, ?, ?::jsonb, now())",
			ev.ID, ev.Type, ev.Version, string(ev.Data)); err != nil {
			return err
		}
		ids, err := s.createDeliveries(ctx, tx, e.ID, []Event{*ev}, "test")
		if err != nil {
			return err
		}
		d = &Delivery{}
		return tx.NewSelect().Model(d).Where("id = ?", ids[0]).Scan(ctx)
	})
	return d, err
}

// Replay sends an event again to the endpoint of an earlier delivery (owners
// and admins). The event keeps its id (the webhook-id), so a receiver that
// already has it can tell; the copy follows the subject's order.
func (s *Service) Replay(ctx context.Context, tenantID, deliveryID uuid.UUID) (*Delivery, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	var d *Delivery
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		orig := &Delivery{}
		if err := tx.NewSelect().Model(orig).Where("id = ?", deliveryID).Scan(ctx); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return errs.NotFoundf("webhook delivery not found")
			}
			return err
		}
		if _, err := enabledEndpoint(ctx, tx, orig.EndpointID); err != nil {
			return err
		}
		ev := Event{}
		if err := tx.NewSelect().Model(&ev).Column("id", "type", "subject").Where("id = ?", orig.EventID).Scan(ctx); err != nil {
			return err
		}
		ids, err := s.createDeliveries(ctx, tx, orig.EndpointID, []Event{ev}, "replay")
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Event{Action: "webhook_delivery.replayed", TargetType: "webhook_endpoint",
			TargetID: orig.EndpointID.String(), Metadata: map[string]any{"event_id": ev.ID.String(), "delivery_id": ids[0].String()}}); err != nil {
			return err
		}
		d = &Delivery{}
		return tx.NewSelect().Model(d).Where("id = ?", ids[0]).Scan(ctx)
	})
	return d, err
}

// MaxReplay is the most events one replay may send; a longer outage is
// replayed in several ranges.
const MaxReplay = 10000

// ReplayOpts chooses what ReplaySince sends again.
type ReplayOpts struct {
	Since time.Time
	Until *time.Time
	// OnlyUndelivered skips events this endpoint already acknowledged.
	OnlyUndelivered bool
}

// ReplaySince sends every event since a time that the endpoint subscribes
// to, in the order they were recorded (owners and admins): the catch-up
// after a receiver's outage. It returns how many deliveries it queued.
func (s *Service) ReplaySince(ctx context.Context, tenantID, endpointID uuid.UUID, o ReplayOpts) (int, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return 0, err
	}
	if o.Until != nil && !o.Until.After(o.Since) {
		return 0, errs.Field("body.until", "must be after since")
	}
	if o.Since.After(time.Now()) {
		return 0, errs.Field("body.since", "must not be in the future")
	}
	n := 0
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		e, err := enabledEndpoint(ctx, tx, endpointID)
		if err != nil {
			return err
		}
		var evs []Event
		q := tx.NewSelect().Model(&evs).Column("id", "type", "subject").
			Where("created_at >= ?", o.Since).Where("type <> ?", TypeTest).OrderExpr("seq").Limit(MaxReplay + 1)
		if o.Until != nil {
			q.Where("created_at < ?", *o.Until)
		}
		if len(e.EventTypes) > 0 {
			q.Where("type IN (?)", bun.In(e.EventTypes))
		}
		if o.OnlyUndelivered {
			q.Where("NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = event.id AND d.endpoint_id = ? AND d.state = 'succeeded')", e.ID)
		}
		if err := q.Scan(ctx); err != nil {
			return err
		}
		if len(evs) > MaxReplay {
			return errs.Field("body.since", "more than %d events match; replay a shorter range (use until)", MaxReplay)
		}
		if len(evs) == 0 {
			return nil
		}
		if _, err := s.createDeliveries(ctx, tx, e.ID, evs, "replay"); err != nil {
			return err
		}
		n = len(evs)
		return audit.Record(ctx, tx, audit.Event{Action: "webhook_endpoint.replayed", TargetType: "webhook_endpoint", TargetID: e.ID.String(),
			Metadata: map[string]any{"since": o.Since.UTC().Format(time.RFC3339), "events": n, "only_undelivered": o.OnlyUndelivered}})
	})
	return n, err
}

// createDeliveries queues evs (in order) for one endpoint inside tx and
// starts its delivery job.
func (s *Service) createDeliveries(ctx context.Context, tx store.Tx, endpointID uuid.UUID, evs []Event, reason string) ([]uuid.UUID, error) {
	var b deliveryBatch
	for _, ev := range evs {
		b.add(uuid.Must(uuid.NewV7()), endpointID, ev.ID, ev.Type, ev.Subject, reason)
	}
	err := tx.Pgx(func(ptx pgx.Tx) error {
		if err := b.insert(ctx, ptx); err != nil {
			return err
		}
		return s.startJobs(ctx, ptx, tx.TenantID, b.pendingEndpoints())
	})
	return b.ids, err
}

// newestFirst limits a log query to [since, until) and to the rows after the
// page's cursor: deliveries and events page the same way, newest first.
func newestFirst(q *bun.SelectQuery, since, until *time.Time, page paging.Page) *bun.SelectQuery {
	if since != nil {
		q.Where("created_at >= ?", *since)
	}
	if until != nil {
		q.Where("created_at < ?", *until)
	}
	if c := page.After; c != nil {
		q.Where("(created_at, id) < (?, ?)", c.At, c.ID)
	}
	return q
}

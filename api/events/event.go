package events

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Payload is the data of one event type. Each type in the catalogue has its
// payload struct; its JSON is the event's "data", documented in openapi.yaml
// (x-webhooks) and checked against it by the tests.
type Payload interface {
	// EventType is the event's type, e.g. "agent.created".
	EventType() string
	// EventSubject is what the event is about ("conversation:<id>",
	// "agent:<id>"); deliveries of one subject to one endpoint go out in the
	// order the events were recorded. Empty means no order is kept.
	EventSubject() string
}

// Record writes an event into the outbox inside the caller's tenant
// transaction: it is delivered only if the transaction commits, and never
// for a change that rolls back. db must be a transaction whose row-level-
// security tenant is set (store.Tx, or the bun.IDB a package hands down);
// the row's tenant is the transaction's, so an event cannot be recorded for
// another tenant.
func Record(ctx context.Context, db bun.IDB, p Payload) error {
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("event %s: %w", p.EventType(), err)
	}
	if _, err := db.ExecContext(ctx, recordSQL, uuid.Must(uuid.NewV7()), p.EventType(), versionOf(p.EventType()),
		p.EventSubject(), string(data), p.EventType()); err != nil {
		return fmt.Errorf("event %s: %w", p.EventType(), err)
	}
	return nil
}

// recordSQL is what Record runs; tenant_id, seq and created_at come from the
// column defaults (the transaction's tenant, the identity, now()).
var recordSQL = `INSERT INTO outbound_events (id, type, version, subject, data, dispatched_at)
	VALUES (?, ?, ?, ?, ?::jsonb, ` + DispatchedAtSQL("app_current_tenant()", "?") + `)`

// Event is a recorded event.
type Event struct {
	bun.BaseModel `bun:"table:outbound_events"`

	ID           uuid.UUID       `bun:"id,pk"`
	TenantID     uuid.UUID       `bun:"tenant_id"`
	Seq          int64           `bun:"seq"`
	Type         string          `bun:"type"`
	Version      int             `bun:"version"`
	Subject      string          `bun:"subject"`
	Data         json.RawMessage `bun:"data,type:jsonb"`
	CreatedAt    time.Time       `bun:"created_at"`
	DispatchedAt *time.Time      `bun:"dispatched_at"`
}

// Envelope is the body of every delivery: Standard Webhooks' recommended
// type/timestamp/data, with the event's id (also the webhook-id header), its
// tenant and the version of its data's schema.
type Envelope struct {
	ID        uuid.UUID       `json:"id"`
	Type      string          `json:"type"`
	Version   int             `json:"version"`
	Timestamp time.Time       `json:"timestamp"`
	TenantID  uuid.UUID       `json:"tenant_id"`
	Data      json.RawMessage `json:"data"`
}

// Body is the exact bytes sent (and signed) for an event. The same event
// always gives the same body, whichever attempt or replay sends it.
func Body(id uuid.UUID, typ string, version int, at time.Time, tenantID uuid.UUID, data json.RawMessage) ([]byte, error) {
	return json.Marshal(Envelope{ID: id, Type: typ, Version: version, Timestamp: at.UTC().Truncate(time.Microsecond),
		TenantID: tenantID, Data: data})
}

// jsonOf is a payload's data.
func jsonOf(p Payload) (json.RawMessage, error) { return json.Marshal(p) }

// Package audit owns the append-only audit trail: Record writes an event in
// the caller's tenant transaction (so the event commits with the change it
// describes), and List reads it back with filters and pagination. The actor
// and request id are taken from the context; metadata must never contain
// secrets or message bodies.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/obs"
	"github.com/konstruct/konstruct/api/paging"
	"github.com/konstruct/konstruct/api/store"
)

// Event is what happened; the actor comes from the context.
type Event struct {
	Action     string // "agent.created": noun.verb in the past tense
	TargetType string
	TargetID   string
	Metadata   map[string]any
}

// Row is a stored audit event.
type Row struct {
	bun.BaseModel `bun:"table:audit_events"`

	ID         uuid.UUID      `bun:"id,pk"`
	TenantID   uuid.UUID      `bun:"tenant_id"`
	ActorType  string         `bun:"actor_type"`
	ActorID    string         `bun:"actor_id"`
	ActorLabel string         `bun:"actor_label"`
	Action     string         `bun:"action"`
	TargetType string         `bun:"target_type"`
	TargetID   string         `bun:"target_id"`
	Metadata   map[string]any `bun:"metadata,type:jsonb"`
	RequestID  string         `bun:"request_id"`
	CreatedAt  time.Time      `bun:"created_at,nullzero,default:now()"`
}

// Record appends an event to tx's tenant trail. A caller without a principal
// in the context (a job, a webhook) is recorded as the system.
func Record(ctx context.Context, tx store.Tx, e Event) error {
	row := newRow(ctx, tx.TenantID, e)
	if _, err := tx.NewInsert().Model(row).ExcludeColumn("created_at").Exec(ctx); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

func newRow(ctx context.Context, tenantID uuid.UUID, e Event) *Row {
	row := &Row{
		ID: uuid.Must(uuid.NewV7()), TenantID: tenantID, ActorType: "system",
		Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID,
		Metadata: e.Metadata, RequestID: obs.RequestID(ctx),
	}
	if row.Metadata == nil {
		row.Metadata = map[string]any{}
	}
	if p, ok := access.From(ctx); ok {
		row.ActorType, row.ActorID, row.ActorLabel = p.ActorType(), p.ActorID(), p.ActorLabel()
	}
	return row
}

// ForUser writes an event about a user into every tenant the user belongs to
// (sign-ins happen outside any one tenant); see audit_user_event in the
// migrations.
func ForUser(ctx context.Context, db bun.IDB, userID uuid.UUID, label string, e Event) error {
	meta, err := json.Marshal(orEmpty(e.Metadata))
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "SELECT audit_user_event(?, ?, ?, ?, ?::jsonb)",
		userID, label, e.Action, obs.RequestID(ctx), string(meta))
	return err
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// Filter narrows List.
type Filter struct {
	Action  string // exact, or a prefix ending in "."
	ActorID string
	Since   *time.Time
	Until   *time.Time
	Page    paging.Page
}

// List returns a page of tx's tenant trail, newest first.
func List(ctx context.Context, tx store.Tx, f Filter) ([]Row, *string, error) {
	var rows []Row
	q := tx.NewSelect().Model(&rows).OrderExpr("created_at DESC, id DESC").Limit(int64(f.Page.Limit + 1))
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			q.Where("starts_with(action, ?)", f.Action)
		} else {
			q.Where("action = ?", f.Action)
		}
	}
	if f.ActorID != "" {
		q.Where("actor_id = ?", f.ActorID)
	}
	if f.Since != nil {
		q.Where("created_at >= ?", *f.Since)
	}
	if f.Until != nil {
		q.Where("created_at < ?", *f.Until)
	}
	if c := f.Page.After; c != nil {
		q.Where("(created_at, id) < (?, ?)", c.At, c.ID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, nil, fmt.Errorf("audit list: %w", err)
	}
	rows, next := paging.Trim(rows, f.Page.Limit, func(r Row) (time.Time, uuid.UUID) { return r.CreatedAt, r.ID })
	return rows, next, nil
}

const insertSQL = `INSERT INTO audit_events (id, tenant_id, actor_type, actor_id, actor_label, action, target_type, target_id, metadata, request_id)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

// Queue is Record as one statement of a batch (store.Batch), sent with the
// caller's other statements in one round trip.
func Queue(ctx context.Context, b *store.Batch, tenantID uuid.UUID, e Event) {
	r := newRow(ctx, tenantID, e)
	b.Queue(insertSQL, r.ID, r.TenantID, r.ActorType, r.ActorID, r.ActorLabel, r.Action, r.TargetType, r.TargetID, r.Metadata, r.RequestID)
}

package billing

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/stripe/stripe-go/v76"

	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/store"
)

// SeatsArgs makes the tenant's subscription quantity follow its active
// agents. The worker reads the count when it runs, so any number of these
// jobs converge on the same quantity.
type SeatsArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
}

// Kind is the job's stable name.
func (SeatsArgs) Kind() string { return "billing.sync_seats" }

// EnqueueSeatSync queues a seat sync in tx (agents.Service.OnSeatsChanged);
// with billing disabled it does nothing.
func (s *Service) EnqueueSeatSync(ctx context.Context, tx store.Tx) error {
	if !s.Enabled() {
		return nil
	}
	_, err := tx.InsertJob(ctx, SeatsArgs{TenantID: tx.TenantID}, nil)
	return err
}

// SeatsWorker works seat syncs.
type SeatsWorker struct {
	river.WorkerDefaults[SeatsArgs]
	Billing *Service
}

// Work sets the subscription item's quantity to the active agents. Stripe
// refusing the request (4xx other than 429) will not change by retrying:
// the job is cancelled; anything else is retried with River's backoff.
func (w *SeatsWorker) Work(ctx context.Context, job *river.Job[SeatsArgs]) error {
	err := w.Billing.SyncSeats(ctx, job.Args.TenantID, job.ID)
	var se *stripe.Error
	if errors.As(err, &se) && se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500 && se.HTTPStatusCode != http.StatusTooManyRequests {
		return river.JobCancel(err)
	}
	return err
}

// SyncSeats updates the subscription's quantity when it differs from the
// active agents (at least one). The idempotency key names the job, so a
// retried attempt that already reached Stripe is replayed, not repeated.
//
// Syncs of one tenant are serialised by a transaction-scoped advisory lock
// held across the Stripe call: two jobs queued by quick successive agent
// changes would otherwise both read the old seat count and both update
// Stripe. The second now waits, reads the count the first recorded, and
// finds nothing to do. Seat changes are rare and the call is bounded by
// OUTBOUND_TIMEOUT, so holding a transaction over it is cheap.
func (s *Service) SyncSeats(ctx context.Context, tenantID uuid.UUID, jobID int64) error {
	if !s.Enabled() {
		return nil
	}
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended('billing.seats:' || ?, 0))", tenantID.String()); err != nil {
			return err
		}
		a, err := loadAccount(ctx, tx, false)
		if err != nil {
			return err
		}
		seats, err := activeAgents(ctx, tx)
		if err != nil {
			return err
		}
		seats = max(seats, 1)
		if a.SubscriptionItemID == nil || !live(deref(a.Status)) || seats == a.Seats {
			return nil
		}
		params := &stripe.SubscriptionItemParams{Quantity: stripe.Int64(int64(seats)), ProrationBehavior: stripe.String("create_prorations")}
		params.SetIdempotencyKey(fmt.Sprintf("seats:%s:%d:%d", *a.SubscriptionItemID, seats, jobID))
		params.Context = ctx
		if _, err := s.stripe.SubscriptionItems.Update(*a.SubscriptionItemID, params); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE tenants SET subscription_seats = ? WHERE id = ?", seats, tenantID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "billing.seats_synced", TargetType: "tenant", TargetID: tenantID.String(),
			Metadata: map[string]any{"from": a.Seats, "to": seats}})
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil // tenant deleted since
	}
	return err
}

package events

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"
)

// Retention is how long events, their deliveries and attempts are kept
// (webhook_prune in migration 00013 deletes after the same 30 days):
// long enough to replay after a month-end outage, as Stripe keeps events
// 30 days.
const Retention = 30 * 24 * time.Hour

// PruneArgs is the periodic removal of events past Retention.
type PruneArgs struct{}

// Kind is the job's stable name.
func (PruneArgs) Kind() string { return "webhooks.prune" }

// InsertOpts makes overlapping schedules (several leaders over time) collapse.
func (PruneArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 30 * time.Minute}}
}

// PruneWorker deletes old events across tenants (webhook_prune, a SECURITY
// DEFINER function); their deliveries and attempts go with them.
type PruneWorker struct {
	river.WorkerDefaults[PruneArgs]
	DB  bun.IDB
	Log *slog.Logger
}

// Work prunes.
func (w *PruneWorker) Work(ctx context.Context, _ *river.Job[PruneArgs]) error {
	var n int
	if err := w.DB.QueryRowContext(ctx, "SELECT webhook_prune()").Scan(&n); err != nil {
		return fmt.Errorf("prune events: %w", err)
	}
	if n > 0 {
		w.Log.InfoContext(ctx, "pruned old events", "events", n)
	}
	return nil
}

// PrunePeriodic schedules the prune hourly, and once at start.
func PrunePeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return PruneArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "webhooks.prune"})
}

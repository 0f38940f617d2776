package knowledge

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/konstruct/konstruct/api/store"
)

// ScheduleArgs starts the syncs that are due (URL and site sources with a
// re-sync period), across tenants.
type ScheduleArgs struct{}

// Kind names the job.
func (ScheduleArgs) Kind() string { return "knowledge.schedule" }

// SchedulePeriodic runs ScheduleArgs every five minutes.
func SchedulePeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(5*time.Minute),
		func() (river.JobArgs, *river.InsertOpts) { return ScheduleArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})
}

// ScheduleWorker works ScheduleArgs.
type ScheduleWorker struct {
	river.WorkerDefaults[ScheduleArgs]
	Knowledge *Service
}

// Work queues a sync for each due source (found by a narrow definer
// function), marking it queued in its tenant's transaction.
func (w *ScheduleWorker) Work(ctx context.Context, _ *river.Job[ScheduleArgs]) error {
	var due []struct {
		TenantID uuid.UUID `bun:"tenant_id"`
		SourceID uuid.UUID `bun:"source_id"`
	}
	st := w.Knowledge.opts.Store
	if err := st.DB.NewRaw("SELECT tenant_id, source_id FROM knowledge_due_sources(500)").Scan(ctx, &due); err != nil {
		return err
	}
	for _, d := range due {
		err := st.WithTenant(ctx, d.TenantID, func(ctx context.Context, tx store.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE knowledge_sources SET status = 'queued', next_sync_at = NULL, updated_at = now()
				WHERE id = ? AND status IN ('ready', 'failed') AND next_sync_at <= now()`, d.SourceID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil
			}
			return enqueueSync(ctx, tx, d.SourceID)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

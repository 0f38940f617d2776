// Package retention deletes what has outlived its purpose: expired and
// revoked sessions, idempotency records past their window, old rate-limit
// counters, expired OAuth install states, and memories past their agent's
// retention. It runs as a periodic River job (maintenance.prune) on the elected
// leader, so exactly one process prunes at a time.
package retention

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"
)

// PruneArgs is the periodic prune job. It is not tenant-scoped: every table it
// prunes belongs to callers, not tenants.
type PruneArgs struct{}

// Kind is the job's stable name.
func (PruneArgs) Kind() string { return "maintenance.prune" }

// InsertOpts makes overlapping schedules (several leaders over time) collapse.
func (PruneArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 5 * time.Minute}}
}

// PruneWorker deletes expired rows.
type PruneWorker struct {
	river.WorkerDefaults[PruneArgs]
	DB  bun.IDB
	Log *slog.Logger
}

// Sessions are kept a day past expiry so "your session expired" can be told
// apart from "never existed" while debugging.
var pruneStatements = []struct{ name, sql string }{
	// Sessions are readable only by their user (RLS): pruned by a SECURITY DEFINER function.
	{"sessions", "SELECT prune_sessions()"},
	{"signin_failures", "DELETE FROM signin_failures WHERE last_failed < now() - interval '1 day'"},
	{"idempotency_keys", "DELETE FROM idempotency_keys WHERE expires_at < now()"},
	{"rate_limit_buckets", "DELETE FROM rate_limit_buckets WHERE expires_at < now()"},
	// A tenant table: pruned across tenants by a SECURITY DEFINER function.
	{"oauth_states", "SELECT prune_oauth_states()"},
	// Memories past their agent's retention setting.
	{"memories", "SELECT prune_memories()"},
}

// Work runs every prune statement.
func (w *PruneWorker) Work(ctx context.Context, _ *river.Job[PruneArgs]) error {
	for _, st := range pruneStatements {
		res, err := w.DB.ExecContext(ctx, st.sql)
		if err != nil {
			return fmt.Errorf("prune %s: %w", st.name, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			w.Log.InfoContext(ctx, "pruned expired rows", "table", st.name, "rows", n)
		}
	}
	return nil
}

// Periodic schedules the prune every ten minutes, and once at start.
func Periodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(10*time.Minute),
		func() (river.JobArgs, *river.InsertOpts) { return PruneArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "maintenance.prune"})
}

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
// apart from "never existed" while debugging. A statement either deletes
// (its count is the rows it affected) or calls a pruning function that
// returns how many rows it deleted (the SELECT's own row count is always 1).
var pruneStatements = []struct {
	name, sql    string
	returnsCount bool
}{
	{"sessions", "DELETE FROM sessions WHERE expires_at < now() - interval '1 day' OR revoked_at < now() - interval '1 day'", false},
	{"idempotency_keys", "DELETE FROM idempotency_keys WHERE expires_at < now()", false},
	{"rate_limit_buckets", "DELETE FROM rate_limit_buckets WHERE expires_at < now()", false},
	// A tenant table: pruned across tenants by a SECURITY DEFINER function.
	{"oauth_states", "SELECT prune_oauth_states()", true},
	// Memories past their agent's retention setting.
	{"memories", "SELECT prune_memories()", true},
}

// Work runs every prune statement and logs what each deleted.
func (w *PruneWorker) Work(ctx context.Context, _ *river.Job[PruneArgs]) error {
	for _, st := range pruneStatements {
		var n int64
		if st.returnsCount {
			if err := w.DB.NewRaw(st.sql).Scan(ctx, &n); err != nil {
				return fmt.Errorf("prune %s: %w", st.name, err)
			}
		} else {
			res, err := w.DB.ExecContext(ctx, st.sql)
			if err != nil {
				return fmt.Errorf("prune %s: %w", st.name, err)
			}
			n, _ = res.RowsAffected()
		}
		if n > 0 {
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

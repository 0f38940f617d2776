package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Rescuer hands the jobs of a worker that died back to the queue soon after
// RescueAfter, so recovery time follows JOB_RESCUE_AFTER. River rescues such
// jobs too, but its rescuer runs every 30 seconds (not configurable at
// River's version here) and then schedules the retry by its backoff and its
// 5-second scheduler tick: with JOB_RESCUE_AFTER=20s a killed worker's turns
// waited 40 s and more. This one checks every quarter of RescueAfter (1 s to
// 30 s) and makes the jobs available at once.
//
// It applies River's own rule (a job running longer than RescueAfter was
// abandoned: no job's timeout exceeds it) through one UPDATE on river_job,
// safe to run in every worker process at once. A rescue does not use up the
// job's last attempt: a worker killed under a job's final attempt would
// otherwise have River discard it unanswered. Three rescues of one job are
// granted that; a job that keeps killing its workers then runs out.
type Rescuer struct {
	Pool        *pgxpool.Pool
	RescueAfter time.Duration
	Log         *slog.Logger
}

// maxRescues is how many rescues of one job do not use up an attempt.
const maxRescues = 3

// rescueSQL makes abandoned running jobs available now, recording the
// rescue as River records one (an error entry for the attempt).
const rescueSQL = `
UPDATE river_job SET state = 'available', scheduled_at = now(),
	errors = array_append(errors, jsonb_build_object('at', now(), 'attempt', attempt,
		'error', 'Stuck job rescued: its worker stopped without finishing it', 'trace', '')),
	max_attempts = CASE WHEN coalesce((metadata->>'konstruct_rescues')::int, 0) < $2 THEN max_attempts + 1 ELSE max_attempts END,
	metadata = metadata || jsonb_build_object('konstruct_rescues', coalesce((metadata->>'konstruct_rescues')::int, 0) + 1)
WHERE state = 'running' AND attempted_at < now() - make_interval(secs => $1)
  AND (attempt < max_attempts OR coalesce((metadata->>'konstruct_rescues')::int, 0) < $2)
RETURNING id, kind`

// Interval is how often Run looks for abandoned jobs.
func (r *Rescuer) Interval() time.Duration {
	return min(max(r.RescueAfter/4, time.Second), 30*time.Second)
}

// Run rescues until ctx ends.
func (r *Rescuer) Run(ctx context.Context) {
	t := time.NewTicker(r.Interval())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := r.RescueOnce(ctx); err != nil && ctx.Err() == nil {
			r.Log.WarnContext(ctx, "rescuing abandoned jobs failed", "err", err)
		} else if n > 0 {
			r.Log.InfoContext(ctx, "abandoned jobs handed back to the queue", "jobs", n, "rescue_after", r.RescueAfter.String())
		}
	}
}

// RescueOnce hands back the jobs abandoned now and says how many.
func (r *Rescuer) RescueOnce(ctx context.Context) (int, error) {
	rows, err := r.Pool.Query(ctx, rescueSQL, r.RescueAfter.Seconds(), maxRescues)
	if err != nil {
		return 0, fmt.Errorf("rescue jobs: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int64
		var kind string
		if err := rows.Scan(&id, &kind); err != nil {
			return n, err
		}
		r.Log.InfoContext(ctx, "abandoned job rescued", "job_id", id, "job_kind", kind)
		n++
	}
	return n, rows.Err()
}

package jobs_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/jobs"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// A job running longer than RescueAfter was left by a dead worker: it is made
// available again at once. A job running less long is left alone, and a
// rescue does not use up a job's last attempt (up to three rescues).
func TestRescuerHandsBackAbandonedJobs(t *testing.T) {
	t.Parallel()
	db := dbtest.Isolated(t)
	ctx := context.Background()
	insert := func(kind string, attempt, maxAttempts int, ranFor time.Duration, rescues int) int64 {
		var id int64
		require.NoError(t, db.Owner.QueryRow(ctx, `INSERT INTO river_job (args, kind, max_attempts, queue, state, attempt, attempted_at, metadata)
			VALUES ('{}', $1, $2, 'llm', 'running', $3, now() - make_interval(secs => $4), jsonb_build_object('konstruct_rescues', $5::int))
			RETURNING id`, kind, maxAttempts, attempt, ranFor.Seconds(), rescues).Scan(&id))
		return id
	}
	abandoned := insert("agent.turn", 1, 5, time.Minute, 0)
	busy := insert("agent.turn", 1, 5, time.Second, 0)
	last := insert("agent.turn", 5, 5, time.Minute, 0)
	worn := insert("agent.turn", 5, 5, time.Minute, 3)

	r := &jobs.Rescuer{Pool: db.Owner, RescueAfter: 20 * time.Second, Log: slog.New(slog.DiscardHandler)}
	require.Equal(t, 5*time.Second, r.Interval(), "a quarter of RescueAfter")
	n, err := r.RescueOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, n)

	state := func(id int64) (s string, maxAttempts int, errs int) {
		require.NoError(t, db.Owner.QueryRow(ctx, `SELECT state::text, max_attempts, coalesce(array_length(errors, 1), 0) FROM river_job WHERE id = $1`, id).
			Scan(&s, &maxAttempts, &errs))
		return s, maxAttempts, errs
	}
	s, maxAttempts, errs := state(abandoned)
	require.Equal(t, "available", s)
	require.Equal(t, 1, errs, "the rescue is recorded as the attempt's error")
	require.Equal(t, 6, maxAttempts)
	s, _, _ = state(busy)
	require.Equal(t, "running", s)
	s, maxAttempts, _ = state(last)
	require.Equal(t, "available", s, "a worker killed under the last attempt does not lose the job")
	require.Equal(t, 6, maxAttempts)
	s, _, _ = state(worn)
	require.Equal(t, "running", s, "left to River once rescues are used up")
}

package retention_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/retention"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestPruneDeletesOnlyWhatExpired(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)

	user := uuid.New()
	_, err := d.Owner.Exec(ctx, "INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, 'P', 'x')", user, user.String()+"@p.test")
	require.NoError(t, err)
	live, old := uuid.New(), uuid.New()
	_, err = d.Owner.Exec(ctx, `INSERT INTO sessions (id, user_id, expires_at) VALUES ($1, $3, now() + interval '1 hour'), ($2, $3, now() - interval '2 days')`, live, old, user)
	require.NoError(t, err)
	_, err = d.Owner.Exec(ctx, `INSERT INTO idempotency_keys (scope, key, request_hash, expires_at) VALUES
		($1, 'live', '\x00', now() + interval '1 hour'), ($1, 'old', '\x00', now() - interval '1 minute')`, "user:"+user.String())
	require.NoError(t, err)

	worker := rivertest.NewWorker(t, riverpgxv5.New(d.Store.Pool), &river.Config{},
		&retention.PruneWorker{DB: d.Store.DB, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	tx, err := d.Store.Pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	res, err := worker.Work(ctx, t, tx, retention.PruneArgs{}, nil)
	require.NoError(t, err)
	require.Equal(t, river.EventKindJobCompleted, res.EventKind)

	var sessions []uuid.UUID
	rows, err := d.Owner.Query(ctx, "SELECT id FROM sessions WHERE user_id = $1", user)
	require.NoError(t, err)
	for rows.Next() {
		var id uuid.UUID
		require.NoError(t, rows.Scan(&id))
		sessions = append(sessions, id)
	}
	require.Equal(t, []uuid.UUID{live}, sessions)
	var keys int
	require.NoError(t, d.Owner.QueryRow(ctx, "SELECT count(*) FROM idempotency_keys WHERE scope = $1", "user:"+user.String()).Scan(&keys))
	require.Equal(t, 1, keys)
}

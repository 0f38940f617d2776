package retention_test

import (
	"bytes"
	"context"
	"encoding/json"
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

// The log says what was deleted: nothing for an empty table (the SELECT that
// calls a pruning function returns one row whatever it deleted), the count
// when something expired.
func TestPruneLogsWhatItDeleted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.Isolated(t)
	var logs bytes.Buffer
	worker := rivertest.NewWorker(t, riverpgxv5.New(d.Store.Pool), &river.Config{},
		&retention.PruneWorker{DB: d.Store.DB, Log: slog.New(slog.NewJSONHandler(&logs, nil))})
	prune := func() map[string]float64 {
		logs.Reset()
		tx, err := d.Store.Pool.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx)
		res, err := worker.Work(ctx, t, tx, retention.PruneArgs{}, nil)
		require.NoError(t, err)
		require.Equal(t, river.EventKindJobCompleted, res.EventKind)
		pruned := map[string]float64{}
		dec := json.NewDecoder(&logs)
		for dec.More() {
			var line map[string]any
			require.NoError(t, dec.Decode(&line))
			pruned[line["table"].(string)] = line["rows"].(float64)
		}
		return pruned
	}
	require.Empty(t, prune(), "nothing expired, nothing logged")

	tenant, agent, conn, conv, old, recent := uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New()
	for _, st := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO tenants (id, name) VALUES ($1, 'retention')`, []any{tenant}},
		{`INSERT INTO agents (id, tenant_id, name, model, memory_retention_days) VALUES ($1, $2, 'Ada', 'openai/gpt-4o-mini', 30)`, []any{agent, tenant}},
		{`INSERT INTO channel_connections (id, tenant_id, type, external_id, secret_ciphertext, secret_key_version)
		  VALUES ($1, $2, 'slack', $3, '\x00', 1)`, []any{conn, tenant, "T" + conn.String()}},
		{`INSERT INTO conversations (id, tenant_id, connection_id, channel_type, thread_key, channel_ref) VALUES ($1, $2, $3, 'slack', 'C1:1', 'C1')`, []any{conv, tenant, conn}},
		{`INSERT INTO messages (id, tenant_id, conversation_id, connection_id, role, external_id, body) VALUES
		  ($1, $3, $4, $5, 'user', 'C1:1', 'old'), ($2, $3, $4, $5, 'user', 'C1:2', 'recent')`, []any{old, recent, tenant, conv, conn}},
		{`INSERT INTO memories (id, tenant_id, agent_id, participant_key, message_id, conversation_id, role, embedder, embedding, said_at) VALUES
		  ($1, $3, $4, 'k', $5, $6, 'user', 'e', '\x00000000', now() - interval '40 days'),
		  ($2, $3, $4, 'k', $7, $6, 'user', 'e', '\x00000000', now() - interval '1 day')`, []any{uuid.New(), uuid.New(), tenant, agent, old, conv, recent}},
	} {
		_, err := d.Owner.Exec(ctx, st.sql, st.args...)
		require.NoError(t, err)
	}
	require.Equal(t, map[string]float64{"memories": 1}, prune())
	var left []uuid.UUID
	rows, err := d.Owner.Query(ctx, "SELECT message_id FROM memories")
	require.NoError(t, err)
	for rows.Next() {
		var id uuid.UUID
		require.NoError(t, rows.Scan(&id))
		left = append(left, id)
	}
	require.Equal(t, []uuid.UUID{recent}, left)
}

package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/store"
)

// A tenant transaction is begun by its first statement, in the same round
// trip, whatever kind of statement that is, and every statement runs inside
// it with the tenant set: a transaction that sends nothing costs nothing, a
// batch with its commit is one round trip, and a first batch that fails
// before BEGIN runs leaves the next statement to begin it. Round trips are
// counted by the tracer the bench uses (one connection: every step runs on
// the same one).
func TestTenantTransactionBeginsWithItsFirstStatement(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, st, counter := countedConnection(t)
	tenant := uuid.New()

	// warm prepares each statement the test sends on the connection once,
	// so the counts below are the steady state (pgx prepares a
	// parameterised statement once per connection).
	trips := func(fn func(ctx context.Context, tx store.Tx) error) int64 {
		t.Helper()
		n0 := counter.Total()
		require.NoError(t, st.WithTenant(ctx, tenant, fn))
		return counter.Total() - n0
	}
	setting := func(ctx context.Context, tx store.Tx, into *string) error {
		return tx.Pgx(func(ptx pgx.Tx) error {
			return ptx.QueryRow(ctx, "SELECT current_setting('app.current_tenant', true) || $1::text", "").Scan(into)
		})
	}

	require.Zero(t, trips(func(context.Context, store.Tx) error { return nil }), "a transaction that sends nothing")

	var got string
	batch := func(ctx context.Context, tx store.Tx) error {
		var b store.Batch
		b.Queue("SELECT current_setting('app.current_tenant') || $1::text", "").QueryRow(func(r pgx.Row) error { return r.Scan(&got) })
		return tx.SendAndCommit(ctx, &b)
	}
	trips(batch)
	require.Equal(t, int64(1), trips(batch), "BEGIN, the tenant, the batch and COMMIT in one round trip")
	require.Equal(t, tenant.String(), got)

	got = ""
	query := func(ctx context.Context, tx store.Tx) error { return setting(ctx, tx, &got) }
	trips(query)
	require.Equal(t, int64(2), trips(query), "a pgx statement carries the begin; COMMIT")
	require.Equal(t, tenant.String(), got)

	for name, first := range map[string]func(ctx context.Context, tx store.Tx) error{
		"exec with arguments": func(ctx context.Context, tx store.Tx) error {
			return tx.Pgx(func(ptx pgx.Tx) error { _, err := ptx.Exec(ctx, "SELECT $1::int", 1); return err })
		},
		"exec of several statements": func(ctx context.Context, tx store.Tx) error {
			return tx.Pgx(func(ptx pgx.Tx) error { _, err := ptx.Exec(ctx, "SELECT 1; SELECT 2"); return err })
		},
		"bun": func(ctx context.Context, tx store.Tx) error {
			_, err := tx.ExecContext(ctx, "SELECT 1")
			return err
		},
		"a batch that failed before BEGIN ran": func(ctx context.Context, tx store.Tx) error {
			var b store.Batch
			b.Queue("SELEC 1")
			require.Error(t, tx.Send(ctx, &b))
			return nil
		},
	} {
		got = ""
		require.NoError(t, st.WithTenant(ctx, tenant, func(ctx context.Context, tx store.Tx) error {
			if err := first(ctx, tx); err != nil {
				return err
			}
			return setting(ctx, tx, &got)
		}), name)
		require.Equal(t, tenant.String(), got, "%s: the next statement runs in the tenant's transaction", name)
	}

	var after *string
	require.NoError(t, st.DB.NewRaw("SELECT nullif(current_setting('app.current_tenant', true), '')").Scan(ctx, &after))
	require.Nil(t, after, "the tenant is transaction-local and must not outlive it")
}

// River's NOTIFY after a job insert rides the transaction's next round trip
// (here its COMMIT) and is still delivered: workers wake at commit as before.
func TestInsertJobNotifiesWithTheCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, st, counter := countedConnection(t)
	jobs, err := river.NewClient(riverpgxv5.New(st.Pool), &river.Config{})
	require.NoError(t, err)
	st.AttachJobs(jobs)
	tenant := uuid.New()

	listener, err := pgx.Connect(ctx, d.OwnerURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = listener.Close(context.WithoutCancel(ctx)) })
	_, err = listener.Exec(ctx, `LISTEN "public.river_insert"`)
	require.NoError(t, err)

	insert := func(marker string) int64 {
		n0 := counter.Total()
		require.NoError(t, st.WithTenant(ctx, tenant, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.InsertJob(ctx, probeArgs{TenantID: tenant, Marker: marker}, nil)
			return err
		}))
		return counter.Total() - n0
	}
	marker := uuid.NewString()
	insert(marker)
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	n, err := listener.WaitForNotification(wait)
	require.NoError(t, err, "the insert's notification arrives")
	require.JSONEq(t, `{"queue": "default"}`, n.Payload)
	var jobsN int
	require.NoError(t, d.Owner.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = 'test.probe' AND args->>'marker' = $1", marker).Scan(&jobsN))
	require.Equal(t, 1, jobsN)

	// Once River's statements are prepared on the connection: the insert
	// (with BEGIN and the tenant), then the NOTIFY (when River sends one)
	// with COMMIT.
	require.Equal(t, int64(2), insert(uuid.NewString()))
}

// Deferred statements go with the transaction's next round trip, in front of
// it and in order, their callbacks run when it returns; with a commit when
// nothing else follows; never when the transaction rolls back first.
func TestDeferredStatementsRideTheNextRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, st, counter := countedConnection(t)
	tenant := uuid.New()
	require.NoError(t, st.WithTenant(ctx, tenant, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.ExecContext(ctx, "CREATE TEMP TABLE d (n int) ON COMMIT PRESERVE ROWS")
		return err
	}))

	run := func(fn func(ctx context.Context, tx store.Tx) error) (int64, error) {
		n0 := counter.Total()
		err := st.WithTenant(ctx, tenant, fn)
		return counter.Total() - n0, err
	}
	var deferred, seen int
	var tenantSeen string
	defer1 := func(tx store.Tx) {
		var b store.Batch
		b.Queue("INSERT INTO d VALUES ($1) RETURNING n", 1).QueryRow(func(r pgx.Row) error { return r.Scan(&deferred) })
		b.Queue("SELECT current_setting('app.current_tenant') || $1::text", "").QueryRow(func(r pgx.Row) error { return r.Scan(&tenantSeen) })
		require.NoError(t, tx.Defer(&b))
	}

	// With the next statement, which sees the deferred one's write.
	trips, err := run(func(ctx context.Context, tx store.Tx) error {
		defer1(tx)
		require.Zero(t, deferred, "not sent yet")
		return tx.Pgx(func(ptx pgx.Tx) error {
			return ptx.QueryRow(ctx, "SELECT count(*)::int + $1 FROM d", 0).Scan(&seen)
		})
	})
	require.NoError(t, err)
	require.Equal(t, 1, deferred)
	require.Equal(t, tenant.String(), tenantSeen)
	require.Equal(t, 1, seen, "the deferred insert ran before the statement it rode with")
	require.Equal(t, int64(2), trips, "the deferred statements, BEGIN and the query in one round trip; COMMIT")

	// With the commit when nothing follows.
	deferred = 0
	trips, err = run(func(ctx context.Context, tx store.Tx) error { defer1(tx); return nil })
	require.NoError(t, err)
	require.Equal(t, 1, deferred)
	require.Equal(t, int64(1), trips)

	// Never when the transaction rolls back first.
	deferred = 0
	boom := errors.New("rolled back")
	trips, err = run(func(ctx context.Context, tx store.Tx) error { defer1(tx); return boom })
	require.ErrorIs(t, err, boom)
	require.Zero(t, deferred)
	require.Zero(t, trips)

	var n int
	require.NoError(t, st.DB.NewRaw("SELECT count(*) FROM d").Scan(ctx, &n))
	require.Equal(t, 2, n)
}

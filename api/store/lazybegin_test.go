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

	"github.com/konstruct/konstruct/api/dbtest"
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
	listener := withJobs(t, d, st)
	tenant := uuid.New()

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

// InsertJobAndCommit sends River's insert with the COMMIT behind it and the
// begin and deferred statements in front: one round trip for the whole
// transaction (River's NOTIFY, when due, follows on its own, counted apart).
// A deferred statement that fails skips the insert and the COMMIT; a job
// insert that fails commits nothing in front of it; a COMMIT that fails
// (a deferred constraint) reports its error and keeps nothing.
func TestInsertJobAndCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, st, counter := countedConnection(t)
	listener := withJobs(t, d, st)
	tenant := uuid.New()
	require.NoError(t, st.WithTenant(ctx, tenant, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.ExecContext(ctx, "CREATE TEMP TABLE c (n int UNIQUE DEFERRABLE INITIALLY DEFERRED) ON COMMIT PRESERVE ROWS")
		return err
	}))
	_, err := d.Owner.Exec(ctx, `CREATE FUNCTION refuse_probe() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.args->>'marker' = 'refused' THEN RAISE EXCEPTION 'job refused'; END IF; RETURN NEW; END $$;
		CREATE TRIGGER refuse_probe BEFORE INSERT ON river_job FOR EACH ROW EXECUTE FUNCTION refuse_probe();`)
	require.NoError(t, err)

	// run inserts rows n… (deferred) and a job marked marker, committing
	// with the job; it returns the round trips of the transaction itself.
	var inserted []int
	run := func(marker string, rows ...string) (int64, error) {
		inserted = nil
		steps0 := counter.Steps()
		n0 := counter.Total()
		err := st.WithTenant(ctx, tenant, func(ctx context.Context, tx store.Tx) error {
			var b store.Batch
			for _, row := range rows {
				b.Queue("INSERT INTO c VALUES (" + row + ") RETURNING n").QueryRow(func(r pgx.Row) error {
					var n int
					err := r.Scan(&n)
					inserted = append(inserted, n)
					return err
				})
			}
			if err := tx.Defer(&b); err != nil {
				return err
			}
			if _, err := tx.InsertJobAndCommit(ctx, probeArgs{TenantID: tenant, Marker: marker}, nil); err != nil {
				return err
			}
			require.True(t, tx.Committed())
			require.Error(t, tx.Send(ctx, &store.Batch{}), "nothing is sent after the commit")
			return nil
		})
		notified := counter.Steps()[store.StepJobNotify] - steps0[store.StepJobNotify]
		return counter.Total() - n0 - notified, err
	}
	count := func(marker string) (rows, jobsN int) {
		t.Helper()
		require.NoError(t, st.DB.NewRaw("SELECT count(*) FROM c").Scan(ctx, &rows))
		require.NoError(t, d.Owner.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = 'test.probe' AND args->>'marker' = $1", marker).Scan(&jobsN))
		return rows, jobsN
	}

	_, err = run("warm", "1") // River asks the server's version once, and statements are prepared
	require.NoError(t, err)
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	n, err := listener.WaitForNotification(wait)
	require.NoError(t, err, "the insert's notification arrives, after the commit")
	require.JSONEq(t, `{"queue": "default"}`, n.Payload)

	trips, err := run("one", "2", "3")
	require.NoError(t, err)
	require.Equal(t, int64(1), trips, "BEGIN, the tenant, the deferred rows, the job and COMMIT in one round trip")
	require.Equal(t, []int{2, 3}, inserted, "the deferred statements' callbacks ran")
	rows, jobsN := count("one")
	require.Equal(t, 3, rows)
	require.Equal(t, 1, jobsN)

	// A deferred statement fails: the job and the COMMIT behind it never run.
	_, err = run("skipped", "4", "1/0")
	require.Error(t, err)
	rows, jobsN = count("skipped")
	require.Equal(t, 3, rows, "nothing of the failed transaction is kept")
	require.Zero(t, jobsN)

	// The job's insert fails: nothing in front of it is kept.
	_, err = run("refused", "5")
	require.ErrorContains(t, err, "job refused")
	rows, jobsN = count("refused")
	require.Equal(t, 3, rows)
	require.Zero(t, jobsN)

	// The COMMIT itself fails (a deferred unique key): its error is the
	// transaction's, and neither the rows nor the job are kept.
	_, err = run("conflict", "6", "6")
	require.ErrorIs(t, err, store.ErrConflict)
	rows, jobsN = count("conflict")
	require.Equal(t, 3, rows)
	require.Zero(t, jobsN)

	// The connection is clean after each: the next transaction commits.
	trips, err = run("after", "7")
	require.NoError(t, err)
	require.Equal(t, int64(1), trips)
	rows, jobsN = count("after")
	require.Equal(t, 4, rows)
	require.Equal(t, 1, jobsN)
}

// withJobs attaches a River client (not started: it only inserts) to st and
// returns a connection listening for River's insert notifications.
func withJobs(t *testing.T, d *dbtest.DB, st *store.Store) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	jobs, err := river.NewClient(riverpgxv5.New(st.Pool), &river.Config{})
	require.NoError(t, err)
	st.AttachJobs(jobs)
	listener, err := pgx.Connect(ctx, d.OwnerURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = listener.Close(context.WithoutCancel(ctx)) })
	_, err = listener.Exec(ctx, `LISTEN "public.river_insert"`)
	require.NoError(t, err)
	return listener
}

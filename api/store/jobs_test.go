package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/store"
)

type probeArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	Marker   string    `json:"marker"`
}

func (probeArgs) Kind() string { return "test.probe" }

// A row and its job commit together, or neither exists.
func TestTenantTxRowsAndJobsCommitTogether(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	jobs, err := river.NewClient(riverpgxv5.New(d.Store.Pool), &river.Config{})
	require.NoError(t, err)
	st := store.New(d.Store.Pool)
	st.AttachJobs(jobs)

	tenant := uuid.New()
	seedEveryTenantTable(ctx, t, d.Owner, tenant)

	write := func(marker string, fail error) error {
		return st.WithTenant(ctx, tenant, func(ctx context.Context, tx store.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO agents (id, tenant_id, name, model) VALUES (?, ?, ?, 'openai/gpt-4o')", uuid.New(), tenant, marker); err != nil {
				return err
			}
			if _, err := tx.InsertJob(ctx, probeArgs{TenantID: tenant, Marker: marker}, nil); err != nil {
				return err
			}
			return fail
		})
	}
	count := func(marker string) (rows, jobsN int) {
		require.NoError(t, d.Owner.QueryRow(ctx, "SELECT count(*) FROM agents WHERE name = $1", marker).Scan(&rows))
		require.NoError(t, d.Owner.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = 'test.probe' AND args->>'marker' = $1", marker).Scan(&jobsN))
		return rows, jobsN
	}

	committed := uuid.NewString()
	require.NoError(t, write(committed, nil))
	rows, n := count(committed)
	require.Equal(t, 1, rows)
	require.Equal(t, 1, n)

	failed := uuid.NewString()
	boom := errors.New("crash after the job insert")
	require.ErrorIs(t, write(failed, boom), boom)
	rows, n = count(failed)
	require.Zero(t, rows)
	require.Zero(t, n)

	panicked := uuid.NewString()
	require.Panics(t, func() {
		_ = st.WithTenant(ctx, tenant, func(ctx context.Context, tx store.Tx) error {
			_, _ = tx.InsertJob(ctx, probeArgs{TenantID: tenant, Marker: panicked}, nil)
			panic("process dies mid-transaction")
		})
	})
	rows, n = count(panicked)
	require.Zero(t, rows)
	require.Zero(t, n)

	// The Pgx view refuses to end the transaction it does not own.
	err = st.WithTenant(ctx, tenant, func(ctx context.Context, tx store.Tx) error {
		return tx.Pgx(func(ptx pgx.Tx) error { return ptx.Commit(ctx) })
	})
	require.Error(t, err)
}

package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/store"
)

type scanned struct {
	ID     uuid.UUID         `bun:"id"`
	Name   string            `bun:"name"`
	Maybe  *string           `bun:"maybe"`
	Tags   []string          `bun:"tags,array"`
	Config map[string]string `bun:"config,type:jsonb"`
}

// A batch runs its statements in order in the tenant's transaction, in one
// round trip; SendAndCommit commits with its last statement, and a failing
// statement commits nothing. ScanRow reads a row into a bun model as bun
// would: by column name, unknown columns skipped, NULL as the zero value.
// (One connection: every step runs on the same one.)
func TestBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	st := oneConnection(t, d, nil)
	tenant := uuid.New()

	var got []scanned
	var one scanned
	found := true
	err := st.WithTenant(ctx, tenant, func(ctx context.Context, tx store.Tx) error {
		var b store.Batch
		b.Queue(`SELECT gen_random_uuid() AS id, NULL::text AS name, 'x' AS maybe, ARRAY['a','b'] AS tags, '{"k":"v"}'::jsonb AS config, 1 AS unknown
			UNION ALL SELECT gen_random_uuid(), 'n', NULL, '{}', '{}', 2`).Query(store.All(&got))
		b.Queue(`SELECT current_setting('app.current_tenant') AS name`).Query(store.One(&one, nil))
		b.Queue(`SELECT 'none' AS name WHERE false`).Query(store.One(&scanned{}, &found))
		return tx.SendAndCommit(ctx, &b)
	})
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, "", got[0].Name)
	require.Equal(t, "x", *got[0].Maybe)
	require.Equal(t, []string{"a", "b"}, got[0].Tags)
	require.Equal(t, map[string]string{"k": "v"}, got[0].Config)
	require.Equal(t, "n", got[1].Name)
	require.Nil(t, got[1].Maybe)
	require.Equal(t, tenant.String(), one.Name, "the batch runs in the tenant's transaction")
	require.False(t, found)

	// A failure in the batch: nothing of it is committed, the connection is
	// usable afterwards.
	var n int
	err = st.WithTenant(ctx, tenant, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.ExecContext(ctx, "CREATE TEMP TABLE t (x int) ON COMMIT PRESERVE ROWS"); err != nil {
			return err
		}
		return nil
	})
	require.NoError(t, err)
	err = st.WithTenant(ctx, tenant, func(ctx context.Context, tx store.Tx) error {
		var b store.Batch
		b.Queue(`INSERT INTO t VALUES (1)`)
		b.Queue(`SELECT 1/0`)
		return tx.SendAndCommit(ctx, &b)
	})
	require.Error(t, err)
	err = st.WithTenant(ctx, tenant, func(ctx context.Context, tx store.Tx) error {
		var b store.Batch
		b.Queue(`SELECT count(*) FROM t`).QueryRow(func(r pgx.Row) error { return r.Scan(&n) })
		return tx.Send(ctx, &b)
	})
	require.NoError(t, err)
	require.Equal(t, 0, n, "the failed batch committed nothing")

	// After SendAndCommit the transaction is over.
	err = st.WithTenant(ctx, tenant, func(ctx context.Context, tx store.Tx) error {
		var b store.Batch
		b.Queue(`INSERT INTO t VALUES (2)`)
		if err := tx.SendAndCommit(ctx, &b); err != nil {
			return err
		}
		if err := tx.Send(ctx, &b); err == nil {
			return errors.New("a batch after the commit was sent")
		}
		return nil
	})
	require.NoError(t, err)
	require.NoError(t, st.DB.NewRaw("SELECT count(*) FROM t").Scan(ctx, &n))
	require.Equal(t, 1, n)
}

package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/store"
)

// The tenant is set in the same round trip as BEGIN, by the driver: these
// pin down that it is set inside, gone after, and that a failed begin leaves
// the (single) connection usable.
// (The pool has one connection, so every step below runs on the same one.)
func TestTenantTransactionBegin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	st := oneConnection(t, d, nil)

	tenant := uuid.New()
	err := st.WithTenant(ctx, tenant, func(ctx context.Context, tx store.Tx) error {
		var got string
		if err := tx.NewRaw("SELECT current_setting('app.current_tenant', true)").Scan(ctx, &got); err != nil {
			return err
		}
		require.Equal(t, tenant.String(), got)
		return nil
	})
	require.NoError(t, err)

	var after *string
	require.NoError(t, st.DB.NewRaw("SELECT nullif(current_setting('app.current_tenant', true), '')").Scan(ctx, &after))
	require.Nil(t, after, "the tenant is transaction-local and must not outlive it")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = st.BeginTenant(cancelled, tenant)
	require.Error(t, err)

	other := uuid.New()
	err = st.WithTenant(ctx, other, func(ctx context.Context, tx store.Tx) error {
		var got string
		if err := tx.NewRaw("SELECT current_setting('app.current_tenant', true)").Scan(ctx, &got); err != nil {
			return err
		}
		require.Equal(t, other.String(), got)
		return nil
	})
	require.NoError(t, err, "the pool's only connection must be usable after a failed begin")

	// A rolled-back tenant transaction leaves nothing behind either.
	tx, err := st.BeginTenant(ctx, tenant)
	require.NoError(t, err)
	require.NoError(t, tx.Rollback())
	require.NoError(t, st.DB.NewRaw("SELECT nullif(current_setting('app.current_tenant', true), '')").Scan(ctx, &after))
	require.Nil(t, after)
}

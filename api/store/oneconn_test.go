package store_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/store"
)

// oneConnection opens a store on d's database as the app role with a single
// connection, so every step of a test runs on the same server connection
// (what round-trip counts and connection-state checks rely on). tracer may be
// nil.
func oneConnection(t *testing.T, d *dbtest.DB, tracer pgx.QueryTracer) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), d.AppURL, store.OpenOpts{MaxConns: 1, Tracer: tracer})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	return st
}

// countedConnection is a fresh database and a one-connection store on it
// whose round trips the returned counter counts.
func countedConnection(t *testing.T) (*dbtest.DB, *store.Store, *store.StepCounter) {
	t.Helper()
	d := dbtest.New(t)
	counter := &store.StepCounter{}
	return d, oneConnection(t, d, counter), counter
}

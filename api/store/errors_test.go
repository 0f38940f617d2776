package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/store"
)

// PostgreSQL's refusals arrive classified on every path the product uses,
// without the caller asking: bun on the pool, bun in a tenant transaction,
// the pgx view of a tenant transaction, and COMMIT. The original
// *pgconn.PgError stays reachable and the message is unchanged.
func TestErrorsAreClassifiedOnEveryPath(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	tenant := uuid.New()
	seedEveryTenantTable(ctx, t, d.Owner, tenant)
	var email string
	require.NoError(t, d.Owner.QueryRow(ctx, "SELECT email FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.tenant_id = $1", tenant).Scan(&email))

	inTenant := func(fn func(ctx context.Context, tx store.Tx) error) error {
		return d.Store.WithTenant(ctx, tenant, fn)
	}
	exec := func(query string, args ...any) func(ctx context.Context, tx store.Tx) error {
		return func(ctx context.Context, tx store.Tx) error {
			_, err := tx.ExecContext(ctx, query, args...)
			return err
		}
	}
	raise := func(code string) string {
		return "DO $$ BEGIN RAISE EXCEPTION 'raised for the test' USING ERRCODE = '" + code + "'; END $$"
	}

	cases := []struct {
		name string
		want error
		code string
		run  func() error
	}{
		{"UniqueOnPool", store.ErrConflict, "23505", func() error {
			_, err := d.Store.DB.ExecContext(ctx, "INSERT INTO users (id, email, name, password_hash) VALUES (?, ?, 'Twin', 'x')", uuid.New(), email)
			return err
		}},
		{"UniqueReturningRows", store.ErrConflict, "23505", func() error {
			var id uuid.UUID
			return d.Store.DB.NewRaw("INSERT INTO users (id, email, name, password_hash) VALUES (?, ?, 'Twin', 'x') RETURNING id", uuid.New(), email).Scan(ctx, &id)
		}},
		{"ForeignKeyInTenantTx", store.ErrReference, "23503", func() error {
			return inTenant(exec("INSERT INTO channel_connections (id, tenant_id, type, external_id, secret_ciphertext, secret_key_version, agent_id) VALUES (?, ?, 'slack', ?, '\\x00', 1, ?)",
				uuid.New(), tenant, "T"+uuid.NewString(), uuid.New()))
		}},
		{"CheckInTenantTx", store.ErrInvalid, "23514", func() error {
			return inTenant(exec("INSERT INTO agents (id, tenant_id, name, model, temperature) VALUES (?, ?, 'Hot', 'openai/gpt-4o', 5)", uuid.New(), tenant))
		}},
		{"DataExceptionInQuery", store.ErrInvalid, "22P02", func() error {
			var n int
			return d.Store.DB.NewRaw("SELECT count(*) FROM users WHERE id = 'not-a-uuid'::uuid").Scan(ctx, &n)
		}},
		{"PermissionInTenantTx", store.ErrPermission, "42501", func() error {
			return inTenant(exec("UPDATE audit_events SET action = 'forged' WHERE tenant_id = ?", tenant))
		}},
		{"RowLevelSecurityWithCheck", store.ErrPermission, "42501", func() error {
			return inTenant(exec("INSERT INTO agents (id, tenant_id, name, model) VALUES (?, ?, 'Elsewhere', 'openai/gpt-4o')", uuid.New(), uuid.New()))
		}},
		{"LockNotAvailableThroughPgx", store.ErrRetry, "55P03", func() error {
			return inTenant(func(ctx context.Context, tx store.Tx) error {
				if _, err := tx.ExecContext(ctx, "SELECT 1 FROM agents FOR UPDATE"); err != nil {
					return err
				}
				// A second transaction asks for the same rows without waiting.
				return d.Store.WithTenant(ctx, tenant, func(ctx context.Context, other store.Tx) error {
					return other.Pgx(func(ptx pgx.Tx) error {
						_, err := ptx.Exec(ctx, "SELECT 1 FROM agents FOR UPDATE NOWAIT")
						return err
					})
				})
			})
		}},
		{"SerializationFailure", store.ErrRetry, "40001", func() error { return inTenant(exec(raise("40001"))) }},
		{"Deadlock", store.ErrRetry, "40P01", func() error { return inTenant(exec(raise("40P01"))) }},
		{"TooManyConnections", store.ErrUnavailable, "53300", func() error {
			_, err := d.Store.DB.ExecContext(ctx, raise("53300"))
			return err
		}},
		{"UniqueAtCommit", store.ErrConflict, "23505", func() error {
			// A deferred constraint is checked by COMMIT, not by the statement.
			return inTenant(func(ctx context.Context, tx store.Tx) error {
				for _, q := range []string{
					"CREATE TEMP TABLE deferred_probe (k int UNIQUE DEFERRABLE INITIALLY DEFERRED) ON COMMIT DROP",
					"INSERT INTO deferred_probe VALUES (1), (1)",
				} {
					if _, err := tx.ExecContext(ctx, q); err != nil {
						return err
					}
				}
				return nil
			})
		}},
		{"ConnectionLost", store.ErrUnavailable, "57P01", func() error {
			st, err := store.Open(ctx, d.AppURL, store.OpenOpts{MaxConns: 1})
			require.NoError(t, err)
			defer st.Close()
			_, err = st.DB.ExecContext(ctx, "SELECT pg_terminate_backend(pg_backend_pid())")
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.run()
			require.Error(t, err)
			require.ErrorIs(t, err, tc.want)
			for _, other := range []error{store.ErrConflict, store.ErrReference, store.ErrInvalid, store.ErrRetry, store.ErrUnavailable, store.ErrPermission} {
				if other != tc.want {
					require.NotErrorIs(t, err, other)
				}
			}
			var pgErr *pgconn.PgError
			require.True(t, errors.As(err, &pgErr), "the PostgreSQL error stays reachable: %v", err)
			require.Equal(t, tc.code, pgErr.Code)
			require.Contains(t, err.Error(), pgErr.Message, "the message is the database's own")
		})
	}

	t.Run("NoRowsIsNotFound", func(t *testing.T) {
		t.Parallel()
		var id uuid.UUID
		err := d.Store.DB.NewRaw("SELECT id FROM users WHERE id = ?", uuid.New()).Scan(ctx, &id)
		require.ErrorIs(t, err, store.ErrNotFound)
	})

	t.Run("OtherErrorsUnchanged", func(t *testing.T) {
		t.Parallel()
		plain := errors.New("not from the database")
		require.Same(t, plain, store.Classify(plain))
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		_, err := d.Store.DB.ExecContext(cancelled, "SELECT 1")
		require.ErrorIs(t, err, context.Canceled)
		require.NotErrorIs(t, err, store.ErrUnavailable)
	})
}

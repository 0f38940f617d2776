package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// tenantTables lists, from the catalog, every table with a tenant_id column.
func tenantTables(ctx context.Context, t *testing.T, owner *pgxpool.Pool) []string {
	t.Helper()
	rows, err := owner.Query(ctx, `
		SELECT c.table_name FROM information_schema.columns c
		JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
		WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND tb.table_type = 'BASE TABLE'
		ORDER BY 1`)
	require.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.NotEmpty(t, names)
	return names
}

// twoSeededTenants is a database with two tenants, each with rows in every
// tenant table, and the names of those tables.
func twoSeededTenants(ctx context.Context, t *testing.T) (d *dbtest.DB, a, b uuid.UUID, tables []string) {
	t.Helper()
	d = dbtest.New(t)
	a, b = uuid.New(), uuid.New()
	seedEveryTenantTable(ctx, t, d.Owner, a)
	seedEveryTenantTable(ctx, t, d.Owner, b)
	return d, a, b, tenantTables(ctx, t, d.Owner)
}

func TestRowLevelSecurity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, tenantA, tenantB, tables := twoSeededTenants(ctx, t)

	t.Run("AppRoleIsNotPrivileged", func(t *testing.T) {
		t.Parallel()
		var super, bypass, definer bool
		err := d.Store.Pool.QueryRow(ctx, `SELECT rolsuper, rolbypassrls, pg_has_role(current_user, 'konstruct_definer', 'MEMBER')
			FROM pg_roles WHERE rolname = current_user`).Scan(&super, &bypass, &definer)
		require.NoError(t, err)
		require.False(t, super, "application role must not be superuser")
		require.False(t, bypass, "application role must not have BYPASSRLS")
		require.False(t, definer, "application role must not be able to act as konstruct_definer")
	})

	t.Run("EveryTenantTableForcesRLS", func(t *testing.T) {
		t.Parallel()
		for _, table := range append(tables, "tenants") {
			var enabled, forced bool
			var policies int
			err := d.Owner.QueryRow(ctx, `SELECT c.relrowsecurity, c.relforcerowsecurity,
				(SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname AND 'konstruct_app' = ANY(p.roles))
				FROM pg_class c WHERE c.relname = $1 AND c.relnamespace = 'public'::regnamespace`, table).Scan(&enabled, &forced, &policies)
			require.NoError(t, err)
			require.True(t, enabled, "%s: ENABLE ROW LEVEL SECURITY", table)
			require.True(t, forced, "%s: FORCE ROW LEVEL SECURITY", table)
			require.NotZero(t, policies, "%s: no policy for konstruct_app", table)
		}
	})

	for _, table := range tables {
		t.Run("Table_"+table, func(t *testing.T) {
			t.Parallel()
			var seeded int
			require.NoError(t, d.Owner.QueryRow(ctx, fmt.Sprintf("SELECT count(*) FROM %s WHERE tenant_id = $1", pgx.Identifier{table}.Sanitize()), tenantB).Scan(&seeded))
			require.NotZero(t, seeded, "table %s has no fixture row: extend seedEveryTenantTable so its isolation is tested", table)

			tx := d.TenantTx(t, tenantA)
			q := pgx.Identifier{table}.Sanitize()
			var visible int
			require.NoError(t, tx.QueryRowContext(ctx, "SELECT count(*) FROM "+q+" WHERE tenant_id = ?", tenantB).Scan(&visible))
			require.Zero(t, visible, "tenant A can read tenant B's %s", table)
			require.NoError(t, tx.QueryRowContext(ctx, "SELECT count(*) FROM "+q+" WHERE tenant_id = ?", tenantA).Scan(&visible))
			require.NotZero(t, visible, "tenant A cannot read its own %s", table)

			// Updates and deletes of B's rows touch nothing (or are refused
			// outright for append-only tables). Savepoints keep the test
			// transaction usable after a refusal.
			for _, stmt := range []string{
				"UPDATE " + q + " SET tenant_id = tenant_id WHERE tenant_id = ?",
				"DELETE FROM " + q + " WHERE tenant_id = ?",
			} {
				_, err := tx.ExecContext(ctx, "SAVEPOINT s")
				require.NoError(t, err)
				res, err := tx.ExecContext(ctx, stmt, tenantB)
				if err == nil {
					n, _ := res.RowsAffected()
					require.Zero(t, n, "%s: %s touched tenant B's rows", table, stmt)
				}
				_, err = tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT s")
				require.NoError(t, err)
			}
			var stillThere int
			require.NoError(t, d.Owner.QueryRow(ctx, "SELECT count(*) FROM "+q+" WHERE tenant_id = $1", tenantB).Scan(&stillThere))
			require.Equal(t, seeded, stillThere)

			// Moving a row of A into B is refused by the WITH CHECK clause.
			_, err := tx.ExecContext(ctx, "SAVEPOINT s")
			require.NoError(t, err)
			_, err = tx.ExecContext(ctx, "UPDATE "+q+" SET tenant_id = ? WHERE tenant_id = ?", tenantB, tenantA)
			require.Error(t, err, "%s: a row could be moved to another tenant", table)
			_, err = tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT s")
			require.NoError(t, err)
		})
	}

	t.Run("NoTenantSeesNothing", func(t *testing.T) {
		t.Parallel()
		for _, table := range append(tables, "tenants") {
			var n int
			require.NoError(t, d.Store.Pool.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&n))
			require.Zero(t, n, "%s is visible without a tenant", table)
		}
	})

	t.Run("TenantsTableByID", func(t *testing.T) {
		t.Parallel()
		tx := d.TenantTx(t, tenantA)
		var ids []uuid.UUID
		rows, err := tx.QueryContext(ctx, "SELECT id FROM tenants")
		require.NoError(t, err)
		for rows.Next() {
			var id uuid.UUID
			require.NoError(t, rows.Scan(&id))
			ids = append(ids, id)
		}
		require.NoError(t, rows.Err())
		require.Equal(t, []uuid.UUID{tenantA}, ids)
	})
}

func TestAuditEventsAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	tenant := uuid.New()
	seedEveryTenantTable(ctx, t, d.Owner, tenant)

	for _, stmt := range []string{
		"UPDATE audit_events SET action = 'forged' WHERE tenant_id = ?",
		"DELETE FROM audit_events WHERE tenant_id = ?",
	} {
		tx := d.TenantTx(t, tenant)
		_, err := tx.ExecContext(ctx, stmt, tenant)
		require.Error(t, err, stmt)
		require.Contains(t, err.Error(), "permission denied", stmt)
	}

	// Even the owner, whose privileges are not revoked, is stopped by the trigger.
	_, err := d.Owner.Exec(ctx, "UPDATE audit_events SET action = 'forged' WHERE tenant_id = $1", tenant)
	require.ErrorContains(t, err, "append-only")
	_, err = d.Owner.Exec(ctx, "DELETE FROM audit_events WHERE tenant_id = $1", tenant)
	require.ErrorContains(t, err, "append-only")

	// Inserting and reading are what the application role may do.
	tx := d.TenantTx(t, tenant)
	_, err = tx.ExecContext(ctx, "INSERT INTO audit_events (id, tenant_id, actor_type, action) VALUES (?, ?, 'system', 'test.appended')", uuid.New(), tenant)
	require.NoError(t, err)
}

// TestDeletingATenantDeletesItsRows: every tenant table is reached from
// tenants by ON DELETE CASCADE, directly or through the tenant tables it
// references (conversations through channel_connections, messages through
// conversations: migration 00024 dropped their redundant keys to tenants), so
// deleting a tenant leaves nothing of it behind and nothing of another — but
// its audit trail, which has no key to tenants on purpose: it outlives what
// it describes (docs/database.md).
func TestDeletingATenantDeletesItsRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, gone, kept, tables := twoSeededTenants(ctx, t)

	_, err := d.Owner.Exec(ctx, "DELETE FROM tenants WHERE id = $1", gone)
	require.NoError(t, err)
	for _, table := range tables {
		q := "SELECT count(*) FROM " + pgx.Identifier{table}.Sanitize() + " WHERE tenant_id = $1"
		var left, others int
		require.NoError(t, d.Owner.QueryRow(ctx, q, gone).Scan(&left))
		require.NoError(t, d.Owner.QueryRow(ctx, q, kept).Scan(&others))
		if table == "audit_events" {
			require.NotZero(t, left, "the audit trail of a deleted tenant is kept")
		} else {
			require.Zero(t, left, "%s keeps rows of a deleted tenant", table)
		}
		require.NotZero(t, others, "%s lost another tenant's rows", table)
	}
}

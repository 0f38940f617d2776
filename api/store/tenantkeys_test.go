package store_test

import (
	"context"
	"sort"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/dbtest"
)

// tenantKeyExceptions are unique keys of tenant tables that do not include
// tenant_id yet, each with the reason and the way out. Like the ownership
// allow-list it may only shrink: an entry that no longer matches a key fails.
var tenantKeyExceptions = map[string]string{
	// A real rule across tenants: one Slack workspace or WhatsApp number
	// belongs to one tenant (channels.Upsert answers 409 on it). On Citus it
	// moves to a reference table of routes (docs/scaling.md).
	"channel_connections_external_key": "one workspace or number, one tenant",
	// ON CONFLICT targets in conversations.Ingest and memory's upsert: the
	// conflict target must name the index's exact columns, so the index and
	// the statement change together (issue 19 part B: add tenant_id to both).
	"conversations_connection_id_thread_key_key": "ON CONFLICT (connection_id, thread_key) in conversations",
	"messages_external_key":                      "ON CONFLICT (connection_id, external_id) in conversations",
	"memories_message_id_key":                    "ON CONFLICT (message_id) in memory",
}

// TestTenantKeysIncludeTenantID checks the whole migrated schema, so tables
// added by any migration are held to it: every primary key, unique key and
// unique index of a tenant table (one with a tenant_id column) includes
// tenant_id, every foreign key from a tenant table to another tenant table
// goes through tenant_id (to tenants: tenant_id → id), and no table without
// tenant_id references a tenant table. That is what distributing the tenant
// tables by tenant_id on Citus requires (docs/scaling.md); how to comply is
// in docs/database.md.
func TestTenantKeysIncludeTenantID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)

	rows, err := d.Owner.Query(ctx, `
		WITH tenant_tables AS (
		  SELECT c.oid FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
		   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
		     AND a.attname = 'tenant_id' AND NOT a.attisdropped
		)
		SELECT i.indexrelid::regclass::text, 'unique key ' || pg_get_indexdef(i.indexrelid)
		  FROM pg_index i
		 WHERE i.indisunique AND i.indrelid IN (SELECT oid FROM tenant_tables)
		   AND NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attname = 'tenant_id'
		                      AND a.attnum = ANY (i.indkey[0:i.indnkeyatts - 1]))
		UNION ALL
		SELECT c.conname, c.conrelid::regclass || ': ' || pg_get_constraintdef(c.oid)
		  FROM pg_constraint c
		 WHERE c.contype = 'f' AND c.conrelid IN (SELECT oid FROM tenant_tables)
		   AND (c.confrelid IN (SELECT oid FROM tenant_tables) OR c.confrelid = 'tenants'::regclass)
		   AND NOT EXISTS (
		     SELECT FROM unnest(c.conkey, c.confkey) AS k(col, refcol)
		       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col
		       JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = k.refcol
		      WHERE a.attname = 'tenant_id'
		        AND r.attname = CASE WHEN c.confrelid = 'tenants'::regclass THEN 'id' ELSE 'tenant_id' END)
		UNION ALL
		SELECT c.conname, c.conrelid::regclass || ' has no tenant_id but references tenant table ' || c.confrelid::regclass
		  FROM pg_constraint c
		 WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
		   AND c.conrelid NOT IN (SELECT oid FROM tenant_tables) AND c.confrelid IN (SELECT oid FROM tenant_tables)`)
	require.NoError(t, err)
	type finding struct{ Name, What string }
	found, err := pgx.CollectRows(rows, pgx.RowToStructByPos[finding])
	require.NoError(t, err)

	var violations []string
	seen := map[string]bool{}
	for _, f := range found {
		seen[f.Name] = true
		if _, ok := tenantKeyExceptions[f.Name]; !ok {
			violations = append(violations, f.Name+": "+f.What)
		}
	}
	sort.Strings(violations)
	require.Empty(t, violations, "keys of tenant tables must include tenant_id (docs/database.md, \"Keys of tenant tables\")")

	var stale []string
	for name := range tenantKeyExceptions {
		if !seen[name] {
			stale = append(stale, name)
		}
	}
	sort.Strings(stale)
	require.Empty(t, stale, "exceptions that no longer match a key: delete them from tenantKeyExceptions")
}

package turns

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/dbtest"
)

// TestSentUpdateReadsOnlyItsMessagesParts: the generic plan of the "sent"
// update, made while outbound_parts has no statistics (a new deployment
// before autoanalyze; any database with autovacuum off), reaches the part
// through an index condition on its message, not a walk of every part of the
// tenant with the id as a filter (what it did with outbound_parts_tenant_idx,
// migration 00025: 26–182 buffers a call in the bench, growing with the
// tenant's parts).
func TestSentUpdateReadsOnlyItsMessagesParts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	tenant := uuid.New()
	_, err := d.Owner.Exec(ctx, `INSERT INTO tenants (id, name) VALUES ($1, 'plans')`, tenant)
	require.NoError(t, err)
	var analysed float64
	require.NoError(t, d.Owner.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'outbound_parts'::regclass`).Scan(&analysed))
	require.Less(t, analysed, 0.0, "outbound_parts must never have been analysed for this test to mean anything")

	tx := d.TenantTx(t, tenant)
	for _, stmt := range []string{"SET LOCAL plan_cache_mode = force_generic_plan", "PREPARE sent_plan AS " + sentSQL} {
		_, err := tx.ExecContext(ctx, stmt)
		require.NoError(t, err)
	}
	// A prepared statement outlives the transaction; the pooled connection
	// must not keep it (a second run would find the name taken).
	t.Cleanup(func() { _, _ = tx.ExecContext(ctx, "DEALLOCATE sent_plan") })
	var plan string
	require.NoError(t, tx.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) EXECUTE sent_plan(?, 'ts', ?)", uuid.New(), uuid.New()).Scan(&plan))
	var nodes []struct {
		Plan struct {
			Plans []struct {
				NodeType  string `json:"Node Type"`
				IndexName string `json:"Index Name"`
				IndexCond string `json:"Index Cond"`
			} `json:"Plans"`
		} `json:"Plan"`
	}
	require.NoError(t, json.Unmarshal([]byte(plan), &nodes))
	require.Len(t, nodes[0].Plan.Plans, 1, plan)
	scan := nodes[0].Plan.Plans[0]
	require.Equal(t, "Index Scan", scan.NodeType, plan)
	require.True(t, strings.Contains(scan.IndexCond, "(id = $1)") || strings.Contains(scan.IndexCond, "(message_id = $3)"),
		"the update walks the tenant's parts: %s", plan)
}

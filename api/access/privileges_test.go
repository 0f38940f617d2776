package access_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// appFunctions is every function the application role may execute, with
// why. SECURITY DEFINER functions run with konstruct_definer's rights, which
// policies give cross-tenant reach; each answers one narrow question, and
// none writes into a tenant that is not the transaction's own unless its
// whole job is a cross-tenant chore with no argument to steer it (prunes).
// A function the app role can execute and this list does not name fails
// the test: add it with its reason, or revoke it.
var appFunctions = map[string]struct {
	definer bool
	why     string
}{
	"app_current_tenant()":     {false, "reads the transaction's tenant setting; every tenant policy calls it"},
	"app_current_user()":       {false, "reads the transaction's user setting; the users and sessions policies call it"},
	"reject_modification()":    {false, "trigger keeping audit_events append-only; PostgreSQL refuses to call a trigger function directly"},
	"touch_updated_at()":       {false, "trigger setting updated_at; not callable directly"},
	"usage_monthly_add()":      {false, "trigger keeping month-to-date spend; not callable directly, and runs as the inserting role under RLS"},
	"knowledge_chunks_stats()": {false, "trigger keeping BM25's per-source term statistics; not callable directly, and runs as the writing role under RLS"},
	"whatsapp_person(p_connection uuid, p_phone text, p_bsuid text, p_parent text, p_username text, p_name text)": {false,
		"finds or creates the WhatsApp person a message's identifiers belong to; runs as the caller inside the tenant's transaction, under RLS"},
	"forget_conversation_events()":                                   {false, "trigger deleting the events of erased conversations; runs as the deleting role under RLS, not callable directly"},
	"river_job_state_in_bitmask(bitmask bit, state river_job_state)": {false, "River's own helper for its job queries (immutable, touches no table)"},
	"channel_route_changed(p_connection_id uuid)": {false,
		"raises KR001 when a remembered webhook route's connection changed (channels.Guard's check calls it only then); reads nothing"},
	"message_received_before(p_external_id text)": {false,
		"raises KR002 when Slack's ingest statement finds its message stored before (conversations.QueueReceiveNew calls it only then); reads nothing"},

	"user_memberships(p_user_id uuid)": {true,
		"the tenants of a user, for /me and sign-in audit, before a tenant is known; reads only, returns names and roles"},
	"membership_role(p_tenant_id uuid, p_user_id uuid)": {true,
		"whether a user is a member of a tenant and with which role (access.Guard), before the tenant transaction opens; one value"},
	"authenticate_api_token(p_hash bytea)": {true,
		"resolves a token by the SHA-256 of its secret, with its creator's current role; writes only last_used_at of that token"},
	"authenticate_session(p_user_id uuid, p_session_id uuid)": {true,
		"resolves a session cookie's user when both ids name a live session; reads only, never the password hash"},
	"signin_credentials(p_email text)": {true,
		"the id and password hash of one account by exact email, for sign-in; the only way the app role reads a hash"},
	"platform_tenants(p_after_created timestamp with time zone, p_after_id uuid, p_limit integer)": {true,
		"every tenant's name and budget for platform administrators; the caller checks the flag; reads only"},
	"route_channel(p_type text, p_external_id text)": {true,
		"webhook routing: which tenant and connection a Slack team or WhatsApp number belongs to; reads only"},
	"release_channel(p_type text, p_external_id text)": {true,
		"frees the external id of a revoked or disconnected connection so another tenant can connect it; touches only non-active rows, only that column"},
	"billing_tenant_by_customer(p_customer_id text)": {true, "Stripe webhook routing: the tenant of a Stripe customer; reads only"},
	"billing_budget_tenants()":                       {true, "the periodic budget check's list of tenant ids with a limit; reads only"},
	"prune_oauth_states()":                           {true, "deletes expired OAuth install states of every tenant; takes no argument"},
	"prune_memories()":                               {true, "deletes memories past their agent's retention in every tenant; takes no argument"},
	"webhook_dispatch_tenants(p_limit integer)":      {true, "the event relay's list of tenants with events not yet fanned out; reads only, ids"},
	"webhook_due_endpoints(p_limit integer)":         {true, "the event relay's list of endpoints with deliveries due; reads only, ids"},
	"webhook_prune()":                                {true, "deletes events past the 30-day retention in every tenant; takes no argument"},
	"knowledge_due_sources(p_limit integer)":         {true, "the knowledge re-sync scheduler's list of sources due; reads only, ids"},
	"knowledge_stale_tenants(p_embedder text)":       {true, "the embedding backfill check's tenants with chunks of another embedder; reads only, ids"},
	"knowledge_keyword_candidates(p_sources uuid[], p_terms text[], p_dfs double precision[], p_n double precision, p_budget double precision)": {true,
		"BM25's candidates through the GIN index on terms, which forced RLS keeps from the app role (&& is not leakproof); reads only the transaction's tenant and the given sources, returns ids and term statistics"},
	"prune_sessions()": {true, "deletes expired and revoked sessions of every user; takes no argument"},
}

// appTables is every table (or view) the application role can read, with
// whether row-level security scopes it and why not when it does not.
var appTables = map[string]string{
	// Tenant data: forced RLS on app.current_tenant (api/store/rls_test.go
	// proves it for every table with tenant_id).
	"tenants": "rls", "memberships": "rls", "agents": "rls", "audit_events": "rls", "api_tokens": "rls", "invitations": "rls",
	"channel_connections": "rls", "oauth_states": "rls", "conversations": "rls", "messages": "rls", "memories": "rls",
	"llm_keys": "rls", "usage_records": "rls", "stripe_events": "rls", "budget_alerts": "rls", "usage_monthly": "rls",
	"budget_notices": "rls", "outbound_parts": "rls", "whatsapp_people": "rls", "tool_calls": "rls",
	"outbound_events": "rls", "webhook_endpoints": "rls", "webhook_deliveries": "rls", "webhook_attempts": "rls",
	"knowledge_sources": "rls", "knowledge_documents": "rls", "knowledge_chunks": "rls", "agent_knowledge": "rls",
	"agent_knowledge_sources": "rls", "knowledge_gaps": "rls", "knowledge_gap_asks": "rls", "knowledge_terms": "rls", "knowledge_ivf": "rls",
	"knowledge_vectors": "rls",
	// Callers' data: forced RLS on app.current_user.
	"users":    "rls: yourself, and members of the transaction's tenant; password_hash is not granted at all",
	"sessions": "rls: your own only",
	// No tenant, no RLS, and why that is safe.
	"idempotency_keys":   "no rls: keyed by caller and key; stored responses are sealed with the secrets keyring",
	"rate_limit_buckets": "no rls: counters keyed by caller or address; nothing personal but an address",
	"signin_failures":    "no rls: counters keyed by a SHA-256 of email and address; no email or address stored",
	"goose_db_version":   "no rls: read only (SELECT), for /readyz's schema check",
	"river_migration":    "no rls: read only (SELECT), for /readyz's check of River's schema",
	"river_job":          "no rls, as far as River allows: its queries span tenants; every job's arguments carry the tenant id and the worker opens that tenant's transaction",
	"river_leader":       "no rls: River's leader election; holds no tenant data",
	"river_queue":        "no rls: River's queue settings; holds no tenant data",
	"river_notification": "no rls: River's notifications of new jobs; names queues, holds no tenant data",
}

func TestAppRoleCanExecuteOnlyListedFunctions(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	rows, err := db.Owner.Query(t.Context(), `
		SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', p.prosecdef
		  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		 WHERE n.nspname = 'public' AND has_function_privilege('konstruct_app', p.oid, 'EXECUTE')
		   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')`)
	require.NoError(t, err)
	got := map[string]bool{}
	for rows.Next() {
		var sig string
		var definer bool
		require.NoError(t, rows.Scan(&sig, &definer))
		got[sig] = definer
	}
	require.NoError(t, rows.Err())
	for sig, definer := range got {
		want, ok := appFunctions[sig]
		require.True(t, ok, "konstruct_app can execute %s (security definer: %v), which appFunctions does not list with a reason", sig, definer)
		require.Equal(t, want.definer, definer, "%s: SECURITY DEFINER", sig)
	}
	for sig := range appFunctions {
		require.Contains(t, got, sig, "appFunctions lists %s, which konstruct_app cannot execute (any more?)", sig)
	}
	t.Logf("konstruct_app executes %d functions, %d of them SECURITY DEFINER", len(got), countTrue(got))
}

func TestAppRoleCanReadOnlyListedTables(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	rows, err := db.Owner.Query(t.Context(), `
		SELECT c.relname, c.relrowsecurity AND c.relforcerowsecurity
		  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
		   AND (has_table_privilege('konstruct_app', c.oid, 'SELECT') OR has_any_column_privilege('konstruct_app', c.oid, 'SELECT'))`)
	require.NoError(t, err)
	got := map[string]bool{}
	for rows.Next() {
		var name string
		var rls bool
		require.NoError(t, rows.Scan(&name, &rls))
		got[name] = rls
	}
	require.NoError(t, rows.Err())
	var names []string
	for name, rls := range got {
		why, ok := appTables[name]
		require.True(t, ok, "konstruct_app can read %s (forced RLS: %v), which appTables does not list with a reason", name, rls)
		require.Equal(t, strings.HasPrefix(why, "rls"), rls, "%s: %s", name, why)
		names = append(names, name)
	}
	for name := range appTables {
		require.Contains(t, got, name, "appTables lists %s, which konstruct_app cannot read (any more?)", name)
	}
	sort.Strings(names)
	t.Logf("konstruct_app reads %d tables: %s", len(names), strings.Join(names, ", "))

	// The password hash column is not readable at all; the River migration
	// table and goose's are read-only.
	var can bool
	require.NoError(t, db.Owner.QueryRow(t.Context(), "SELECT has_column_privilege('konstruct_app', 'users', 'password_hash', 'SELECT')").Scan(&can))
	require.False(t, can, "konstruct_app reads password hashes")
	for _, table := range []string{"river_migration", "goose_db_version"} {
		for _, priv := range []string{"INSERT", "UPDATE", "DELETE", "TRUNCATE"} {
			require.NoError(t, db.Owner.QueryRow(t.Context(), "SELECT has_table_privilege('konstruct_app', $1, $2)", table, priv).Scan(&can))
			require.False(t, can, "konstruct_app may %s %s", priv, table)
		}
	}
}

func countTrue(m map[string]bool) int {
	n := 0
	for _, v := range m {
		if v {
			n++
		}
	}
	return n
}

// twoTenants seeds tenants A and B (as the owner, bypassing RLS), each with
// an owner, and an invitation in B.
type twoTenants struct {
	a, b, userA, userB uuid.UUID
	inviteEmail        string
}

func seedTwo(t *testing.T, owner *pgxpool.Pool) twoTenants {
	t.Helper()
	f := twoTenants{a: uuid.New(), b: uuid.New(), userA: uuid.New(), userB: uuid.New(), inviteEmail: "invited-" + uuid.NewString()[:8] + "@example.com"}
	for _, st := range []struct {
		sql  string
		args []any
	}{
		{"INSERT INTO tenants (id, name) VALUES ($1, 'A'), ($2, 'B')", []any{f.a, f.b}},
		{"INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, 'A', 'hash-a'), ($3, $4, 'B', 'hash-b')",
			[]any{f.userA, f.userA.String() + "@a.test", f.userB, f.userB.String() + "@b.test"}},
		{"INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'owner'), ($3, $4, 'owner')", []any{f.a, f.userA, f.b, f.userB}},
		{"INSERT INTO invitations (id, tenant_id, email, role) VALUES ($1, $2, $3, 'owner')", []any{uuid.New(), f.b, f.inviteEmail}},
		{"INSERT INTO sessions (id, user_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')", []any{uuid.New(), f.userB}},
	} {
		_, err := owner.Exec(t.Context(), st.sql, st.args...)
		require.NoError(t, err, st.sql)
	}
	return f
}

// As the application role inside tenant A's transaction, nothing reaches
// tenant B: the functions that used to write across tenants are gone, and
// the tables they wrote are closed by RLS (issue 14: accept_invitations made
// a user of A a member of B, audit_user_event forged B's audit trail, and
// users, sessions had no RLS).
func TestAppRoleCannotReachAnotherTenantThroughSQL(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	f := seedTwo(t, db.Owner)
	ctx := t.Context()

	inA := func(t *testing.T, sql string, args ...any) error {
		t.Helper()
		tx := db.TenantTx(t, f.a)
		defer func() { _ = tx.Rollback() }()
		_, err := tx.ExecContext(ctx, sql, args...)
		return err
	}
	for _, tt := range []struct{ name, sql string }{
		{"AcceptInvitationsOfB", fmt.Sprintf("SELECT accept_invitations('%s', '%s')", f.userA, f.inviteEmail)},
		{"ForgeBsAuditTrail", fmt.Sprintf("SELECT audit_user_event('%s', 'forged', 'user.signed_in', '', '{}')", f.userB)},
		{"InsertIntoBsAuditTrail", fmt.Sprintf("INSERT INTO audit_events (id, tenant_id, actor_type, action) VALUES ('%s', '%s', 'system', 'forged')", uuid.New(), f.b)},
		{"JoinB", fmt.Sprintf("INSERT INTO memberships (tenant_id, user_id, role) VALUES ('%s', '%s', 'owner')", f.b, f.userA)},
		{"ReadPasswordHashes", "SELECT password_hash FROM users"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			require.Error(t, inA(t, tt.sql))
		})
	}

	// What RLS hides is empty, not an error.
	count := func(t *testing.T, sql string) int {
		tx := db.TenantTx(t, f.a)
		defer func() { _ = tx.Rollback() }()
		var n int
		require.NoError(t, tx.QueryRowContext(ctx, sql).Scan(&n))
		return n
	}
	require.Zero(t, count(t, "SELECT count(*) FROM invitations WHERE email = '"+f.inviteEmail+"'"), "B's invitation")
	require.Zero(t, count(t, "SELECT count(*) FROM users WHERE id = '"+f.userB.String()+"'"), "B's owner, not a member of A")
	require.Equal(t, 1, count(t, "SELECT count(*) FROM users WHERE id = '"+f.userA.String()+"'"), "A's own member")
	require.Zero(t, count(t, "SELECT count(*) FROM sessions"), "sessions of nobody the transaction acts for")

	// Nothing changed in B.
	var members, audits int
	require.NoError(t, db.Owner.QueryRow(ctx, "SELECT count(*) FROM memberships WHERE tenant_id = $1", f.b).Scan(&members))
	require.NoError(t, db.Owner.QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE tenant_id = $1", f.b).Scan(&audits))
	require.Equal(t, 1, members)
	require.Zero(t, audits)

	// Without any setting the app role sees no user at all.
	conn, err := pgx.Connect(ctx, db.AppURL)
	require.NoError(t, err)
	defer conn.Close(context.WithoutCancel(ctx))
	var users int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&users))
	require.Zero(t, users)
}

package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
)

// seedEveryTenantTable writes at least one row for tenantID into every tenant
// table, as the owner (superuser, so RLS does not apply). TestRowLevelSecurity
// fails for a tenant table this function does not fill, so a new table cannot
// escape the isolation test.
func seedEveryTenantTable(ctx context.Context, t *testing.T, owner *pgxpool.Pool, tenantID uuid.UUID) {
	t.Helper()
	userID, agentID, connID, convID, msgID := uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New()
	eventID, endpointID, deliveryID := uuid.New(), uuid.New(), uuid.New()
	sourceID, documentID, gapID, chunkID := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	email := userID.String() + "@seed.test"
	stmts := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO tenants (id, name) VALUES ($1, 'seed')`, []any{tenantID}},
		{`INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, 'Seed', 'x')`, []any{userID, email}},
		{`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'owner')`, []any{tenantID, userID}},
		{`INSERT INTO agents (id, tenant_id, name, model) VALUES ($1, $2, 'Ada', 'openai/gpt-4o-mini')`, []any{agentID, tenantID}},
		{`INSERT INTO audit_events (id, tenant_id, actor_type, action) VALUES ($1, $2, 'system', 'seed')`, []any{uuid.New(), tenantID}},
		{`INSERT INTO api_tokens (id, tenant_id, name, prefix, token_hash, role) VALUES ($1, $2, 'seed', 'kst_seed', $3, 'member')`, []any{uuid.New(), tenantID, []byte(uuid.NewString())}},
		{`INSERT INTO invitations (id, tenant_id, email, role) VALUES ($1, $2, $3, 'member')`, []any{uuid.New(), tenantID, "invitee-" + email}},
		{`INSERT INTO channel_connections (id, tenant_id, type, external_id, secret_ciphertext, secret_key_version, agent_id)
		  VALUES ($1, $2, 'slack', $3, '\x00', 1, $4)`, []any{connID, tenantID, "T" + connID.String(), agentID}},
		{`INSERT INTO oauth_states (nonce, tenant_id, actor, expires_at) VALUES ($1, $2, 'seed', now())`, []any{uuid.NewString(), tenantID}},
		{`INSERT INTO conversations (id, tenant_id, connection_id, channel_type, thread_key, channel_ref)
		  VALUES ($1, $2, $3, 'slack', 'C1:1', 'C1')`, []any{convID, tenantID, connID}},
		{`INSERT INTO messages (id, tenant_id, conversation_id, connection_id, role, external_id, body)
		  VALUES ($1, $2, $3, $4, 'user', 'C1:1', 'hi')`, []any{msgID, tenantID, convID, connID}},
		{`INSERT INTO memories (id, tenant_id, agent_id, participant_key, message_id, conversation_id, role, embedder, embedding, said_at)
		  VALUES ($1, $2, $3, 'k', $4, $5, 'user', 'seed', '\x00000000', now())`, []any{uuid.New(), tenantID, agentID, msgID, convID}},
		{`INSERT INTO tool_calls (id, tenant_id, message_id, round, position, call_id, name, arguments, arguments_digest)
		  VALUES ($1, $2, $3, 0, 0, 'call_1', 'current_time', '{}', 'x')`, []any{uuid.New(), tenantID, msgID}},
		{`INSERT INTO llm_keys (id, tenant_id, provider, label, secret_ciphertext, secret_key_version, key_hint)
		  VALUES ($1, $2, 'openai', 'seed key', '\x00', 1, 'abcd')`, []any{uuid.New(), tenantID}},
		{`INSERT INTO usage_records (id, tenant_id, agent_id, provider, model, key_source, input_tokens, output_tokens, cost_usd)
		  VALUES ($1, $2, $3, 'openai', 'gpt-4o-mini', 'platform', 10, 5, 0.001)`, []any{uuid.New(), tenantID, agentID}},
		{`INSERT INTO stripe_events (id, tenant_id, type, created_at) VALUES ($1, $2, 'invoice.paid', now())`, []any{"evt_" + uuid.NewString(), tenantID}},
		{`INSERT INTO budget_alerts (tenant_id, month, threshold, spent_usd, limit_usd) VALUES ($1, '2026-01-01', 'warning', 8, 10)`, []any{tenantID}},
		{`INSERT INTO usage_monthly (tenant_id, month, cost_usd, calls) VALUES ($1, '2025-01-01', 1, 1)`, []any{tenantID}},
		{`INSERT INTO budget_notices (tenant_id, month, participant_key) VALUES ($1, '2026-01-01', 'U1')`, []any{tenantID}},
		{`INSERT INTO outbound_parts (id, tenant_id, message_id, connection_id, kind, seq, state) VALUES ($1, $2, $3, $4, 'slot', 0, 'sending')`,
			[]any{uuid.New(), tenantID, msgID, connID}},
		{`INSERT INTO whatsapp_people (tenant_id, connection_id, person_key, phone) VALUES ($1, $2, '16505551234', '16505551234')`,
			[]any{tenantID, connID}},
		{`INSERT INTO outbound_events (id, tenant_id, type, data) VALUES ($1, $2, 'agent.created', '{}')`, []any{eventID, tenantID}},
		{`INSERT INTO webhook_endpoints (id, tenant_id, url, secret_ciphertext, secret_key_version) VALUES ($1, $2, 'https://hooks.example.com', '\x00', 1)`, []any{endpointID, tenantID}},
		{`INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, event_type, state) VALUES ($1, $2, $3, $4, 'agent.created', 'pending')`, []any{deliveryID, tenantID, endpointID, eventID}},
		{`INSERT INTO webhook_attempts (id, tenant_id, delivery_id, endpoint_id, attempt, url, started_at, outcome)
		  VALUES ($1, $2, $3, $4, 1, 'https://hooks.example.com', now(), 'failed')`, []any{uuid.New(), tenantID, deliveryID, endpointID}},
		{`INSERT INTO knowledge_sources (id, tenant_id, kind, title, body_text) VALUES ($1, $2, 'snippet', 'Hours', 'Open at nine')`, []any{sourceID, tenantID}},
		{`INSERT INTO knowledge_documents (id, tenant_id, source_id, content_hash) VALUES ($1, $2, $3, 'x')`, []any{documentID, tenantID, sourceID}},
		{`INSERT INTO knowledge_chunks (id, tenant_id, source_id, document_id, ordinal, body, tokens, terms, freqs, term_count)
		  VALUES ($1, $2, $3, $4, 0, 'Open at nine', 3, '{open,nine}', '{1,1}', 2)`, []any{chunkID, tenantID, sourceID, documentID}},
		{`INSERT INTO knowledge_vectors (tenant_id, chunk_id, source_id, embedder, entry) VALUES ($1, $2, $3, 'seed', '\x00')`,
			[]any{tenantID, chunkID, sourceID}},
		{`INSERT INTO agent_knowledge (tenant_id, agent_id) VALUES ($1, $2)`, []any{tenantID, agentID}},
		{`INSERT INTO knowledge_ivf (tenant_id, embedder, dims, lists, generation, centroids, sizes, trained_chunks) VALUES ($1, 'seed', 1, 1, 1, '\x00000000', '\x01000000', 1)`,
			[]any{tenantID}},
		{`INSERT INTO agent_knowledge_sources (tenant_id, agent_id, source_id) VALUES ($1, $2, $3)`, []any{tenantID, agentID, sourceID}},
		{`INSERT INTO knowledge_gaps (id, tenant_id, norm_key, question) VALUES ($1, $2, 'deliver mars', 'Do you deliver to Mars?')`, []any{gapID, tenantID}},
		{`INSERT INTO knowledge_gap_asks (id, tenant_id, gap_id, conversation_id, message_id, question) VALUES ($1, $2, $3, $4, $5, 'Mars?')`,
			[]any{uuid.New(), tenantID, gapID, convID, msgID}},
	}
	for _, s := range stmts {
		_, err := owner.Exec(ctx, s.sql, s.args...)
		require.NoError(t, err, s.sql)
	}
}

-- Bring-your-own LLM keys, usage records, and what a retry-safe agent turn
-- needs on messages and conversations.

-- +goose Up
CREATE TABLE llm_keys (
  id                 uuid PRIMARY KEY,
  tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  provider           text NOT NULL CHECK (provider IN ('openai', 'anthropic', 'custom')),
  label              text NOT NULL CHECK (length(label) BETWEEN 3 AND 100),
  base_url           text NOT NULL DEFAULT '',
  secret_ciphertext  bytea NOT NULL,
  secret_key_version integer NOT NULL,
  key_hint           text NOT NULL,
  status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'failing')),
  last_error         text NOT NULL DEFAULT '',
  failing_since      timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX llm_keys_tenant_idx ON llm_keys (tenant_id, created_at DESC, id DESC);
ALTER TABLE llm_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE llm_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON llm_keys TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE TRIGGER llm_keys_updated_at BEFORE UPDATE ON llm_keys FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
GRANT SELECT, INSERT, UPDATE, DELETE ON llm_keys TO konstruct_app;

-- An agent may pin one of the tenant's keys per provider: {"openai": "<key id>"}.
ALTER TABLE agents ADD COLUMN pinned_keys jsonb NOT NULL DEFAULT '{}';

CREATE TABLE usage_records (
  id              uuid PRIMARY KEY,
  tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  agent_id        uuid REFERENCES agents (id) ON DELETE SET NULL,
  conversation_id uuid REFERENCES conversations (id) ON DELETE SET NULL,
  message_id      uuid,
  purpose         text NOT NULL DEFAULT 'turn' CHECK (purpose IN ('turn', 'preview', 'embedding')),
  provider        text NOT NULL,
  model           text NOT NULL,
  key_source      text NOT NULL CHECK (key_source IN ('tenant', 'platform')),
  input_tokens    bigint NOT NULL DEFAULT 0,
  output_tokens   bigint NOT NULL DEFAULT 0,
  cost_usd        numeric(14, 6) NOT NULL DEFAULT 0,
  latency_ms      integer NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX usage_records_tenant_time_idx ON usage_records (tenant_id, created_at);
ALTER TABLE usage_records ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_records FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON usage_records TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT ON usage_records TO konstruct_app;

-- Order within a conversation by arrival, not by anyone's clock: "unanswered"
-- means user messages after the last reply in this order.
ALTER TABLE messages ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE messages ADD COLUMN received_at timestamptz NOT NULL DEFAULT now();
-- An assistant message is its turn's record: the River job that owns it (a
-- retried job resumes it), the newest user message it answers, and how far
-- delivery got (delivery jsonb holds the placeholder ts and sent parts).
ALTER TABLE messages ADD COLUMN turn_job_id bigint;
ALTER TABLE messages ADD COLUMN answers_seq bigint;
CREATE UNIQUE INDEX messages_turn_job_key ON messages (turn_job_id) WHERE turn_job_id IS NOT NULL;
CREATE INDEX messages_conversation_seq_idx ON messages (conversation_id, seq);

ALTER TABLE conversations ADD COLUMN flagged_at timestamptz;
ALTER TABLE conversations ADD COLUMN flag_reason text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE conversations DROP COLUMN flag_reason, DROP COLUMN flagged_at;
DROP INDEX messages_conversation_seq_idx;
DROP INDEX messages_turn_job_key;
ALTER TABLE messages DROP COLUMN answers_seq, DROP COLUMN turn_job_id, DROP COLUMN received_at, DROP COLUMN seq;
DROP TABLE usage_records;
ALTER TABLE agents DROP COLUMN pinned_keys;
DROP TABLE llm_keys;

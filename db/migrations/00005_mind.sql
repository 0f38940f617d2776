-- Long-term memory, HTTP tools, escalation topics and hand-over state.

-- +goose Up
CREATE TABLE memories (
  id              uuid PRIMARY KEY,
  tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  agent_id        uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  participant_key text NOT NULL, -- "<connection id>:<participant id>": one person on one channel
  message_id      uuid NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE,
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  role            text NOT NULL,
  embedder        text NOT NULL,
  embedding       bytea NOT NULL, -- float32 little-endian, unit length
  said_at         timestamptz NOT NULL,
  embedded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX memories_scope_idx ON memories (tenant_id, agent_id, participant_key, embedder);
ALTER TABLE memories ENABLE ROW LEVEL SECURITY;
ALTER TABLE memories FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON memories TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY definer_prune ON memories FOR ALL TO konstruct_definer USING (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON memories TO konstruct_app;
GRANT SELECT, DELETE ON memories TO konstruct_definer;

-- pgvector, when the server has it: a vector column and an HNSW index for
-- the offline embedder's 256 dimensions. Without it (or without the right to
-- create it), memory search scans exactly in the application.
-- +goose StatementBegin
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_available_extensions WHERE name = 'vector') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS vector;
      ALTER TABLE memories ADD COLUMN embedding_vec vector;
      CREATE INDEX memories_vec_256_idx ON memories USING hnsw ((embedding_vec::vector(256)) vector_cosine_ops)
        WHERE embedder LIKE '%/256';
    EXCEPTION WHEN insufficient_privilege OR feature_not_supported THEN
      RAISE NOTICE 'pgvector is available but could not be set up (%): memory search scans exactly', SQLERRM;
    END;
  END IF;
END $$;
-- +goose StatementEnd

-- How long an agent remembers (NULL: for good); its HTTP tools (non-secret
-- definitions) and their secret header values, sealed by the keyring.
ALTER TABLE agents ADD COLUMN memory_retention_days integer CHECK (memory_retention_days BETWEEN 1 AND 3650);
ALTER TABLE agents ADD COLUMN http_tools jsonb NOT NULL DEFAULT '[]';
ALTER TABLE agents ADD COLUMN http_tool_secrets jsonb NOT NULL DEFAULT '{}';
ALTER TABLE agents ALTER COLUMN memory_retention_days SET DEFAULT 365;
GRANT SELECT (id, memory_retention_days) ON agents TO konstruct_definer;
CREATE POLICY definer_read ON agents FOR SELECT TO konstruct_definer USING (true);

-- Topics for escalation rules; NULL means the built-in defaults.
ALTER TABLE tenants ADD COLUMN escalation_topics jsonb;

ALTER TABLE conversations ADD COLUMN escalated_at timestamptz;
ALTER TABLE conversations ADD COLUMN escalation_reason text NOT NULL DEFAULT '';

-- Memories past their agent's retention, across tenants (periodic prune).
-- +goose StatementBegin
CREATE FUNCTION prune_memories() RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE n integer;
BEGIN
  DELETE FROM memories m USING agents a
   WHERE a.id = m.agent_id AND a.memory_retention_days IS NOT NULL
     AND m.said_at < now() - make_interval(days => a.memory_retention_days);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
-- +goose StatementEnd
ALTER FUNCTION prune_memories() OWNER TO konstruct_definer;
REVOKE ALL ON FUNCTION prune_memories() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prune_memories() TO konstruct_app;

-- +goose Down
DROP FUNCTION prune_memories();
ALTER TABLE conversations DROP COLUMN escalation_reason, DROP COLUMN escalated_at;
ALTER TABLE tenants DROP COLUMN escalation_topics;
DROP POLICY definer_read ON agents;
ALTER TABLE agents DROP COLUMN http_tool_secrets, DROP COLUMN http_tools, DROP COLUMN memory_retention_days;
DROP TABLE memories;

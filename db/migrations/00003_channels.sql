-- Channel connections (Slack workspaces, WhatsApp numbers), OAuth install
-- states, and the conversations and messages that arrive through them.

-- +goose Up
CREATE TABLE channel_connections (
  id                 uuid PRIMARY KEY,
  tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  type               text NOT NULL CHECK (type IN ('slack', 'whatsapp')),
  external_id        text NOT NULL, -- Slack team id / WhatsApp phone number id
  display_name       text NOT NULL DEFAULT '',
  agent_id           uuid REFERENCES agents (id) ON DELETE SET NULL,
  secret_ciphertext  bytea NOT NULL,
  secret_key_version integer NOT NULL,
  config             jsonb NOT NULL DEFAULT '{}',
  status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked', 'disconnected')),
  status_reason      text NOT NULL DEFAULT '',
  connected_at       timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  last_event_at      timestamptz,
  last_test_at       timestamptz,
  last_test_ok       boolean,
  last_test_message  text NOT NULL DEFAULT '',
  last_check         jsonb,
  last_check_at      timestamptz
);
-- One workspace or number belongs to one tenant.
CREATE UNIQUE INDEX channel_connections_external_key ON channel_connections (type, external_id);
CREATE INDEX channel_connections_tenant_idx ON channel_connections (tenant_id, connected_at, id);
ALTER TABLE channel_connections ENABLE ROW LEVEL SECURITY;
ALTER TABLE channel_connections FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON channel_connections TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY definer_read ON channel_connections FOR SELECT TO konstruct_definer USING (true);
CREATE TRIGGER channel_connections_updated_at BEFORE UPDATE ON channel_connections FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
GRANT SELECT, INSERT, UPDATE, DELETE ON channel_connections TO konstruct_app;
GRANT SELECT (id, tenant_id, type, external_id, status, agent_id, config) ON channel_connections TO konstruct_definer;

-- Single-use OAuth states: the signed state names a row here, and the
-- callback consumes it atomically.
CREATE TABLE oauth_states (
  nonce      text PRIMARY KEY,
  tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  actor      text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX oauth_states_expires_idx ON oauth_states (expires_at);
ALTER TABLE oauth_states ENABLE ROW LEVEL SECURITY;
ALTER TABLE oauth_states FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON oauth_states TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON oauth_states TO konstruct_app;

CREATE TABLE conversations (
  id                uuid PRIMARY KEY,
  tenant_id         uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  connection_id     uuid NOT NULL REFERENCES channel_connections (id) ON DELETE CASCADE,
  agent_id          uuid REFERENCES agents (id) ON DELETE SET NULL,
  channel_type      text NOT NULL,
  thread_key        text NOT NULL, -- Slack "channel:thread_ts" / WhatsApp user key
  channel_ref       text NOT NULL, -- where replies go: Slack channel id / WhatsApp recipient
  thread_ref        text NOT NULL DEFAULT '', -- Slack thread_ts
  participant_id    text NOT NULL DEFAULT '', -- Slack user id / WhatsApp BSUID or phone
  participant_phone text NOT NULL DEFAULT '',
  participant_name  text NOT NULL DEFAULT '',
  status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'escalated', 'closed')),
  last_message_at   timestamptz NOT NULL DEFAULT now(),
  last_inbound_at   timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (connection_id, thread_key)
);
CREATE INDEX conversations_tenant_recent_idx ON conversations (tenant_id, last_message_at DESC, id DESC);
ALTER TABLE conversations ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON conversations TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE TRIGGER conversations_updated_at BEFORE UPDATE ON conversations FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
GRANT SELECT, INSERT, UPDATE, DELETE ON conversations TO konstruct_app;

CREATE TABLE messages (
  id              uuid PRIMARY KEY,
  tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  connection_id   uuid NOT NULL,
  role            text NOT NULL CHECK (role IN ('user', 'assistant', 'human', 'tool', 'system')),
  external_id     text, -- the channel's id: Slack "channel:ts", WhatsApp wamid
  event_id        text NOT NULL DEFAULT '', -- Slack event_id, kept for tracing
  author_id       text NOT NULL DEFAULT '',
  body            text NOT NULL DEFAULT '',
  kind            text NOT NULL DEFAULT 'text',
  attachments     jsonb NOT NULL DEFAULT '[]',
  delivery_state  text NOT NULL DEFAULT 'received',
  delivery        jsonb NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now()
);
-- Deduplication: a channel delivers a message at least once; we keep it once.
CREATE UNIQUE INDEX messages_external_key ON messages (connection_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX messages_conversation_idx ON messages (conversation_id, created_at, id);
CREATE INDEX messages_tenant_idx ON messages (tenant_id, created_at);
ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON messages TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON messages TO konstruct_app;

-- Webhook routing: which tenant and connection a Slack team or WhatsApp
-- number belongs to, before any tenant is known.
-- +goose StatementBegin
CREATE FUNCTION route_channel(p_type text, p_external_id text)
  RETURNS TABLE (tenant_id uuid, connection_id uuid, status text, agent_id uuid, config jsonb)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT c.tenant_id, c.id, c.status, c.agent_id, c.config FROM channel_connections c
     WHERE c.type = p_type AND c.external_id = p_external_id
  $$;
-- +goose StatementEnd
ALTER FUNCTION route_channel(text, text) OWNER TO konstruct_definer;
REVOKE ALL ON FUNCTION route_channel(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION route_channel(text, text) TO konstruct_app;

-- A workspace or number whose connection was revoked (the app uninstalled,
-- the token withdrawn) may be connected by another tenant: the old row keeps
-- its history under a released external id.
-- +goose StatementBegin
CREATE FUNCTION release_channel(p_type text, p_external_id text) RETURNS boolean
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    WITH released AS (
      UPDATE channel_connections SET external_id = external_id || '#released:' || id::text
       WHERE type = p_type AND external_id = p_external_id AND status <> 'active'
      RETURNING 1
    ) SELECT EXISTS (SELECT FROM released)
  $$;
-- +goose StatementEnd
CREATE POLICY definer_release ON channel_connections FOR UPDATE TO konstruct_definer USING (status <> 'active') WITH CHECK (true);
GRANT UPDATE (external_id) ON channel_connections TO konstruct_definer;
ALTER FUNCTION release_channel(text, text) OWNER TO konstruct_definer;
REVOKE ALL ON FUNCTION release_channel(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION release_channel(text, text) TO konstruct_app;

-- Expired install states of every tenant (the periodic prune job).
-- +goose StatementBegin
CREATE FUNCTION prune_oauth_states() RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE n integer;
BEGIN
  DELETE FROM oauth_states WHERE expires_at < now() - interval '1 day';
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
-- +goose StatementEnd
CREATE POLICY definer_prune ON oauth_states FOR ALL TO konstruct_definer USING (true);
GRANT SELECT, DELETE ON oauth_states TO konstruct_definer;
ALTER FUNCTION prune_oauth_states() OWNER TO konstruct_definer;
REVOKE ALL ON FUNCTION prune_oauth_states() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prune_oauth_states() TO konstruct_app;

-- +goose Down
DROP FUNCTION prune_oauth_states();
DROP FUNCTION release_channel(text, text);
DROP FUNCTION route_channel(text, text);
DROP TABLE messages;
DROP TABLE conversations;
DROP TABLE oauth_states;
DROP TABLE channel_connections;

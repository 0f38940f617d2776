-- Webhook routing also returns when the connection last saw an event, so
-- ingest can skip the "last event" write (at most once a minute anyway)
-- without a round trip of its own.

-- +goose Up
GRANT SELECT (last_event_at) ON channel_connections TO konstruct_definer;
DROP FUNCTION route_channel(text, text);
-- +goose StatementBegin
CREATE FUNCTION route_channel(p_type text, p_external_id text)
  RETURNS TABLE (tenant_id uuid, connection_id uuid, status text, agent_id uuid, config jsonb, last_event_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT c.tenant_id, c.id, c.status, c.agent_id, c.config, c.last_event_at FROM channel_connections c
     WHERE c.type = p_type AND c.external_id = p_external_id
  $$;
-- +goose StatementEnd
ALTER FUNCTION route_channel(text, text) OWNER TO konstruct_definer;
REVOKE ALL ON FUNCTION route_channel(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION route_channel(text, text) TO konstruct_app;

-- +goose Down
DROP FUNCTION route_channel(text, text);
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
REVOKE SELECT (last_event_at) ON channel_connections FROM konstruct_definer;

-- Remembered webhook routes (issue 19, docs/performance.md "A webhook's route remembered").
--
-- Every Slack event and WhatsApp delivery was routed by route_channel in a round trip of its own before its
-- transaction began: a third of ingest's round trips. channels.Router now remembers the active routes it
-- found; a transaction acting on a remembered route checks, in a round trip it makes anyway, that the
-- connection is still the row version the route was read from, and fails (rolls back) if not, so the event is
-- handled again on a fresh route. The row version is the connection row's xmin: every UPDATE of the row
-- (status, agent, config, credential, even last_event_at) writes a new version with a new xmin, so a check
-- against it cannot miss a change that code forgot to flag. A deleted connection, or one of another tenant
-- (the check runs under the transaction's tenant, with row-level security), is not found and fails too.

-- +goose Up
-- The definer reads only the columns routing needs; the row version is one more (a system column, granted alone).
GRANT SELECT (xmin) ON channel_connections TO konstruct_definer;
DROP FUNCTION route_channel(text, text);
-- +goose StatementBegin
CREATE FUNCTION route_channel(p_type text, p_external_id text)
  RETURNS TABLE (tenant_id uuid, connection_id uuid, status text, agent_id uuid, config jsonb, last_event_at timestamptz, version text)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  RETURN QUERY SELECT c.tenant_id, c.id, c.status, c.agent_id, c.config, c.last_event_at, c.xmin::text FROM channel_connections c
   WHERE c.type = p_type AND c.external_id = p_external_id;
END $$;
-- +goose StatementEnd
ALTER FUNCTION route_channel(text, text) OWNER TO konstruct_definer;
REVOKE ALL ON FUNCTION route_channel(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION route_channel(text, text) TO konstruct_app;

-- Raises SQLSTATE KR001 unless the transaction's tenant has the connection at exactly that row version. Runs as
-- the caller (row-level security applies); reads one row by primary key.
-- +goose StatementBegin
CREATE FUNCTION channel_route_current(p_connection_id uuid, p_version text) RETURNS void
  LANGUAGE plpgsql STABLE SET search_path = public, pg_temp
  AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM channel_connections c
                  WHERE c.tenant_id = app_current_tenant() AND c.id = p_connection_id AND c.xmin::text = p_version) THEN
    RAISE EXCEPTION 'channel connection % changed since its route was read', p_connection_id USING ERRCODE = 'KR001';
  END IF;
END $$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION channel_route_current(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION channel_route_current(uuid, text) TO konstruct_app;

-- +goose Down
DROP FUNCTION channel_route_current(uuid, text);
REVOKE SELECT (xmin) ON channel_connections FROM konstruct_definer;
DROP FUNCTION route_channel(text, text);
-- +goose StatementBegin
CREATE FUNCTION route_channel(p_type text, p_external_id text)
  RETURNS TABLE (tenant_id uuid, connection_id uuid, status text, agent_id uuid, config jsonb, last_event_at timestamptz)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  RETURN QUERY SELECT c.tenant_id, c.id, c.status, c.agent_id, c.config, c.last_event_at FROM channel_connections c
   WHERE c.type = p_type AND c.external_id = p_external_id;
END $$;
-- +goose StatementEnd
ALTER FUNCTION route_channel(text, text) OWNER TO konstruct_definer;
REVOKE ALL ON FUNCTION route_channel(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION route_channel(text, text) TO konstruct_app;

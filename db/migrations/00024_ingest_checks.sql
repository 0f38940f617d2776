-- Ingest's per-event checks made cheaper (issue 19, docs/performance.md "Ingest's checks").
--
-- A perf profile of PostgreSQL during closed-loop Slack ingest put 10 % of its time in foreign-key checks (five
-- per event, each an SPI query with its own executor) and 8 % in channel_route_current (a plpgsql call through
-- fmgr's SET search_path path, whose EXISTS ran as a second executor inside the function).
--
-- 1. Two foreign keys to tenants are implied by a composite one that already names the tenant:
--    conversations (tenant_id, connection_id) → channel_connections (tenant_id, id) and messages (tenant_id,
--    conversation_id) → conversations (tenant_id, id), whose referenced rows reference tenants themselves, with
--    ON DELETE CASCADE all the way down. Checking tenants again took a FOR KEY SHARE lock on the tenant's one
--    row from every concurrent insert. Deleting a tenant still deletes its conversations and messages (through
--    its connections), which TestDeletingATenantDeletesEverything-style checks in store cover.
--
-- 2. The remembered route's check becomes a plain statement (channels.Guard): an EXISTS on the connection at
--    the version read, under the caller's tenant and row-level security. Only when it fails does it call
--    channel_route_changed, which raises KR001 — so the common case runs no function at all.

-- +goose Up
ALTER TABLE conversations DROP CONSTRAINT conversations_tenant_id_fkey;
ALTER TABLE messages DROP CONSTRAINT messages_tenant_id_fkey;

DROP FUNCTION channel_route_current(uuid, text);
-- Raises SQLSTATE KR001: the connection of a remembered route changed (channels.Guard calls it only then).
-- VOLATILE so that the planner never evaluates it ahead of the CASE that guards it.
-- +goose StatementBegin
CREATE FUNCTION channel_route_changed(p_connection_id uuid) RETURNS void
  LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp
  AS $$
BEGIN
  RAISE EXCEPTION 'channel connection % changed since its route was read', p_connection_id USING ERRCODE = 'KR001';
END $$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION channel_route_changed(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION channel_route_changed(uuid) TO konstruct_app;

-- +goose Down
DROP FUNCTION channel_route_changed(uuid);
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
ALTER TABLE messages ADD CONSTRAINT messages_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE;
ALTER TABLE conversations ADD CONSTRAINT conversations_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE;

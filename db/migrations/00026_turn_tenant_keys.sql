-- Three more keys to tenants that are implied (issue 19; the rule in docs/database.md, "Keys of tenant tables").
--
-- memories, outbound_parts and tool_calls each have a required (NOT NULL) composite key to messages
-- (tenant_id, message_id) with ON DELETE CASCADE; messages cascade from conversations, conversations from
-- channel_connections, channel_connections from tenants. Their own key to tenants was checked on every insert for
-- nothing — a turn wrote six `SELECT … FROM tenants … FOR KEY SHARE` (pg_stat_statements, end to end), each
-- locking the tenant's one row against every concurrent turn of the tenant; three of them were these.
-- TestDeletingATenantDeletesItsRows checks that deleting a tenant still deletes every row of these tables.

-- +goose Up
ALTER TABLE memories DROP CONSTRAINT memories_tenant_id_fkey;
ALTER TABLE outbound_parts DROP CONSTRAINT outbound_parts_tenant_id_fkey;
ALTER TABLE tool_calls DROP CONSTRAINT tool_calls_tenant_id_fkey;

-- +goose Down
ALTER TABLE tool_calls ADD CONSTRAINT tool_calls_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE;
ALTER TABLE outbound_parts ADD CONSTRAINT outbound_parts_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE;
ALTER TABLE memories ADD CONSTRAINT memories_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE;

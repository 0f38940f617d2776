-- What ingest checks on every event and needs not (issue 19; docs/performance.md, "An event's key and two checks").
--
-- 1. outbound_events → tenants. Every ingested message records a message.received event, and its key to tenants
--    ran an RI query per insert that locked the tenant's one row FOR KEY SHARE — by every concurrent event of the
--    tenant, so the lock became a MultiXact. The key's one duty left was the cascade when a tenant is deleted
--    (events are written only inside the tenant's own transaction, under its RLS, next to the change they
--    describe). A statement trigger on tenants now does that delete; it runs as konstruct_definer (which may delete
--    any event, for the prune) so it works whoever deletes the tenant. TestDeletingATenantDeletesItsRows holds it.
--    An event is written next to the change it describes, whose own keys (to the connection, the agent, the
--    tenant…) make a concurrent tenant delete wait for its commit, so the trigger sees it; one that raced a tenant
--    delete with no such row would outlive the tenant until the 30-day prune (webhook_prune) takes it.
--
-- 2. Two CHECK constraints on ingest's tables become domains. PostgreSQL 15 parses and plans a table's CHECK
--    expressions again for every INSERT or UPDATE statement (ExecRelCheck); a domain's constraint is planned once
--    per backend and cached. Same rule, same error class (23514, check_violation). The domains are created without
--    their constraint, the columns move to them (binary compatible: no rewrite, no index rebuild), then the
--    constraint is added NOT VALID and validated (a scan under a light lock, not a rewrite under an exclusive one).

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION forget_tenant_events() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  DELETE FROM outbound_events e USING gone_tenants g WHERE e.tenant_id = g.id;
  RETURN NULL;
END $$;
-- +goose StatementEnd
ALTER FUNCTION forget_tenant_events() OWNER TO konstruct_definer;
REVOKE ALL ON FUNCTION forget_tenant_events() FROM PUBLIC;
CREATE TRIGGER tenants_forget_events AFTER DELETE ON tenants
  REFERENCING OLD TABLE AS gone_tenants FOR EACH STATEMENT EXECUTE FUNCTION forget_tenant_events();
ALTER TABLE outbound_events DROP CONSTRAINT outbound_events_tenant_id_fkey;

CREATE DOMAIN conversation_status AS text;
ALTER TABLE conversations ALTER COLUMN status TYPE conversation_status;
ALTER TABLE conversations DROP CONSTRAINT conversations_status_check;
ALTER DOMAIN conversation_status ADD CONSTRAINT conversation_status_check
  CHECK (VALUE IN ('active', 'escalated', 'closed')) NOT VALID;
ALTER DOMAIN conversation_status VALIDATE CONSTRAINT conversation_status_check;

CREATE DOMAIN event_type AS text;
ALTER TABLE outbound_events ALTER COLUMN type TYPE event_type;
ALTER TABLE outbound_events DROP CONSTRAINT outbound_events_type_check;
ALTER DOMAIN event_type ADD CONSTRAINT event_type_check CHECK (VALUE ~ '^[a-z_]+(\.[a-z_]+)+$') NOT VALID;
ALTER DOMAIN event_type VALIDATE CONSTRAINT event_type_check;

-- +goose Down
ALTER TABLE outbound_events ALTER COLUMN type TYPE text;
ALTER TABLE outbound_events ADD CONSTRAINT outbound_events_type_check CHECK (type ~ '^[a-z_]+(\.[a-z_]+)+$');
DROP DOMAIN event_type;
ALTER TABLE conversations ALTER COLUMN status TYPE text;
ALTER TABLE conversations ADD CONSTRAINT conversations_status_check CHECK (status IN ('active', 'escalated', 'closed'));
DROP DOMAIN conversation_status;
DELETE FROM outbound_events e WHERE NOT EXISTS (SELECT FROM tenants t WHERE t.id = e.tenant_id);
ALTER TABLE outbound_events ADD CONSTRAINT outbound_events_tenant_id_fkey
  FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE;
DROP TRIGGER tenants_forget_events ON tenants;
DROP FUNCTION forget_tenant_events();

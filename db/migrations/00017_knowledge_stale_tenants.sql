-- The tenants whose knowledge chunks were embedded by another embedder than
-- the configured one (or not at all): the backfill check (knowledge.backfill_check,
-- run when the workers start) queues a backfill job for each. Across tenants,
-- so a narrow definer function returning ids only, like knowledge_due_sources.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION knowledge_stale_tenants(p_embedder text) RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT DISTINCT c.tenant_id FROM knowledge_chunks c WHERE c.embedder <> p_embedder OR c.embedding IS NULL
$$;
-- +goose StatementEnd
GRANT SELECT (embedder, embedding) ON knowledge_chunks TO konstruct_definer;
ALTER FUNCTION knowledge_stale_tenants(text) OWNER TO konstruct_definer;
REVOKE ALL ON FUNCTION knowledge_stale_tenants(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION knowledge_stale_tenants(text) TO konstruct_app;

-- +goose Down
DROP FUNCTION knowledge_stale_tenants(text);
REVOKE SELECT (embedder, embedding) ON knowledge_chunks FROM konstruct_definer;

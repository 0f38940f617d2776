-- Knowledge (api/knowledge): what a business's documents, pages and snippets
-- say, cut into chunks that agents retrieve and cite.
--
-- knowledge_sources         one file, URL, site or snippet, with its ingestion
--                           status, counts and re-sync schedule. A file's bytes
--                           are kept (file_body) so it can be re-indexed when
--                           the extractor or the embedder changes.
-- knowledge_documents       one page (site), or the single document of the
--                           other kinds, with the SHA-256 of its content: an
--                           unchanged document is not re-chunked or re-embedded.
-- knowledge_chunks          a passage with its document title and heading path,
--                           the keyword index (distinct stemmed terms with their
--                           frequencies, parallel arrays, and the length in
--                           terms — BM25's inputs) and the embedding (float32
--                           little-endian, unit length, like memories).
-- agent_knowledge           an agent's prompt budget for knowledge and what it
--                           does when nothing relevant is found.
-- agent_knowledge_sources   the sources an agent may use.
-- knowledge_gaps            questions nothing answered, grouped by their
--                           normalised words; knowledge_gap_asks is each time
--                           one was asked (it goes with its message: erasing a
--                           person erases their questions).
--
-- Keys: every primary, unique and foreign key includes tenant_id. References to
-- agents, conversations and messages are made through (tenant_id, id) when
-- those tables are keyed so (00015), else through id, and 00015 rewrites them.

-- +goose Up
CREATE TABLE knowledge_sources (
  id             uuid NOT NULL,
  tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  kind           text NOT NULL CHECK (kind IN ('file', 'url', 'site', 'snippet')),
  title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  status         text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'fetching', 'indexing', 'ready', 'failed')),
  error          text NOT NULL DEFAULT '',
  url            text NOT NULL DEFAULT '',
  file_name      text NOT NULL DEFAULT '',
  content_type   text NOT NULL DEFAULT '',
  file_body      bytea,
  question       text NOT NULL DEFAULT '',
  body_text      text NOT NULL DEFAULT '',
  max_pages      integer,
  max_depth      integer,
  resync_hours   integer NOT NULL DEFAULT 0 CHECK (resync_hours BETWEEN 0 AND 8760),
  bytes          bigint NOT NULL DEFAULT 0,
  content_hash   text NOT NULL DEFAULT '',
  progress_done  integer NOT NULL DEFAULT 0,
  progress_total integer NOT NULL DEFAULT 0,
  last_synced_at timestamptz,
  next_sync_at   timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX knowledge_sources_list_idx ON knowledge_sources (tenant_id, created_at DESC, id DESC);
CREATE INDEX knowledge_sources_hash_idx ON knowledge_sources (tenant_id, content_hash) WHERE kind = 'file';
CREATE INDEX knowledge_sources_due_idx ON knowledge_sources (next_sync_at) WHERE next_sync_at IS NOT NULL;

CREATE TABLE knowledge_documents (
  id           uuid NOT NULL,
  tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  source_id    uuid NOT NULL,
  url          text NOT NULL DEFAULT '',
  title        text NOT NULL DEFAULT '',
  content_hash text NOT NULL,
  bytes        bigint NOT NULL DEFAULT 0,
  chunks       integer NOT NULL DEFAULT 0,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, source_id, url),
  FOREIGN KEY (tenant_id, source_id) REFERENCES knowledge_sources (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE knowledge_chunks (
  id           uuid NOT NULL,
  tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  source_id    uuid NOT NULL,
  document_id  uuid NOT NULL,
  ordinal      integer NOT NULL,
  title        text NOT NULL DEFAULT '',
  heading_path text[] NOT NULL DEFAULT '{}',
  body         text NOT NULL,
  tokens       integer NOT NULL,
  page         integer,
  anchor       text NOT NULL DEFAULT '',
  url          text NOT NULL DEFAULT '',
  terms        text[] NOT NULL,
  freqs        integer[] NOT NULL CHECK (cardinality(freqs) = cardinality(terms)),
  term_count   integer NOT NULL,
  embedder     text NOT NULL DEFAULT '',
  embedding    bytea,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, document_id, ordinal),
  FOREIGN KEY (tenant_id, document_id) REFERENCES knowledge_documents (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, source_id) REFERENCES knowledge_sources (tenant_id, id) ON DELETE CASCADE
);
-- Chunks holding given terms (terms && / @>). Retrieval's BM25 no longer
-- uses it: with common query terms it reads most chunks, where one pass with
-- array_position is faster (docs/performance.md); a query of rare terms only
-- could use it again (not done).
CREATE INDEX knowledge_chunks_terms_idx ON knowledge_chunks USING gin (terms);
-- Document order, and the scope's N and average length for BM25 (index-only).
CREATE INDEX knowledge_chunks_source_idx ON knowledge_chunks (tenant_id, source_id, document_id, ordinal) INCLUDE (term_count);
CREATE INDEX knowledge_chunks_embedder_idx ON knowledge_chunks (tenant_id, embedder);

CREATE TABLE agent_knowledge (
  tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  agent_id     uuid NOT NULL,
  token_budget integer NOT NULL DEFAULT 1500 CHECK (token_budget BETWEEN 100 AND 8000),
  when_unknown text NOT NULL DEFAULT 'say_unknown' CHECK (when_unknown IN ('say_unknown', 'handover')),
  PRIMARY KEY (tenant_id, agent_id)
);

CREATE TABLE agent_knowledge_sources (
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  agent_id  uuid NOT NULL,
  source_id uuid NOT NULL,
  PRIMARY KEY (tenant_id, agent_id, source_id),
  FOREIGN KEY (tenant_id, source_id) REFERENCES knowledge_sources (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE knowledge_gaps (
  id             uuid NOT NULL,
  tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  norm_key       text NOT NULL,
  question       text NOT NULL,
  agent_id       uuid,
  status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'dismissed')),
  source_id      uuid,
  first_asked_at timestamptz NOT NULL DEFAULT now(),
  last_asked_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, norm_key),
  FOREIGN KEY (tenant_id, source_id) REFERENCES knowledge_sources (tenant_id, id) ON DELETE SET NULL (source_id)
);
CREATE INDEX knowledge_gaps_list_idx ON knowledge_gaps (tenant_id, status, last_asked_at DESC, id DESC);

CREATE TABLE knowledge_gap_asks (
  id              uuid NOT NULL,
  tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  gap_id          uuid NOT NULL,
  conversation_id uuid,
  message_id      uuid,
  question        text NOT NULL,
  asked_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, gap_id) REFERENCES knowledge_gaps (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX knowledge_gap_asks_gap_idx ON knowledge_gap_asks (tenant_id, gap_id);

-- References to tables of earlier migrations, through tenant_id when they are
-- already keyed by it (see the header).
-- +goose StatementBegin
DO $$
DECLARE
  keyed boolean := EXISTS (SELECT FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
                           WHERE c.conrelid = 'agents'::regclass AND c.contype = 'p' AND a.attname = 'tenant_id');
  ref record;
BEGIN
  FOR ref IN SELECT * FROM (VALUES
      ('agent_knowledge', 'agent_knowledge_agent_fkey', 'agent_id', 'agents', 'CASCADE'),
      ('agent_knowledge_sources', 'agent_knowledge_sources_agent_fkey', 'agent_id', 'agents', 'CASCADE'),
      ('knowledge_gaps', 'knowledge_gaps_agent_fkey', 'agent_id', 'agents', 'SET NULL'),
      ('knowledge_gap_asks', 'knowledge_gap_asks_conversation_fkey', 'conversation_id', 'conversations', 'CASCADE'),
      ('knowledge_gap_asks', 'knowledge_gap_asks_message_fkey', 'message_id', 'messages', 'CASCADE')) AS v(tbl, name, col, ref, del)
  LOOP
    IF keyed THEN
      EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I FOREIGN KEY (tenant_id, %I) REFERENCES %I (tenant_id, id) ON DELETE %s',
                     ref.tbl, ref.name, ref.col, ref.ref, CASE ref.del WHEN 'SET NULL' THEN format('SET NULL (%I)', ref.col) ELSE ref.del END);
    ELSE
      EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I FOREIGN KEY (%I) REFERENCES %I (id) ON DELETE %s',
                     ref.tbl, ref.name, ref.col, ref.ref, ref.del);
    END IF;
  END LOOP;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['knowledge_sources', 'knowledge_documents', 'knowledge_chunks', 'agent_knowledge',
                           'agent_knowledge_sources', 'knowledge_gaps', 'knowledge_gap_asks']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I TO konstruct_app USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO konstruct_app', t);
  END LOOP;
END $$;
-- +goose StatementEnd

-- Sources due for a re-sync, across tenants (the periodic scheduler); ids only.
-- +goose StatementBegin
CREATE FUNCTION knowledge_due_sources(p_limit integer) RETURNS TABLE (tenant_id uuid, source_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT s.tenant_id, s.id FROM knowledge_sources s
   WHERE s.next_sync_at <= now() AND s.status IN ('ready', 'failed')
   ORDER BY s.next_sync_at LIMIT p_limit
$$;
-- +goose StatementEnd
CREATE POLICY definer_schedule ON knowledge_sources FOR SELECT TO konstruct_definer USING (true);
GRANT SELECT (tenant_id, id, next_sync_at, status) ON knowledge_sources TO konstruct_definer;
ALTER FUNCTION knowledge_due_sources(integer) OWNER TO konstruct_definer;
REVOKE ALL ON FUNCTION knowledge_due_sources(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION knowledge_due_sources(integer) TO konstruct_app;

-- +goose Down
DROP FUNCTION knowledge_due_sources(integer);
DROP TABLE knowledge_gap_asks, knowledge_gaps, agent_knowledge_sources, agent_knowledge, knowledge_chunks, knowledge_documents, knowledge_sources;

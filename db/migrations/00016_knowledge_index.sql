-- Knowledge retrieval indexes (issue 16: retrieval p95 < 50 ms at 100k chunks).
--
-- knowledge_terms      per source and stemmed term, the number of chunks
--                      holding it (BM25's df), kept by a statement-level
--                      trigger on knowledge_chunks; with knowledge_sources'
--                      new chunk_count and term_total (N and the total length
--                      for avglen) a scope's statistics are a small indexed
--                      read instead of a pass over its chunks.
-- knowledge_ivf        a tenant's vector index: k-means centroids (float32
--                      little-endian, nlist × dims) trained on a sample of its
--                      chunks, and a generation that changes when they are
--                      retrained. Each chunk's ivf_list is its nearest
--                      centroid (-1: not assigned yet, always searched).
--
-- Chunks' terms are written once, by INSERT (re-indexing deletes and inserts),
-- so the trigger handles INSERT and DELETE only.

-- +goose Up
ALTER TABLE knowledge_sources ADD COLUMN chunk_count integer NOT NULL DEFAULT 0,
                              ADD COLUMN term_total bigint NOT NULL DEFAULT 0;
ALTER TABLE knowledge_chunks ADD COLUMN ivf_list integer NOT NULL DEFAULT -1;

CREATE TABLE knowledge_terms (
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  source_id uuid NOT NULL,
  term      text NOT NULL,
  df        integer NOT NULL,
  PRIMARY KEY (tenant_id, source_id, term),
  FOREIGN KEY (tenant_id, source_id) REFERENCES knowledge_sources (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE knowledge_ivf (
  tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  embedder       text NOT NULL,
  dims           integer NOT NULL,
  lists          integer NOT NULL,
  generation     bigint NOT NULL,
  centroids      bytea NOT NULL,
  trained_chunks integer NOT NULL,
  trained_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id)
);

-- The vector side's read: the probed lists' ids and vectors, index-only
-- (vectors up to 512 float32s; larger ones are read from the heap).
CREATE INDEX knowledge_chunks_ivf_idx ON knowledge_chunks (tenant_id, embedder, ivf_list) INCLUDE (source_id, embedding)
  WHERE length(embedding) <= 2048;
CREATE INDEX knowledge_chunks_ivf_large_idx ON knowledge_chunks (tenant_id, embedder, ivf_list) WHERE length(embedding) > 2048;

-- +goose StatementBegin
CREATE FUNCTION knowledge_chunks_stats() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO knowledge_terms AS k (tenant_id, source_id, term, df)
    SELECT d.tenant_id, d.source_id, t.term, count(*) FROM new_rows d, unnest(d.terms) AS t(term) GROUP BY 1, 2, 3
    ON CONFLICT (tenant_id, source_id, term) DO UPDATE SET df = k.df + EXCLUDED.df;
    UPDATE knowledge_sources s SET chunk_count = s.chunk_count + d.n, term_total = s.term_total + d.len
      FROM (SELECT tenant_id, source_id, count(*) AS n, sum(term_count) AS len FROM new_rows GROUP BY 1, 2) d
     WHERE s.tenant_id = d.tenant_id AND s.id = d.source_id;
  ELSE
    -- (A source's own deletion cascades here after its knowledge_terms rows
    -- went: the updates then find nothing.)
    UPDATE knowledge_terms k SET df = k.df - d.n
      FROM (SELECT o.tenant_id, o.source_id, t.term, count(*) AS n FROM old_rows o, unnest(o.terms) AS t(term) GROUP BY 1, 2, 3) d
     WHERE k.tenant_id = d.tenant_id AND k.source_id = d.source_id AND k.term = d.term;
    UPDATE knowledge_sources s SET chunk_count = s.chunk_count - d.n, term_total = s.term_total - d.len
      FROM (SELECT tenant_id, source_id, count(*) AS n, sum(term_count) AS len FROM old_rows GROUP BY 1, 2) d
     WHERE s.tenant_id = d.tenant_id AND s.id = d.source_id;
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER knowledge_chunks_stats_insert AFTER INSERT ON knowledge_chunks
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION knowledge_chunks_stats();
CREATE TRIGGER knowledge_chunks_stats_delete AFTER DELETE ON knowledge_chunks
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION knowledge_chunks_stats();

-- The chunks already indexed.
INSERT INTO knowledge_terms (tenant_id, source_id, term, df)
SELECT c.tenant_id, c.source_id, t.term, count(*) FROM knowledge_chunks c, unnest(c.terms) AS t(term) GROUP BY 1, 2, 3;
UPDATE knowledge_sources s SET chunk_count = d.n, term_total = d.len
  FROM (SELECT tenant_id, source_id, count(*) AS n, sum(term_count) AS len FROM knowledge_chunks GROUP BY 1, 2) d
 WHERE s.tenant_id = d.tenant_id AND s.id = d.source_id;

-- +goose StatementBegin
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['knowledge_terms', 'knowledge_ivf']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I TO konstruct_app USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO konstruct_app', t);
  END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER knowledge_chunks_stats_insert ON knowledge_chunks;
DROP TRIGGER knowledge_chunks_stats_delete ON knowledge_chunks;
DROP FUNCTION knowledge_chunks_stats();
DROP TABLE knowledge_ivf, knowledge_terms;
DROP INDEX knowledge_chunks_ivf_idx, knowledge_chunks_ivf_large_idx;
ALTER TABLE knowledge_chunks DROP COLUMN ivf_list;
ALTER TABLE knowledge_sources DROP COLUMN chunk_count, DROP COLUMN term_total;

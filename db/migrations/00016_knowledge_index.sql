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
--                      chunks, each list's size (int32 little-endian), and a
--                      generation that changes when they are retrained.
-- knowledge_vectors    per chunk, its IVF list (its nearest centroid; -1 until
--                      assigned, always searched) and its id and int8-quantised
--                      vector, which the lists' read returns (index-only). A
--                      table of its own so that (re)assigning lists rewrites
--                      these narrow rows, not the chunks and their GIN entries.
--
-- Chunks' terms are written once, by INSERT (re-indexing deletes and inserts),
-- so the trigger handles INSERT and DELETE only.

-- +goose Up
ALTER TABLE knowledge_sources ADD COLUMN chunk_count integer NOT NULL DEFAULT 0,
                              ADD COLUMN term_total bigint NOT NULL DEFAULT 0;

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
  sizes          bytea NOT NULL,
  trained_chunks integer NOT NULL,
  trained_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id)
);

CREATE TABLE knowledge_vectors (
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  chunk_id  uuid NOT NULL,
  source_id uuid NOT NULL,
  embedder  text NOT NULL,
  ivf_list  integer NOT NULL DEFAULT -1,
  entry     bytea NOT NULL,
  PRIMARY KEY (tenant_id, chunk_id),
  FOREIGN KEY (tenant_id, chunk_id) REFERENCES knowledge_chunks (tenant_id, id) ON DELETE CASCADE
);
-- The vector side's read: the probed lists' entries, index-only. entry is
-- what the ranking needs, packed so the statement concatenates it as is: the
-- chunk id (16 bytes), then the vector quantised to int8 with its float32
-- scale (4 + dims bytes: a quarter of the float32 vector). Vectors of up to
-- 2,560 dimensions fit a btree entry; larger ones are read from the heap.
CREATE INDEX knowledge_vectors_ivf_idx ON knowledge_vectors (tenant_id, embedder, ivf_list) INCLUDE (source_id, entry)
  WHERE length(entry) <= 2580;
CREATE INDEX knowledge_vectors_ivf_large_idx ON knowledge_vectors (tenant_id, embedder, ivf_list) WHERE length(entry) > 2580;

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
  FOREACH t IN ARRAY ARRAY['knowledge_terms', 'knowledge_ivf', 'knowledge_vectors']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I TO konstruct_app USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO konstruct_app', t);
  END LOOP;
END $$;
-- +goose StatementEnd

-- BM25's candidates. Forced RLS keeps the GIN index on terms out of reach of
-- the application role: && and @> are not leakproof, so the planner may not
-- evaluate them before the tenant policy, and every query on terms becomes a
-- scan of the tenant's chunks (215 ms at 100k). This function runs as
-- konstruct_definer (whose policy on knowledge_chunks is USING (true)), reads
-- only the calling transaction's tenant (app_current_tenant()) and the
-- sources it is given, and returns each candidate's id, length, terms and
-- frequencies (the caller scores them). Which chunks, with p_terms the query
-- terms the scope holds, rarest first, with their df, and an estimated budget
-- of p_budget chunks:
--   * those holding any of the longest prefix of p_terms whose dfs add up to
--     the budget (the rare terms);
--   * of the other terms R, rarest first, those holding R[i] and any later
--     one, for each i whose estimated count still fits the budget (a chunk
--     holding two query terms);
--   * when neither gave anything: a one-term query's whole posting; two
--     terms, both; more, the two rarest and any other.
-- A chunk may come twice (the caller keeps one). A chunk left out holds at most one query term more common than the rare
-- ones, and cannot outscore those that hold more (recall is measured in
-- BenchmarkRetrieve).
-- +goose StatementBegin
CREATE FUNCTION knowledge_keyword_candidates(p_sources uuid[], p_terms text[], p_dfs double precision[], p_n double precision,
                                             p_budget double precision)
RETURNS TABLE (id uuid, term_count integer, terms text[], freqs integer[])
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  q      integer := coalesce(cardinality(p_terms), 0);
  k      integer := 0;
  used   double precision := 0;
  miss   double precision;
  est    double precision;
  n      double precision := greatest(p_n, 1);
  tenant uuid := app_current_tenant();
  pairs  integer := 0;
BEGIN
  IF q = 0 OR tenant IS NULL THEN
    RETURN;
  END IF;
  WHILE k < q AND used + p_dfs[k + 1] <= p_budget LOOP
    used := used + p_dfs[k + 1];
    k := k + 1;
  END LOOP;
  IF k > 0 THEN
    RETURN QUERY SELECT c.id, c.term_count, c.terms, c.freqs FROM knowledge_chunks c
     WHERE c.terms && p_terms[1:k] AND c.tenant_id = tenant AND c.source_id = ANY(p_sources);
  END IF;
  FOR i IN k + 1 .. q - 1 LOOP
    miss := 1;
    FOR j IN i + 1 .. q LOOP
      miss := miss * (1 - least(p_dfs[j] / n, 1));
    END LOOP;
    est := p_dfs[i] * (1 - miss);
    IF used + est <= p_budget THEN
      used := used + est;
      pairs := pairs + 1;
      RETURN QUERY SELECT c.id, c.term_count, c.terms, c.freqs FROM knowledge_chunks c
       WHERE c.terms @> p_terms[i:i] AND c.terms && p_terms[i + 1:q]
         AND c.tenant_id = tenant AND c.source_id = ANY(p_sources);
    END IF;
  END LOOP;
  IF k > 0 OR pairs > 0 THEN
    RETURN;
  END IF;
  IF q = 1 THEN
    RETURN QUERY SELECT c.id, c.term_count, c.terms, c.freqs FROM knowledge_chunks c
     WHERE c.terms && p_terms AND c.tenant_id = tenant AND c.source_id = ANY(p_sources);
  ELSIF q = 2 THEN
    RETURN QUERY SELECT c.id, c.term_count, c.terms, c.freqs FROM knowledge_chunks c
     WHERE c.terms @> p_terms AND c.tenant_id = tenant AND c.source_id = ANY(p_sources);
  ELSE
    RETURN QUERY SELECT c.id, c.term_count, c.terms, c.freqs FROM knowledge_chunks c
     WHERE c.terms @> p_terms[1:2] AND c.terms && p_terms[3:q] AND c.tenant_id = tenant AND c.source_id = ANY(p_sources);
  END IF;
END $$;
-- +goose StatementEnd
CREATE POLICY definer_keyword ON knowledge_chunks FOR SELECT TO konstruct_definer USING (true);
GRANT SELECT (tenant_id, id, source_id, terms, freqs, term_count) ON knowledge_chunks TO konstruct_definer;
ALTER FUNCTION knowledge_keyword_candidates(uuid[], text[], double precision[], double precision, double precision) OWNER TO konstruct_definer;
REVOKE ALL ON FUNCTION knowledge_keyword_candidates(uuid[], text[], double precision[], double precision, double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION knowledge_keyword_candidates(uuid[], text[], double precision[], double precision, double precision) TO konstruct_app;

-- +goose Down
DROP FUNCTION knowledge_keyword_candidates(uuid[], text[], double precision[], double precision, double precision);
DROP POLICY definer_keyword ON knowledge_chunks;
REVOKE SELECT (tenant_id, id, source_id, terms, freqs, term_count) ON knowledge_chunks FROM konstruct_definer;
DROP TRIGGER knowledge_chunks_stats_insert ON knowledge_chunks;
DROP TRIGGER knowledge_chunks_stats_delete ON knowledge_chunks;
DROP FUNCTION knowledge_chunks_stats();
DROP TABLE knowledge_vectors, knowledge_ivf, knowledge_terms;
ALTER TABLE knowledge_sources DROP COLUMN chunk_count, DROP COLUMN term_total;

-- Knowledge retrieval at 100k chunks (issue 16, p95 < 50 ms; docs/knowledge-quality.md, "Retrieval speed at 100k").
--
-- * BM25's df of a query term over a scope is the sum of knowledge_terms.df over the scope's sources. Through the
--   primary key (tenant_id, source_id, term) that is one index descent per source and term: with 452 sources and
--   six terms, 2,700 descents and 64 ms of a 250 ms retrieval. knowledge_terms_term_idx reads a term's rows of
--   every source in one range, index-only (df is included); the statement keeps the scope's with a hashed lookup.
-- * BM25 reads each candidate's terms and freqs (a few thousand chunks at 100k). Most chunks' arrays are big
--   enough to be compressed, and pglz decompression was a third of that work; lz4 decompresses several times
--   faster. Chunks written before this migration keep pglz until their document is indexed again (the arrays
--   read the same either way). Skipped when the server was built without lz4.
--
-- Retrieval finds a term in a chunk's terms by binary search (width_bucket with COLLATE "C"): termFreqs has
-- written every chunk's terms sorted in byte order since 00012, which is "C" order.

-- +goose Up
CREATE INDEX knowledge_terms_term_idx ON knowledge_terms (tenant_id, term) INCLUDE (source_id, df);
-- +goose StatementBegin
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    ALTER TABLE knowledge_chunks ALTER COLUMN terms SET COMPRESSION lz4, ALTER COLUMN freqs SET COMPRESSION lz4;
  END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
ALTER TABLE knowledge_chunks ALTER COLUMN terms SET COMPRESSION default, ALTER COLUMN freqs SET COMPRESSION default;
DROP INDEX knowledge_terms_term_idx;

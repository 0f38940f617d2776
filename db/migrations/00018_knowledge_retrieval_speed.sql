-- Knowledge retrieval at 100k chunks (issue 16, p95 < 50 ms; docs/knowledge-quality.md, "Retrieval speed at 100k").
--
-- BM25's df of a query term over a scope is the sum of knowledge_terms.df over the scope's sources. Through the
-- primary key (tenant_id, source_id, term) that is one index descent per source and term: with 452 sources and
-- six terms, 2,700 descents and 64 ms of a 250 ms retrieval. This index reads a term's rows of every source in one
-- range, index-only (df is included), and the statement keeps those of the scope with a hashed lookup.

-- +goose Up
CREATE INDEX knowledge_terms_term_idx ON knowledge_terms (tenant_id, term) INCLUDE (source_id, df);

-- +goose Down
DROP INDEX knowledge_terms_term_idx;

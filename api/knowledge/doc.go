// Package knowledge lets agents answer from a business's own documents,
// pages and snippets, and cite them.
//
// Sources (files, URLs, sites, snippets) are ingested by a River job
// (SyncArgs): fetch (every request through netguard), extract, chunk, embed,
// index. A document whose SHA-256 did not change since the last sync is kept
// as it is. Extraction sits behind the Extractor interface; Library is
// api/knowledge/extract (PDF, DOCX, HTML main content, Markdown, plain text,
// CSV Q&A, chunked by structure).
//
// Retrieval is hybrid, in PostgreSQL under row-level security: BM25 over the
// chunks' term statistics (IDF and length normalisation, k1 = 1.2, b = 0.75,
// computed in one SQL statement with a GIN index on the terms), an exact
// cosine scan over the embeddings (the configured memory embedder), and
// reciprocal-rank fusion (k = 60). A per-agent token budget decides how many
// chunks reach the prompt; when nothing relevant is found the agent says so
// or hands over, and the question is recorded as a gap.
//
// See docs/knowledge.md for the design, limits and decisions.
package knowledge

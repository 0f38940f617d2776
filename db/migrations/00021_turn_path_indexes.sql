-- Two indexes of messages that no statement's plan needs (issue 19): every
-- stored message and reply wrote them, in the ingest statement and the turn's
-- inserts.
--
-- messages_conversation_idx (conversation_id, created_at, id): nothing reads a
--   conversation's messages in created_at order (the API pages them by seq,
--   the turn reads its window by seq); lookups by conversation alone, the
--   erasure's and the conversation cascade's included, use
--   messages_conversation_seq_idx (conversation_id, seq).
-- messages_tenant_idx (tenant_id, created_at): nothing reads a tenant's
--   messages by time; the tenant's cascade (tenant_id = …) uses the primary
--   key (tenant_id, id).

-- +goose Up
DROP INDEX messages_conversation_idx;
DROP INDEX messages_tenant_idx;

-- +goose Down
CREATE INDEX messages_tenant_idx ON messages (tenant_id, created_at);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, created_at, id);

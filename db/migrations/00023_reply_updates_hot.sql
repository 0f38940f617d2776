-- A reply's updates made HOT (issue 19). An answered turn updates its reply
-- row three times (the Slack placeholder's ref; the text, claimed →
-- generated; the channel id, generated → delivered). PostgreSQL keeps an
-- update on the heap page without touching any index (a HOT update) only when
-- no column an index uses — in its key, expression or predicate — changes.
-- delivery_state was in this index's predicate, so both state changes wrote
-- a new entry in every index of messages (15–16 buffers each).
--
-- Readiness's proof (conversations.proofSQL: the newest delivered reply by a
-- model on a connection) still walks this index newest first and checks the
-- state on the row: in-flight replies (claimed, generated) are the newest few
-- of a connection, and failed ones and budget notices were, like notices
-- before, read and skipped. Every other reader of messages keeps its generic
-- plan (docs/performance.md, "Reply updates made HOT").

-- +goose Up
DROP INDEX messages_connection_replies_idx;
CREATE INDEX messages_connection_replies_idx ON messages (connection_id, seq DESC) WHERE role = 'assistant';

-- +goose Down
DROP INDEX messages_connection_replies_idx;
CREATE INDEX messages_connection_replies_idx ON messages (connection_id, seq DESC)
  WHERE role = 'assistant' AND delivery_state = 'delivered';

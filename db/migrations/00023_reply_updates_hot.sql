-- A reply's updates made HOT (issue 19). An answered turn updates its reply
-- row three times (the Slack placeholder's ref; the text, claimed →
-- generated; the channel id, generated → delivered). PostgreSQL keeps an
-- update on the heap page without touching any index (a HOT update) only when
-- no column an index uses — in its key, expression or predicate — changes.
-- delivery_state was in this index's predicate, so both state changes wrote
-- a new entry in every index of messages (15–16 buffers each).
--
-- Readiness's proof (conversations.proofSQL: the newest delivered reply by a
-- model on a connection) still walks this index newest first, and now checks
-- the state on the row: in-flight replies (claimed, generated) are the newest
-- few of a connection; failed ones are read and skipped, as budget notices
-- (delivered without a model) were already.
--
-- The predicate names turn_job_id (a turn's reply: every assistant message is
-- one, and the column is never updated, so it costs no HOT update) so that
-- only proofSQL, which says so, can use the index. With role = 'assistant'
-- alone, the turn's claim (turnMessagesSQL, "another reply in flight", role =
-- 'assistant' of one conversation) took it in its generic plan when the
-- statistics had seen no replies yet, and walked every reply of the tenant
-- (500 rows, 74 buffers after 500 turns). Every other reader of messages keeps
-- its generic plan (docs/performance.md, "Reply updates made HOT").

-- fillfactor 90: a HOT update also needs room for the new row version on
-- the row's page. With TURN_DEBOUNCE (2 s) the reply is updated after its
-- page has filled with other messages; 10 % kept free lets the text and the
-- delivery fit (a simulation of 3,000 turns updated 200 turns late: 8,243 →
-- 9,000 of the 9,000 updates that change no indexed column were HOT). It
-- applies to pages written from now on.

-- +goose Up
ALTER TABLE messages SET (fillfactor = 90);
DROP INDEX messages_connection_replies_idx;
CREATE INDEX messages_connection_replies_idx ON messages (connection_id, seq DESC)
  WHERE role = 'assistant' AND turn_job_id IS NOT NULL;

-- +goose Down
ALTER TABLE messages RESET (fillfactor);
DROP INDEX messages_connection_replies_idx;
CREATE INDEX messages_connection_replies_idx ON messages (connection_id, seq DESC)
  WHERE role = 'assistant' AND delivery_state = 'delivered';

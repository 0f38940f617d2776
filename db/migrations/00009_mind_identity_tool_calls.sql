-- The person each message belongs to (so memory, recall and erasure follow the
-- speaker, not the thread's starter), canned replies marked as notices (never
-- remembered), and a durable record of tool calls (so a retried turn never runs
-- a tool twice).

-- +goose Up

-- participant_id: the chat user a message is from or for. A user message: its
-- speaker (in a shared Slack thread, not necessarily whoever started it). An
-- assistant or human reply: the one person it answers; NULL when it answers
-- several people at once (it cannot be anyone's memory without leaking the
-- others' words).
ALTER TABLE messages ADD COLUMN participant_id text;
UPDATE messages SET participant_id = author_id WHERE role = 'user';
-- Replies already stored: the single speaker of the user messages each one
-- answers (an agent reply answers up to answers_seq, a human one everything
-- before it, each from where the previous answer stopped).
WITH answers AS (
  SELECT id, conversation_id, upto,
         lag(upto, 1, 0::bigint) OVER (PARTITION BY conversation_id ORDER BY upto, seq) AS since
    FROM (SELECT id, conversation_id, seq, CASE WHEN role = 'human' THEN seq ELSE answers_seq END AS upto
            FROM messages WHERE role = 'human' OR (role = 'assistant' AND answers_seq IS NOT NULL)) a
), speakers AS (
  SELECT a.id, min(m.participant_id) AS who, count(DISTINCT m.participant_id) AS n
    FROM answers a JOIN messages m ON m.conversation_id = a.conversation_id AND m.role = 'user'
                                   AND m.seq > a.since AND m.seq <= a.upto
   GROUP BY a.id
)
UPDATE messages SET participant_id = s.who FROM speakers s WHERE messages.id = s.id AND s.n = 1;
CREATE INDEX messages_participant_idx ON messages (connection_id, participant_id) WHERE participant_id IS NOT NULL;

-- Canned agent replies (hand-over and budget notices) are kind 'notice' from
-- now on; mark the ones already sent.
UPDATE messages SET kind = 'notice' WHERE role = 'assistant' AND body IN (
  'I''ve asked a member of the team to take over. They''ll reply here shortly.',
  'Thanks for your message. I''m paused for the rest of the month, so I can''t reply right now; the team will get back to you.');

-- Memories follow the message's person: re-key those stored under a thread's
-- starter, and drop what is never remembered (replies to several people,
-- notices, undelivered replies, and questions whose turn failed). The rule is
-- memory.remembered; this is the same rule in SQL.
UPDATE memories mem SET participant_key = m.connection_id || ':' || m.participant_id
  FROM messages m WHERE m.id = mem.message_id AND m.participant_id IS NOT NULL
   AND mem.participant_key <> m.connection_id || ':' || m.participant_id;
DELETE FROM memories mem USING messages m WHERE m.id = mem.message_id AND NOT (
  m.participant_id IS NOT NULL AND m.body <> '' AND (
    (m.role = 'assistant' AND m.delivery_state = 'delivered' AND m.kind <> 'notice')
    OR (m.role = 'user' AND coalesce((
      SELECT a.role = 'human' OR a.delivery_state = 'delivered' FROM messages a
       WHERE a.conversation_id = m.conversation_id
         AND ((a.role = 'assistant' AND a.answers_seq >= m.seq) OR (a.role = 'human' AND a.seq > m.seq))
       ORDER BY CASE WHEN a.role = 'human' THEN a.seq ELSE a.answers_seq END, a.seq LIMIT 1), false))));

-- One row per tool call the model asked for in a turn, written before the
-- call runs and completed with its outcome before the next model call. A
-- retried turn replays these instead of asking the model (and the tools)
-- again. id is the call's Idempotency-Key for HTTP tools.
CREATE TABLE tool_calls (
  id               uuid NOT NULL,
  tenant_id        uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  message_id       uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE, -- the turn's record
  round            smallint NOT NULL,
  position         smallint NOT NULL,
  call_id          text NOT NULL,             -- the model's id of the call
  name             text NOT NULL,
  arguments        text NOT NULL,             -- as the model wrote them, to show it its own call on resume
  arguments_digest text NOT NULL,             -- sha256 (hex) of arguments
  said             text NOT NULL DEFAULT '',  -- what the model wrote with the round's calls (position 0)
  state            text NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'running', 'done')),
  ok               boolean,
  output           text,
  failure          text,
  http_status      integer,
  duration_ms      integer,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, message_id, round, position)
);
ALTER TABLE tool_calls ENABLE ROW LEVEL SECURITY;
ALTER TABLE tool_calls FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tool_calls TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON tool_calls TO konstruct_app;

-- +goose Down
DROP TABLE tool_calls;
UPDATE messages SET kind = 'text' WHERE kind = 'notice';
DROP INDEX messages_participant_idx;
ALTER TABLE messages DROP COLUMN participant_id;

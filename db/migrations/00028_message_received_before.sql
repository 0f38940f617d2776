-- Ingest in one round trip (issue 19; docs/performance.md, "Ingest in one round trip").
--
-- A Slack event's transaction sent the message's statement and its turn's job in one round trip and the COMMIT in
-- a second, because only after reading the statement's result did Go know whether the message was new: a duplicate
-- (Slack's retry, a mention's twin message.im) rolled back the job it does not need. Now the statement itself
-- raises when the message was received before, which aborts the rest of the pipeline — the job's insert and the
-- COMMIT behind it never run — and the COMMIT rides the job's insert.
--
-- Raises SQLSTATE KR002 (conversations.ReceivedBefore). The ingest statement calls it only for a duplicate, behind a
-- CASE; VOLATILE so that the planner never evaluates it ahead of that CASE. It reads nothing.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION message_received_before(p_external_id text) RETURNS uuid
  LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp
  AS $$
BEGIN
  RAISE EXCEPTION 'message % was received before', p_external_id USING ERRCODE = 'KR002';
END $$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION message_received_before(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION message_received_before(text) TO konstruct_app;

-- +goose Down
DROP FUNCTION message_received_before(text);

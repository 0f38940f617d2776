-- Readiness (api/readiness) asks, per connection, for the newest delivered
-- reply and the newest message from a chat user; the onboarding wizard polls
-- it while the operator answers the test message. Partial indexes keep both
-- lookups to a few index pages whatever the tenant's message count.
-- The conversation list's last-message preview reads each conversation's
-- newest message through messages_conversation_seq_idx (00004).

-- +goose Up
CREATE INDEX messages_connection_replies_idx ON messages (connection_id, seq DESC)
  WHERE role = 'assistant' AND delivery_state = 'delivered';
CREATE INDEX messages_connection_inbound_idx ON messages (connection_id, received_at DESC)
  WHERE role = 'user';

-- +goose Down
DROP INDEX messages_connection_inbound_idx;
DROP INDEX messages_connection_replies_idx;

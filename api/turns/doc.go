// Package turns owns the agent turn: the River job that turns a chat user's
// message into the agent's reply. Enqueue schedules a turn inside the
// transaction that stored the message, so a message is never stored without
// its turn, nor a turn queued for a message that was not stored.
package turns

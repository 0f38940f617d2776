package conversations

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/store"
)

// Exchange is a user message with the agent's latest answer to it, if any:
// what readiness shows of a connection's round trip.
type Exchange struct {
	ConversationID uuid.UUID      `bun:"conversation_id"`
	From           string         `bun:"sender"`
	Body           string         `bun:"body"`
	ReceivedAt     time.Time      `bun:"received_at"`
	ReplyBody      sql.NullString `bun:"reply_body"`
	ReplyState     sql.NullString `bun:"reply_state"`
	ReplyAt        sql.NullTime   `bun:"reply_at"`
	ReplyModel     sql.NullString `bun:"reply_model"`
	ReplyError     sql.NullString `bun:"reply_error"`
	FlagReason     string         `bun:"flag_reason"`
}

// The user message, its conversation's sender name and the agent's newest
// answer to it (a reply whose answers_seq covers it). Both queries use the
// partial indexes of migration 00011 (the replies' as 00023 redefined it), so
// a tenant's message count does not matter to a wizard that polls; the proof
// skips the connection's newest replies still in flight or failed.
const exchangeColumns = `
	u.conversation_id, coalesce(nullif(c.participant_name, ''), c.participant_id) AS sender, u.body, u.received_at,
	a.body AS reply_body, a.delivery_state AS reply_state, a.created_at AS reply_at,
	nullif(a.delivery->>'model', '') AS reply_model, nullif(a.delivery->>'error', '') AS reply_error, c.flag_reason`

// latestSinceSQL is the newest message from a chat user on a connection that
// arrived after a time (the last test).
const latestSinceSQL = `SELECT ` + exchangeColumns + `
	FROM messages u
	JOIN conversations c ON c.id = u.conversation_id
	LEFT JOIN LATERAL (
		SELECT body, delivery_state, created_at, delivery FROM messages
		WHERE conversation_id = u.conversation_id AND role = 'assistant' AND answers_seq >= u.seq
		ORDER BY seq DESC LIMIT 1
	) a ON true
	WHERE u.connection_id = ? AND u.role = 'user' AND u.received_at >= ?
	ORDER BY u.received_at DESC, u.seq DESC LIMIT 1`

// proofSQL is the newest delivered reply written by a model on a connection,
// with the message it answered: the proof that the loop works there. A
// model's reply is a turn's (turn_job_id): the condition selects
// messages_connection_replies_idx, whose predicate has no delivery_state
// (migration 00023: the reply's state changes are HOT updates), so the state
// is checked on the rows, newest first.
const proofSQL = `SELECT ` + exchangeColumns + `
	FROM messages a
	JOIN messages u ON u.conversation_id = a.conversation_id AND u.seq = a.answers_seq
	JOIN conversations c ON c.id = a.conversation_id
	WHERE a.connection_id = ? AND a.role = 'assistant' AND a.turn_job_id IS NOT NULL
	  AND a.delivery_state = 'delivered' AND a.delivery->>'model' <> ''
	ORDER BY a.seq DESC LIMIT 1`

// Proof is the newest delivered reply written by a model on a connection,
// with the message it answered (nil: none yet).
func Proof(ctx context.Context, tx store.Tx, connectionID uuid.UUID) (*Exchange, error) {
	return scanExchange(ctx, tx, proofSQL, connectionID)
}

// LatestSince is the newest message from a chat user on a connection that
// arrived at or after since, with the agent's answer to it (nil: none).
func LatestSince(ctx context.Context, tx store.Tx, connectionID uuid.UUID, since time.Time) (*Exchange, error) {
	return scanExchange(ctx, tx, latestSinceSQL, connectionID, since)
}

func scanExchange(ctx context.Context, tx store.Tx, query string, args ...any) (*Exchange, error) {
	var e Exchange
	err := tx.NewRaw(query, args...).Scan(ctx, &e)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &e, nil
}

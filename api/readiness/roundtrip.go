package readiness

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/channels"
	"github.com/konstruct/konstruct/api/conversations"
	"github.com/konstruct/konstruct/api/store"
)

// Round-trip states: about the newest message since the last test.
const (
	TripNotStarted = "not_started" // no test message went out yet
	TripWaiting    = "waiting"     // the test went out; nothing came back since
	TripReceived   = "received"    // a message arrived; the agent is on it
	TripAnswered   = "answered"    // its reply, written by a model, was delivered
	TripFailed     = "failed"      // the agent could not answer it
)

// Test states.
const (
	TestNotSent = "not_sent"
	TestSent    = "sent"
	TestFailed  = "failed"
)

// TestState is the last test message of a connection.
type TestState struct {
	Status  string
	At      *time.Time
	Message string
}

// Inbound is a chat user's message as the round trip shows it.
type Inbound struct {
	ConversationID uuid.UUID
	From, Body     string
	At             time.Time
}

// Reply is the agent's answer to it.
type Reply struct {
	Body, State string
	At          time.Time
	Model       string
	Error       string // why it could not answer, for an operator
}

// RoundTrip is the loop after the test message on one connection.
type RoundTrip struct {
	Status  string
	Proven  bool
	Inbound *Inbound
	Reply   *Reply
}

func testState(c *channels.Connection) TestState {
	switch {
	case c.LastTestAt == nil || c.LastTestOK == nil:
		return TestState{Status: TestNotSent}
	case *c.LastTestOK:
		return TestState{Status: TestSent, At: c.LastTestAt, Message: c.LastTestMessage}
	}
	return TestState{Status: TestFailed, At: c.LastTestAt, Message: c.LastTestMessage}
}

// exchange is a user message with the agent's latest answer to it, if any.
type exchange struct {
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
// partial indexes of migration 00011, so a tenant's message count does not
// matter to a wizard that polls.
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
// with the message it answered: the proof that the loop works there.
const proofSQL = `SELECT ` + exchangeColumns + `
	FROM messages a
	JOIN messages u ON u.conversation_id = a.conversation_id AND u.seq = a.answers_seq
	JOIN conversations c ON c.id = a.conversation_id
	WHERE a.connection_id = ? AND a.role = 'assistant' AND a.delivery_state = 'delivered' AND a.delivery->>'model' <> ''
	ORDER BY a.seq DESC LIMIT 1`

func roundTrip(ctx context.Context, tx store.Tx, c *channels.Connection, test TestState) (RoundTrip, error) {
	rt := RoundTrip{Status: TripNotStarted}
	proof, err := scanExchange(ctx, tx, proofSQL, c.ID)
	if err != nil {
		return rt, err
	}
	rt.Proven = proof != nil
	if test.Status != TestSent {
		if proof != nil {
			rt.Status, rt.Inbound, rt.Reply = TripAnswered, proof.inbound(), proof.reply()
			youWrote(c, rt.Inbound)
		}
		return rt, nil
	}
	latest, err := scanExchange(ctx, tx, latestSinceSQL, c.ID, *test.At)
	if err != nil {
		return rt, err
	}
	switch {
	case latest == nil && proof != nil && proof.ReceivedAt.After(*test.At):
		latest = proof
	case latest == nil:
		rt.Status = TripWaiting
		return rt, nil
	}
	rt.Inbound, rt.Reply = latest.inbound(), latest.reply()
	youWrote(c, rt.Inbound)
	switch {
	case rt.Reply == nil:
		rt.Status = TripReceived
	case rt.Reply.State == conversations.StateFailed:
		rt.Status = TripFailed
	case rt.Reply.State == conversations.StateDelivered && rt.Reply.Model != "":
		rt.Status = TripAnswered
	case rt.Reply.State == conversations.StateDelivered:
		// Delivered without a model: a budget notice, not the agent thinking.
		rt.Status, rt.Reply.Error = TripFailed, "The reply was a notice, not the agent’s answer: the monthly budget is spent. Raise it in Usage."
	default:
		rt.Status = TripReceived
	}
	return rt, nil
}

// youWrote names the operator's own Slack reply as theirs: the test DM goes
// to the person who installed Konstruct, whose answer comes with a bare id.
func youWrote(c *channels.Connection, in *Inbound) {
	if in != nil && c.Type == channels.Slack && in.From != "" && in.From == c.Config["installer_user_id"] {
		in.From = "You"
	}
}

func scanExchange(ctx context.Context, tx store.Tx, query string, args ...any) (*exchange, error) {
	var e exchange
	err := tx.NewRaw(query, args...).Scan(ctx, &e)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &e, nil
}

func (e *exchange) inbound() *Inbound {
	return &Inbound{ConversationID: e.ConversationID, From: e.From, Body: e.Body, At: e.ReceivedAt}
}

func (e *exchange) reply() *Reply {
	if !e.ReplyState.Valid {
		return nil
	}
	r := &Reply{Body: e.ReplyBody.String, State: e.ReplyState.String, At: e.ReplyAt.Time, Model: e.ReplyModel.String}
	if r.State == conversations.StateFailed {
		// The flag is worded for operators (llm.Explain); the delivery
		// record keeps the provider's raw error for debugging.
		r.Error = e.FlagReason
		if r.Error == "" {
			r.Error = "The agent could not answer: " + e.ReplyError.String
		}
	}
	return r
}

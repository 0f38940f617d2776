package readiness

import (
	"context"
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

func roundTrip(ctx context.Context, tx store.Tx, c *channels.Connection, test TestState) (RoundTrip, error) {
	rt := RoundTrip{Status: TripNotStarted}
	proof, err := conversations.Proof(ctx, tx, c.ID)
	if err != nil {
		return rt, err
	}
	rt.Proven = proof != nil
	if test.Status != TestSent {
		if proof != nil {
			rt.Status, rt.Inbound, rt.Reply = TripAnswered, inbound(proof), reply(proof)
			youWrote(c, rt.Inbound)
		}
		return rt, nil
	}
	latest, err := conversations.LatestSince(ctx, tx, c.ID, *test.At)
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
	rt.Inbound, rt.Reply = inbound(latest), reply(latest)
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

func inbound(e *conversations.Exchange) *Inbound {
	return &Inbound{ConversationID: e.ConversationID, From: e.From, Body: e.Body, At: e.ReceivedAt}
}

func reply(e *conversations.Exchange) *Reply {
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

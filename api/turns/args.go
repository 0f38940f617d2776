package turns

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/konstruct/konstruct/api/conversations"
	"github.com/konstruct/konstruct/api/jobs"
	"github.com/konstruct/konstruct/api/store"
)

// Args is one agent turn: answer the conversation's unanswered messages,
// the newest being MessageID. ConversationID is uuid.Nil for a turn enqueued
// with its message (EnqueueReceived): the claim finds the conversation from
// the message.
type Args struct {
	TenantID       uuid.UUID `json:"tenant_id"`
	ConversationID uuid.UUID `json:"conversation_id"`
	MessageID      uuid.UUID `json:"message_id" river:"unique"`
	// ConnectionID and AgentID, when set, are the message's connection and
	// the agent its conversation most likely has (EnqueueReceived): the
	// claim reads the connection, the agents and the billing state with its
	// lock, in one round trip, instead of after it. A conversation found
	// with another agent is read as before.
	ConnectionID *uuid.UUID `json:"connection_id,omitempty"`
	AgentID      *uuid.UUID `json:"agent_id,omitempty"`
}

// Kind is the job's stable name.
func (Args) Kind() string { return "agent.turn" }

// InsertOpts puts turns on the LLM queue, unique per message.
func (Args) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueLLM, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// EnqueueReceived schedules the turn for a message of conversations.QueueReceive,
// naming its connection and its conversation's agent (so the claim reads
// them with its lock). The message's statement has been sent (WhatsApp), so
// the job names the conversation and its agent as the statement found them.
func EnqueueReceived(ctx context.Context, tx store.Tx, r *conversations.Received) error {
	if _, err := tx.InsertJob(ctx, receivedArgs(tx, r), nil); err != nil {
		return fmt.Errorf("enqueue agent turn: %w", err)
	}
	return nil
}

// EnqueueReceivedAndCommit schedules the turn for a message of
// conversations.QueueReceiveNew whose statement is deferred into tx's next
// round trip (store.Tx.Defer: Slack), and commits: the message, its job and
// the COMMIT go in one round trip (store.Tx.InsertJobAndCommit). The
// conversation is not known yet, so the claim finds it from the message; a
// message received before fails its statement, and the job and the COMMIT
// behind it are never run (conversations.ReceivedBefore tells that error).
func EnqueueReceivedAndCommit(ctx context.Context, tx store.Tx, r *conversations.Received) error {
	if _, err := tx.InsertJobAndCommit(ctx, receivedArgs(tx, r), nil); err != nil {
		return fmt.Errorf("enqueue agent turn: %w", err)
	}
	return nil
}

func receivedArgs(tx store.Tx, r *conversations.Received) Args {
	connID := r.Message.ConnectionID
	return Args{TenantID: tx.TenantID, ConversationID: r.Message.ConversationID, MessageID: r.Message.ID, ConnectionID: &connID, AgentID: r.AgentID}
}

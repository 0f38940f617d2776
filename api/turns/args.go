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
// the newest being MessageID.
type Args struct {
	TenantID       uuid.UUID `json:"tenant_id"`
	ConversationID uuid.UUID `json:"conversation_id"`
	MessageID      uuid.UUID `json:"message_id" river:"unique"`
}

// Kind is the job's stable name.
func (Args) Kind() string { return "agent.turn" }

// InsertOpts puts turns on the LLM queue, unique per message.
func (Args) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueLLM, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Enqueue schedules the turn for a message just received in tx.
func Enqueue(ctx context.Context, tx store.Tx, msg *conversations.Message) error {
	if _, err := tx.InsertJob(ctx, Args{TenantID: tx.TenantID, ConversationID: msg.ConversationID, MessageID: msg.ID}, nil); err != nil {
		return fmt.Errorf("enqueue agent turn: %w", err)
	}
	return nil
}

package conversations

import (
	"context"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/store"
)

// Speaker is the one person a set of user messages comes from: the
// participant of each, "" when they come from several people (or none). A
// message's person is its speaker on every channel: in a shared Slack thread
// each reply is its writer's, not the thread starter's. A reply belongs to
// the Speaker of the messages it answers, so memory, recall and erasure of
// one person never touch another's words.
func Speaker(msgs []Message) string {
	who := ""
	for _, m := range msgs {
		if m.Role != RoleUser || m.ParticipantID == "" {
			continue
		}
		if who != "" && who != m.ParticipantID {
			return ""
		}
		who = m.ParticipantID
	}
	return who
}

// awaiting lists the user messages of a conversation after its last answer
// (an agent reply up to the messages it answered, or a person's reply).
func awaiting(ctx context.Context, tx store.Tx, convID uuid.UUID) ([]Message, error) {
	var pending []Message
	err := tx.NewSelect().Model(&pending).
		Where(`conversation_id = ? AND role = 'user' AND seq > (SELECT coalesce(max(CASE WHEN role = 'human' THEN seq ELSE answers_seq END), 0)
			FROM messages WHERE conversation_id = ? AND role IN ('assistant', 'human'))`, convID, convID).
		OrderExpr("seq").Scan(ctx)
	return pending, err
}

package conversations

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/store"
)

// Window is the conversation's last size messages up to seq that a model is
// given, oldest first: what people said, and the agent's delivered replies.
func Window(ctx context.Context, db bun.IDB, convID uuid.UUID, seq int64, size int) ([]Message, error) {
	var window []Message
	err := db.NewSelect().Model(&window).
		Where("conversation_id = ? AND seq <= ?", convID, seq).
		Where("role IN ('user', 'human') OR (role = 'assistant' AND delivery_state = ?)", StateDelivered).
		OrderExpr("seq DESC").Limit(int64(size)).Scan(ctx)
	for i, j := 0, len(window)-1; i < j; i, j = i+1, j-1 {
		window[i], window[j] = window[j], window[i]
	}
	return window, err
}

// TurnState is a conversation as a turn finds it under LockForTurn.
type TurnState struct {
	Conversation *Conversation
	// Mine is the turn's own record (the assistant message of its job), if
	// an earlier attempt wrote it.
	Mine *Message
	// InFlight: another turn of the conversation is writing its reply.
	InFlight bool
	// Pending are the user messages after the conversation's last answer
	// (by another turn, or by a person), oldest first.
	Pending []Message
}

// turnRow is a message of LockForTurn's read, with what it is to the turn.
type turnRow struct {
	Message `bun:",extend"`
	What    string `bun:"what"`
}

// LockForTurn locks the conversation for the turn of job jobID (so two jobs
// of one conversation never answer the same messages) and reads, in one
// more statement, what the turn needs of its messages. It returns nil when
// the conversation is gone.
func LockForTurn(ctx context.Context, db bun.IDB, convID uuid.UUID, jobID int64) (*TurnState, error) {
	st := &TurnState{Conversation: &Conversation{}}
	if err := db.NewSelect().Model(st.Conversation).Where("id = ?", convID).For("UPDATE").Scan(ctx); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil // erased since
		}
		return nil, err
	}
	var rows []turnRow
	err := db.NewRaw(`SELECT 'mine' AS what, m.* FROM messages m WHERE m.conversation_id = ?0 AND m.turn_job_id = ?1
		UNION ALL
		(SELECT 'in_flight', m.* FROM messages m WHERE m.conversation_id = ?0 AND m.role = 'assistant'
			AND m.turn_job_id IS NOT NULL AND m.turn_job_id <> ?1 AND m.delivery_state IN (?2, ?3) LIMIT 1)
		UNION ALL
		SELECT 'pending', m.* FROM messages m WHERE m.conversation_id = ?0 AND m.role = 'user' AND m.seq > (
			SELECT coalesce(max(CASE WHEN role = 'human' THEN seq ELSE answers_seq END), 0) FROM messages
			WHERE conversation_id = ?0 AND role IN ('assistant', 'human') AND turn_job_id IS DISTINCT FROM ?1)
		ORDER BY seq`, convID, jobID, StateClaimed, StateGenerated).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		switch rows[i].What {
		case "mine":
			st.Mine = &rows[i].Message
		case "in_flight":
			st.InFlight = true
		default:
			st.Pending = append(st.Pending, rows[i].Message)
		}
	}
	return st, nil
}

// SetAnswersSeq records the newest message a claimed turn answers (messages
// that arrived while it waited for quiet join it).
func SetAnswersSeq(ctx context.Context, db bun.IDB, m *Message, seq int64) error {
	m.AnswersSeq = &seq
	_, err := db.NewUpdate().Model(m).WherePK().Column("answers_seq").Exec(ctx)
	return err
}

// InsertReply writes a turn's record: the assistant message it answers with.
func InsertReply(ctx context.Context, db bun.IDB, m *Message) error {
	_, err := db.NewInsert().Model(m).ExcludeColumn("seq").Returning("seq, received_at, created_at").Exec(ctx)
	return err
}

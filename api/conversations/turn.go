package conversations

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
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

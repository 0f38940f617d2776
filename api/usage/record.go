package usage

import (
	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/store"
)

// Call is one answered model call, as a usage record keeps it.
type Call struct {
	AgentID        uuid.UUID
	ConversationID *uuid.UUID
	MessageID      *uuid.UUID
	Purpose        string // turn, preview, …
	Provider       string
	Model          string
	KeySource      string
	InputTokens    int64
	OutputTokens   int64
	CostUSD        float64
	LatencyMS      int64
}

const recordSQL = `INSERT INTO usage_records (id, tenant_id, agent_id, conversation_id, message_id, purpose, provider, model,
	key_source, input_tokens, output_tokens, cost_usd, latency_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`

// QueueRecord queues the usage record of an answered model call, for a
// caller that writes it with the reply it paid for in one round trip.
func QueueRecord(b *store.Batch, tenantID uuid.UUID, c Call) {
	b.Queue(recordSQL, uuid.Must(uuid.NewV7()), tenantID, c.AgentID, c.ConversationID, c.MessageID, c.Purpose, c.Provider, c.Model,
		c.KeySource, c.InputTokens, c.OutputTokens, c.CostUSD, c.LatencyMS)
}

package agents

import (
	"bytes"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/store"
)

// QueueCandidates queues reading, in one statement of a batch, the agents
// with the given ids and the tenant's oldest active agent (FirstActive):
// everything a turn chooses its agent from, in the claim's round trip.
func QueueCandidates(b *store.Batch, ids []uuid.UUID, into *[]Agent) {
	b.Queue(`SELECT * FROM agents WHERE id = ANY($1)
		OR id = (SELECT id FROM agents WHERE is_active ORDER BY created_at, id LIMIT 1)`, ids).Query(store.All(into))
}

// OldestActive is FirstActive among agents read by QueueCandidates, or nil.
func OldestActive(as []Agent) *Agent {
	var first *Agent
	for i := range as {
		a := &as[i]
		if !a.IsActive {
			continue
		}
		if first == nil || a.CreatedAt.Before(first.CreatedAt) ||
			a.CreatedAt.Equal(first.CreatedAt) && bytes.Compare(a.ID[:], first.ID[:]) < 0 {
			first = a
		}
	}
	return first
}

// QueueSummaries queues reading every agent of the tenant, oldest first,
// with only what a status page needs (id, name, model, fallbacks, active,
// created).
func QueueSummaries(b *store.Batch, into *[]Agent) {
	b.Queue(`SELECT id, name, model, fallback_models, is_active, created_at FROM agents ORDER BY created_at, id`).Query(store.All(into))
}

package llmkeys

import (
	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/store"
)

// QueuePreload is Preload as one statement of the caller's batch
// (store.Batch): the keys are there once the batch is sent.
func QueuePreload(b *store.Batch, tenantID uuid.UUID) *Preloaded {
	p := &Preloaded{tenantID: tenantID}
	b.Queue(`SELECT * FROM llm_keys WHERE status = $1 ORDER BY created_at DESC`, StatusActive).Query(store.All(&p.keys))
	return p
}

package llmkeys

import (
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/konstruct/konstruct/api/store"
)

// QueuePreload reads the tenant's active keys as one statement of the
// caller's batch (store.Batch), so a turn selects its keys in its read step
// instead of a transaction per model call; the keys are there once the batch
// is sent. Keys changed after the read are seen by the next turn.
func QueuePreload(b *store.Batch, tenantID uuid.UUID) *Preloaded {
	p := &Preloaded{tenantID: tenantID}
	b.Queue(`SELECT * FROM llm_keys WHERE status = $1 ORDER BY created_at DESC`, StatusActive).Query(store.All(&p.keys))
	return p
}

// QueueActiveProviders queues reading the providers the tenant has an
// active key for.
func QueueActiveProviders(b *store.Batch, into *[]string) {
	b.Queue(`SELECT DISTINCT provider FROM llm_keys WHERE status = $1`, StatusActive).Query(func(rows pgx.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var p string
			if err := rows.Scan(&p); err != nil {
				return err
			}
			*into = append(*into, p)
		}
		return rows.Err()
	})
}

package events

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/store"
)

const insertSQL = `INSERT INTO outbound_events (id, type, version, subject, data) VALUES ($1, $2, $3, $4, $5)`

// Queue is Record as one statement of the caller's batch (store.Batch): the
// event rides in the round trip of the change it describes.
func Queue(b *store.Batch, p Payload) error {
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("event %s: %w", p.EventType(), err)
	}
	b.Queue(insertSQL, uuid.Must(uuid.NewV7()), p.EventType(), versionOf(p.EventType()), p.EventSubject(), string(data))
	return nil
}

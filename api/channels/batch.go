package channels

import (
	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/store"
)

// QueueLoad queues Load into a batch (store.Batch): *found says whether the
// connection exists.
func QueueLoad(b *store.Batch, id uuid.UUID, into *Connection, found *bool) {
	b.Queue(`SELECT * FROM channel_connections WHERE id = $1`, id).Query(store.One(into, found))
}

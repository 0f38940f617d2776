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

// QueueInUse queues reading the tenant's connections that are not
// disconnected, oldest first, without their sealed secrets.
func QueueInUse(b *store.Batch, into *[]Connection) {
	b.Queue(`SELECT id, tenant_id, type, external_id, display_name, agent_id, secret_key_version, config, status, status_reason,
		connected_at, updated_at, last_event_at, last_test_at, last_test_ok, last_test_message, last_check, last_check_at
		FROM channel_connections WHERE status <> $1 ORDER BY connected_at, id`, StatusDisconnected).Query(store.All(into))
}

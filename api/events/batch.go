package events

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/store"
)

// $2 is typed text: the column is a domain over text (migration 00027), and
// the endpoint check reads $2 as text too.
var insertSQL = `INSERT INTO outbound_events (id, type, version, subject, data, dispatched_at)
	VALUES ($1, $2::text, $3, $4, $5, ` + DispatchedAtSQL("app_current_tenant()", "$2") + `)`

// DispatchedAtSQL is the dispatched_at an event is recorded with, as SQL over
// the event's tenant and type: NULL (the relay fans it out) when an enabled
// endpoint of the tenant subscribes to the type, and now() otherwise — no
// endpoint would get a delivery, so there is nothing to fan out, and the
// event is recorded (and listed) without costing the relay a read and an
// update. An endpoint created, enabled or subscribed later receives the
// events recorded after its change committed: an event whose statement
// could not see it yet is ordered before it, as if recorded a moment earlier.
func DispatchedAtSQL(tenant, typ string) string {
	return `CASE WHEN EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.tenant_id = ` + tenant +
		` AND w.enabled AND (w.event_types = '{}' OR ` + typ + `::text = ANY (w.event_types))) THEN NULL ELSE now() END`
}

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

package knowledge

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/memory"
)

// A sync that ends records knowledge.source_ready or knowledge.source_failed
// in the outbox, in the transaction that marks the source.
func TestSyncRecordsOutcomeEvents(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	svc := New(Opts{Store: db.Store, Embedder: memory.Offline{}})
	f := newFixture(t, db)
	_, err := db.Owner.Exec(ctx, "UPDATE knowledge_sources SET body_text = 'Refunds are paid within 14 days.', status = 'queued' WHERE id = $1", f.source)
	require.NoError(t, err)
	require.NoError(t, svc.SyncNow(ctx, f.tenant, f.source))

	event := func(typ string) map[string]any {
		t.Helper()
		var data []byte
		require.NoError(t, db.Owner.QueryRow(ctx, "SELECT data FROM outbound_events WHERE tenant_id = $1 AND type = $2 ORDER BY seq DESC LIMIT 1",
			f.tenant, typ).Scan(&data))
		var m map[string]any
		require.NoError(t, json.Unmarshal(data, &m))
		return m
	}
	ready := event("knowledge.source_ready")
	require.Equal(t, f.source.String(), ready["source_id"])
	require.Equal(t, "Help", ready["name"])
	require.EqualValues(t, 1, ready["chunks"])

	// A file the extractor refuses fails the source, with the reason.
	_, err = db.Owner.Exec(ctx, "UPDATE knowledge_sources SET kind = 'file', file_name = 'broken.pdf', content_type = 'application/pdf', file_body = $2, status = 'queued' WHERE id = $1",
		f.source, []byte("%PDF-1.7\nnot really a PDF"))
	require.NoError(t, err)
	require.Error(t, svc.SyncNow(ctx, f.tenant, f.source))
	failed := event("knowledge.source_failed")
	require.Equal(t, f.source.String(), failed["source_id"])
	require.NotEmpty(t, failed["reason"])
	var status, reason string
	require.NoError(t, db.Owner.QueryRow(ctx, "SELECT status, error FROM knowledge_sources WHERE id = $1", f.source).Scan(&status, &reason))
	require.Equal(t, "failed", status)
	require.Equal(t, reason, failed["reason"])
}

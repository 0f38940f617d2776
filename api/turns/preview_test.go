package turns_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// A preview is billed, so a retry with the same Idempotency-Key gets the
// first answer back instead of a second model call and a second usage row
// (issue 15, item 8); another message under the same key is a 409.
func TestPreviewIsIdempotent(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	key := uuid.NewString()
	body := map[string]any{"message": "What does this cost?"}

	first := b.acct.Client.Do("POST", b.agent+"/preview", body, "Idempotency-Key", key)
	require.Equal(t, http.StatusOK, first.Status, "%s", first.Body)
	second := b.acct.Client.Do("POST", b.agent+"/preview", body, "Idempotency-Key", key)
	require.Equal(t, http.StatusOK, second.Status, "%s", second.Body)
	require.Equal(t, "true", second.Header.Get("Idempotent-Replayed"))
	require.JSONEq(t, string(first.Body), string(second.Body))

	require.Len(t, b.llm.Requests(), 1, "the model was called once")
	var rows int
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(),
		"SELECT count(*) FROM usage_records WHERE tenant_id = $1 AND purpose = 'preview'", b.acct.TenantID).Scan(&rows))
	require.Equal(t, 1, rows, "billed once")

	r := b.acct.Client.Do("POST", b.agent+"/preview", map[string]any{"message": "Something else"}, "Idempotency-Key", key)
	require.Equal(t, http.StatusConflict, r.Status, "%s", r.Body)
}

package whatsapp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/fakes/graphfake"
)

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// logBuffer collects the server's JSON log; the server writes from many
// goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the log records with this message.
func (b *logBuffer) lines(t *testing.T, msg string) []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, line := range bytes.Split(b.buf.Bytes(), []byte("\n")) {
		var rec map[string]any
		if json.Unmarshal(line, &rec) == nil && rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// Meta's signature covers only the body, so a captured delivery verifies
// forever. Entries older than Meta's 7-day retry horizon are acknowledged and
// ignored; newer ones (even from a clock ahead of ours) are handled.
func TestReplayWindow(t *testing.T) {
	t.Parallel()
	var log logBuffer
	s, f := apitest.WithFakes(t, apitest.Opts{LogTo: &log, Env: map[string]string{"LOG_LEVEL": "info"}})
	acct := s.SignUp(t)
	num := s.ConnectWhatsApp(t, acct, f)
	now := time.Now()
	text := func(wamid string, at time.Time) graphfake.Message {
		m := graphfake.Text("16505551234", wamid, "hello from "+at.Format(time.RFC3339))
		m["timestamp"] = unix(at)
		return m
	}
	stored := func(t *testing.T, wamid string) bool {
		var n int
		require.NoError(t, s.DB.Owner.QueryRow(context.Background(),
			"SELECT count(*) FROM messages WHERE tenant_id = $1 AND external_id = $2", acct.TenantID, wamid).Scan(&n))
		return n == 1
	}

	t.Run("Messages", func(t *testing.T) {
		before, beforeJobs := counts(t, s, acct.TenantID)
		replayed := "wamid.old" + uuid.NewString()
		recent := "wamid.recent" + uuid.NewString()
		ahead := "wamid.ahead" + uuid.NewString()
		body := graphfake.Delivery(num.Number, []graphfake.Message{
			text(replayed, now.Add(-8*24*time.Hour)),
			text(recent, now.Add(-6*24*time.Hour)), // a redelivery Meta may still make
			text(ahead, now.Add(2*time.Hour)),      // a clock ahead of ours
		}, nil)
		r := s.WhatsAppEvent(t, f, body)
		require.Equal(t, http.StatusOK, r.Status, "a replay is acknowledged, so Meta does not retry it: %s", r.Body)
		require.False(t, stored(t, replayed), "a message older than the horizon is ignored")
		require.True(t, stored(t, recent))
		require.True(t, stored(t, ahead))
		after, afterJobs := counts(t, s, acct.TenantID)
		require.Equal(t, before+2, after)
		require.Equal(t, beforeJobs+2, afterJobs, "the replay starts no turn")

		logged := log.lines(t, "whatsapp message older than the replay horizon ignored")
		require.Len(t, logged, 1)
		require.Equal(t, replayed, logged[0]["wamid"])
		require.Equal(t, "stale", logged[0]["reason"])
		require.Equal(t, "INFO", logged[0]["level"])
	})

	// Outbound messages of ours, as a turn leaves them once sent.
	var conversationID uuid.UUID
	require.NoError(t, s.DB.Owner.QueryRow(context.Background(),
		"SELECT id FROM conversations WHERE tenant_id = $1 AND connection_id = $2 LIMIT 1", acct.TenantID, num.ConnectionID).Scan(&conversationID))
	outbound := func(t *testing.T) string {
		wamid := "wamid.out" + uuid.NewString()
		_, err := s.DB.Owner.Exec(context.Background(), `INSERT INTO messages (id, tenant_id, conversation_id, connection_id, role, external_id, body, delivery_state)
			VALUES ($1, $2, $3, $4, 'assistant', $5, 'Happy to help.', 'delivered')`, uuid.New(), acct.TenantID, conversationID, num.ConnectionID, wamid)
		require.NoError(t, err)
		return wamid
	}
	type delivery struct {
		Status    string
		StatusAt  string `json:"status_at"`
		ErrorCode int    `json:"error_code"`
	}
	deliveryOf := func(t *testing.T, wamid string) delivery {
		var raw []byte
		require.NoError(t, s.DB.Owner.QueryRow(context.Background(),
			"SELECT delivery FROM messages WHERE tenant_id = $1 AND external_id = $2", acct.TenantID, wamid).Scan(&raw))
		var d delivery
		require.NoError(t, json.Unmarshal(raw, &d))
		return d
	}
	report := func(t *testing.T, wamid, state string, at time.Time) {
		t.Helper()
		st := map[string]any{"id": wamid, "status": state, "timestamp": unix(at), "recipient_id": "16505551234"}
		if state == "failed" {
			st["errors"] = []map[string]any{{"code": 131047, "title": "Re-engagement message"}}
		}
		r := s.WhatsAppEvent(t, f, graphfake.Delivery(num.Number, nil, []map[string]any{st}))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}

	t.Run("StaleStatus", func(t *testing.T) {
		wamid := outbound(t)
		report(t, wamid, "delivered", now.Add(-8*24*time.Hour))
		require.Empty(t, deliveryOf(t, wamid).Status, "a status older than the horizon is ignored")
		logged := log.lines(t, "whatsapp status older than the replay horizon ignored")
		require.Len(t, logged, 1)
		require.Equal(t, wamid, logged[0]["wamid"])
		require.Equal(t, "stale", logged[0]["reason"])

		report(t, wamid, "delivered", now.Add(2*time.Hour))
		require.Equal(t, "delivered", deliveryOf(t, wamid).Status, "a status from a clock ahead of ours counts")
	})

	t.Run("StatusesNeverGoBackwards", func(t *testing.T) {
		wamid := outbound(t)
		report(t, wamid, "sent", now.Add(-3*time.Minute))
		require.Equal(t, "sent", deliveryOf(t, wamid).Status)
		report(t, wamid, "delivered", now.Add(-2*time.Minute))
		require.Equal(t, "delivered", deliveryOf(t, wamid).Status)
		report(t, wamid, "read", now.Add(-time.Minute))
		read := deliveryOf(t, wamid)
		require.Equal(t, "read", read.Status)
		// Replays of the earlier statuses, and a failure after the read.
		for _, state := range []string{"delivered", "sent", "failed", "read"} {
			report(t, wamid, state, now)
			require.Equal(t, read, deliveryOf(t, wamid), "%s after read changed the delivery", state)
		}
	})

	t.Run("OutOfOrder", func(t *testing.T) {
		// Meta does not promise order: a read may overtake its delivered.
		wamid := outbound(t)
		report(t, wamid, "read", now.Add(-time.Minute))
		report(t, wamid, "delivered", now.Add(-2*time.Minute))
		report(t, wamid, "sent", now.Add(-3*time.Minute))
		require.Equal(t, "read", deliveryOf(t, wamid).Status)
	})

	t.Run("FailedAfterSent", func(t *testing.T) {
		wamid := outbound(t)
		report(t, wamid, "sent", now.Add(-2*time.Minute))
		report(t, wamid, "failed", now.Add(-time.Minute))
		failed := deliveryOf(t, wamid)
		require.Equal(t, "failed", failed.Status)
		require.Equal(t, 131047, failed.ErrorCode)
		for _, state := range []string{"sent", "delivered"} {
			report(t, wamid, state, now)
			require.Equal(t, failed, deliveryOf(t, wamid), "%s after failed changed the delivery", state)
		}
	})

	t.Run("UnknownStatus", func(t *testing.T) {
		wamid := outbound(t)
		report(t, wamid, "warning", now.Add(-2*time.Minute))
		require.Equal(t, "warning", deliveryOf(t, wamid).Status, "recorded while there is nothing better")
		report(t, wamid, "sent", now.Add(-time.Minute))
		report(t, wamid, "warning", now)
		require.Equal(t, "sent", deliveryOf(t, wamid).Status, "never over a known status")
	})
}

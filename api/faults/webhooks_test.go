package faults_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/fakes/slackfake"
	"github.com/konstruct/konstruct/api/fakes/webhookfake"
)

// endpoint registers a webhook endpoint for the tenant through serve.
func (c *cluster) endpoint(tn tenant, url string, types ...string) string {
	t := c.t
	t.Helper()
	body := map[string]any{"url": url}
	if len(types) > 0 {
		body["event_types"] = types
	}
	r := tn.acct.Client.Do("POST", "/api/portal/tenants/"+tn.acct.TenantID.String()+"/webhook-endpoints", body)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	return r.Map(t)["id"].(string)
}

// recordedEvents are a tenant's message and reply events by subject, each
// in recorded order.
func (c *cluster) recordedEvents(tenantID uuid.UUID) (bySubject map[string][]string, total int) {
	t := c.t
	t.Helper()
	rows, err := c.db.Owner.Query(context.Background(), `SELECT id::text, subject FROM outbound_events
		WHERE tenant_id = $1 AND type IN ('message.received', 'reply.delivered') ORDER BY seq`, tenantID)
	require.NoError(t, err)
	defer rows.Close()
	bySubject = map[string][]string{}
	for rows.Next() {
		var id, subject string
		require.NoError(t, rows.Scan(&id, &subject))
		bySubject[subject] = append(bySubject[subject], id)
		total++
	}
	require.NoError(t, rows.Err())
	return bySubject, total
}

// subjectOf is the subject of a delivered event, from its data.
func subjectOf(t *testing.T, r webhookfake.Request) string {
	t.Helper()
	var d struct {
		ConversationID string `json:"conversation_id"`
	}
	require.NoError(t, json.Unmarshal(r.Event().Data, &d))
	return "conversation:" + d.ConversationID
}

// The receiver is down while conversations go on (every attempt refused),
// then comes back: every event is delivered at least once, none is lost,
// and within each conversation they arrive in the order they were recorded.
func TestWebhookReceiverDownThenUp(t *testing.T) {
	t.Parallel()
	c := newCluster(t, map[string]string{"WEBHOOK_RETRY_FIRST": "100ms", "WEBHOOK_RETRY_FOR": "10m", "WEBHOOK_TIMEOUT": "2s"})
	serve := c.start("serve")
	c.start("worker")
	tn := c.tenant(serve, nil)
	recv := webhookfake.New(t)
	endpointID := c.endpoint(tn, recv.URL+"/hooks", "message.received", "reply.delivered")
	recv.Down()

	// Four conversations of three messages each, the later ones in the
	// first one's thread.
	client := noKeepAlive()
	var sent []*event
	for range 4 {
		first := c.event(tn)
		sent = append(sent, first)
		for i := range 3 {
			e := first
			if i > 0 {
				n := tsSeq.Add(1)
				e = &event{tenant: tn, id: fmt.Sprintf("Ev%06d", n), channel: first.channel, ts: fmt.Sprintf("%d.%06d", time.Now().Unix(), n),
					text: fmt.Sprintf("follow-up %d", n)}
				e.body = slackfake.Envelope(tn.ws.TeamID, e.id, slackfake.Event{"type": "app_mention", "user": "UALICE", "channel": e.channel,
					"ts": e.ts, "thread_ts": first.ts, "text": "<@" + tn.ws.BotUserID + "> " + e.text})
			}
			status, err := c.post(client, serve.URL, e, 0)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, status)
		}
	}
	c.settle(60 * time.Second) // every turn done: all events recorded

	// Attempts fail while the receiver is down.
	require.Eventually(t, func() bool {
		var failed int
		require.NoError(t, c.db.Owner.QueryRow(context.Background(),
			"SELECT count(*) FROM webhook_attempts WHERE endpoint_id = $1 AND outcome = 'failed'", endpointID).Scan(&failed))
		return failed >= 3
	}, 30*time.Second, 50*time.Millisecond)
	require.Empty(t, recv.Requests())

	recv.Up(t)
	bySubject, total := c.recordedEvents(tn.acct.TenantID)
	require.Len(t, bySubject, 4, "four conversations")
	require.GreaterOrEqual(t, total, 12+4, "every message, and at least one reply per conversation")
	reqs := recv.Wait(t, 90*time.Second, func(reqs []webhookfake.Request) bool {
		seen := map[string]bool{}
		for _, r := range reqs {
			seen[r.ID] = true
		}
		return len(seen) == total
	})

	// First arrivals, per conversation, in recorded order.
	arrived := map[string][]string{}
	seen := map[string]bool{}
	for _, r := range reqs {
		if seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		s := subjectOf(t, r)
		arrived[s] = append(arrived[s], r.ID)
	}
	require.Equal(t, bySubject, arrived, "per conversation, events arrive in the order recorded")
	// The last answers are recorded just after they arrive.
	require.Eventually(t, func() bool {
		var undelivered int
		require.NoError(t, c.db.Owner.QueryRow(context.Background(),
			"SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1 AND state <> 'succeeded'", endpointID).Scan(&undelivered))
		return undelivered == 0
	}, 30*time.Second, 50*time.Millisecond, "every delivery recorded as delivered")
}

// A worker SIGKILLed while a delivery waits on the receiver leaves the
// attempt unfinished. Another worker takes the endpoint over once the dead
// one's hold and lease lapse, records the orphaned attempt as abandoned, and
// delivers again: at least once, never lost.
func TestWebhookWorkerKilledMidDelivery(t *testing.T) {
	t.Parallel()
	c := newCluster(t, map[string]string{"JOB_RESCUE_AFTER": "5s", "WEBHOOK_TIMEOUT": "2s", "WEBHOOK_RETRY_FIRST": "100ms"})
	serve := c.start("serve")
	worker := c.start("worker")
	tn := c.tenant(serve, nil)
	recv := webhookfake.New(t)
	hold := make(chan struct{})
	t.Cleanup(func() {
		select {
		case <-hold:
		default:
			close(hold)
		}
	})
	recv.Respond(func(r webhookfake.Request) webhookfake.Reply {
		if r.Seq == 1 {
			return webhookfake.Reply{Hold: hold}
		}
		return webhookfake.Reply{}
	})
	endpointID := c.endpoint(tn, recv.URL+"/hooks", "agent.created")
	r := tn.acct.Client.Do("POST", "/api/portal/tenants/"+tn.acct.TenantID.String()+"/agents", map[string]any{"name": "Bo", "model": "openai/gpt-4o-mini"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	first := recv.WaitN(t, 1, 30*time.Second)[0]

	worker.Kill(t)
	close(hold)
	var outcome string
	require.NoError(t, c.db.Owner.QueryRow(context.Background(), `SELECT a.outcome FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
		WHERE a.endpoint_id = $1 AND d.event_id = $2`, endpointID, first.ID).Scan(&outcome))
	require.Equal(t, "in_progress", outcome, "the killed worker could not record the attempt")

	c.start("worker")
	recv.Wait(t, 60*time.Second, func(reqs []webhookfake.Request) bool {
		n := 0
		for _, r := range reqs {
			if r.ID == first.ID {
				n++
			}
		}
		return n == 2 // the same event, delivered again
	})
	var deliveryID string
	require.Eventually(t, func() bool {
		var state string
		_ = c.db.Owner.QueryRow(context.Background(), `SELECT d.id::text, d.state FROM webhook_deliveries d
			WHERE d.endpoint_id = $1 AND d.event_id = $2`, endpointID, first.ID).Scan(&deliveryID, &state)
		return state == "succeeded"
	}, 30*time.Second, 50*time.Millisecond)
	rows, err := c.db.Owner.Query(context.Background(), "SELECT outcome FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt", deliveryID)
	require.NoError(t, err)
	var outcomes []string
	for rows.Next() {
		var o string
		require.NoError(t, rows.Scan(&o))
		outcomes = append(outcomes, o)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []string{"abandoned", "succeeded"}, outcomes)
}

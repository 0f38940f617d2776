package events_test

import (
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/events"
	"github.com/konstruct/konstruct/api/fakes/webhookfake"
)

// After an outage an endpoint is re-enabled and caught up: everything since
// a time (or only what it never acknowledged), in the order recorded, with
// the events' own ids; one delivery can be sent again too.
func TestReplay(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	id, _ := b.endpoint(t, map[string]any{"event_types": []string{events.TypeAgentCreated, events.TypeAgentUpdated}})
	ep := b.tenant + "/webhook-endpoints/" + id.String()
	since := time.Now().Add(-time.Second)

	agent := b.agent(t, map[string]any{"name": "V1"})
	first := b.recv.WaitN(t, 1, 15*time.Second)[0]
	b.s.Settle(t)

	// Off while the receiver is down: nothing is queued for it.
	r := b.acct.Client.Do("PATCH", ep, map[string]any{"enabled": false})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, "manual", r.Map(t)["disabled_reason"])
	for _, name := range []string{"V2", "V3"} {
		r := b.acct.Client.Do("PATCH", b.tenant+"/agents/"+agent, map[string]any{"name": name})
		require.Equal(t, http.StatusOK, r.Status)
	}
	require.Eventually(t, func() bool {
		return b.count(t, "SELECT count(*) FROM outbound_events WHERE tenant_id = $1 AND dispatched_at IS NULL", b.acct.TenantID) == 0
	}, 15*time.Second, 20*time.Millisecond)
	r = b.acct.Client.Do("POST", ep+"/replay", map[string]any{"since": since})
	require.Equal(t, http.StatusConflict, r.Status, "a disabled endpoint cannot replay: %s", r.Body)
	r = b.acct.Client.Do("POST", ep+"/test", nil)
	require.Equal(t, http.StatusConflict, r.Status, "%s", r.Body)

	r = b.acct.Client.Do("PATCH", ep, map[string]any{"enabled": true})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = b.acct.Client.Do("POST", ep+"/replay", map[string]any{"since": since, "only_undelivered": true})
	require.Equal(t, http.StatusAccepted, r.Status, "%s", r.Body)
	require.EqualValues(t, 2, r.Map(t)["queued"])
	reqs := b.recv.WaitN(t, 3, 15*time.Second)
	require.Equal(t, []string{"V2", "V3"}, []string{name(t, reqs[1]), name(t, reqs[2])}, "missed events, in order")

	// Everything since: all three again, same ids, in order.
	r = b.acct.Client.Do("POST", ep+"/replay", map[string]any{"since": since})
	require.Equal(t, http.StatusAccepted, r.Status, "%s", r.Body)
	require.EqualValues(t, 3, r.Map(t)["queued"])
	reqs = b.recv.WaitN(t, 6, 15*time.Second)
	require.Equal(t, first.ID, reqs[3].ID, "a replay keeps the event's id")
	require.Equal(t, []string{"V1", "V2", "V3"}, []string{name(t, reqs[3]), name(t, reqs[4]), name(t, reqs[5])})
	b.s.Settle(t) // the last answer is recorded after it arrives

	// One delivery again.
	var log struct {
		Items []struct {
			ID, EventID, State, Reason string
		}
	}
	r = b.acct.Client.Do("GET", b.tenant+"/webhook-deliveries?endpoint_id="+id.String()+"&state=succeeded&limit=100", nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r.JSON(t, &log)
	require.Len(t, log.Items, 6)
	oldest := log.Items[len(log.Items)-1]
	require.Equal(t, "event", oldest.Reason)
	r = b.acct.Client.Do("POST", b.tenant+"/webhook-deliveries/"+oldest.ID+"/replay", nil)
	require.Equal(t, http.StatusAccepted, r.Status, "%s", r.Body)
	require.Equal(t, "replay", r.Map(t)["reason"])
	reqs = b.recv.WaitN(t, 7, 15*time.Second)
	require.Equal(t, first.ID, reqs[6].ID)

	// Bad ranges are refused by field.
	r = b.acct.Client.Do("POST", ep+"/replay", map[string]any{"since": time.Now().Add(time.Hour)})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	require.Equal(t, []string{"body.since"}, r.Problem(t).Locations())
	r = b.acct.Client.Do("POST", ep+"/replay", map[string]any{"since": since, "until": since.Add(-time.Minute)})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	require.Equal(t, []string{"body.until"}, r.Problem(t).Locations())
}

func name(t *testing.T, r webhookfake.Request) string {
	t.Helper()
	var d struct{ Name string }
	require.NoError(t, json.Unmarshal(r.Event().Data, &d))
	return d.Name
}

// The delivery log: filters, attempt details, the event sent, and the
// events list.
func TestDeliveryLogAndEvents(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	var fails atomic.Bool
	fails.Store(true)
	b.recv.Respond(func(r webhookfake.Request) webhookfake.Reply {
		if fails.Load() && r.Event().Type == events.TypeAgentCreated {
			return webhookfake.Reply{Status: 503, Body: `{"error":"busy"}`, RetryAfter: "1"}
		}
		return webhookfake.Reply{Status: 204}
	})
	id, _ := b.endpoint(t, nil)
	agent := b.agent(t, nil)

	// The first attempt fails; the retry (after Retry-After) succeeds.
	b.recv.WaitN(t, 1, 15*time.Second)
	fails.Store(false)
	b.recv.WaitN(t, 2, 15*time.Second)
	b.s.Settle(t)

	var log struct {
		Items []struct {
			ID, State, EventType string
			Attempts             int
			LastStatus           *int `json:"last_status"`
		}
		NextCursor *string `json:"next_cursor"`
	}
	r := b.acct.Client.Do("GET", b.tenant+"/webhook-deliveries?event_type=agent.created", nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r.JSON(t, &log)
	require.Len(t, log.Items, 1)
	require.Nil(t, log.NextCursor)
	d := log.Items[0]
	require.Equal(t, "succeeded", d.State)
	require.Equal(t, 2, d.Attempts)
	require.Equal(t, 204, *d.LastStatus)

	var detail struct {
		Delivery struct{ ID string }
		Attempts []struct {
			Attempt         int
			StatusCode      *int   `json:"status_code"`
			Outcome         string `json:"outcome"`
			Error           string `json:"error"`
			ResponseExcerpt string `json:"response_excerpt"`
			DurationMS      *int   `json:"duration_ms"`
			URL             string `json:"url"`
		}
		Event struct {
			ID, Type, Subject string
			Data              map[string]any
		}
	}
	r = b.acct.Client.Do("GET", b.tenant+"/webhook-deliveries/"+d.ID, nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r.JSON(t, &detail)
	require.Len(t, detail.Attempts, 2)
	require.Equal(t, 503, *detail.Attempts[0].StatusCode)
	require.Equal(t, "failed", detail.Attempts[0].Outcome)
	require.Equal(t, `{"error":"busy"}`, detail.Attempts[0].ResponseExcerpt)
	require.Equal(t, "the endpoint answered 503", detail.Attempts[0].Error)
	require.Equal(t, "succeeded", detail.Attempts[1].Outcome)
	require.NotNil(t, detail.Attempts[1].DurationMS)
	require.Equal(t, b.recv.URL+"/hooks", detail.Attempts[1].URL)
	require.Equal(t, events.TypeAgentCreated, detail.Event.Type)
	require.Equal(t, "agent:"+agent, detail.Event.Subject)
	require.Equal(t, agent, detail.Event.Data["agent_id"])

	// Filters.
	for q, want := range map[string]int{
		"state=failed": 0, "state=succeeded": 1, "endpoint_id=" + id.String(): 1, "event_id=" + detail.Event.ID: 1,
		"since=" + time.Now().Add(time.Minute).UTC().Format(time.RFC3339): 0,
	} {
		r = b.acct.Client.Do("GET", b.tenant+"/webhook-deliveries?"+q, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s: %s", q, r.Body)
		r.JSON(t, &log)
		require.Len(t, log.Items, want, q)
	}
	r = b.acct.Client.Do("GET", b.tenant+"/webhook-deliveries?state=exploded", nil)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)

	// The events list has the same envelope as the delivery.
	var evs struct {
		Items []struct{ ID, Type, Subject string }
	}
	r = b.acct.Client.Do("GET", b.tenant+"/events?type=agent.", nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r.JSON(t, &evs)
	require.Len(t, evs.Items, 1)
	require.Equal(t, detail.Event.ID, evs.Items[0].ID)
	r = b.acct.Client.Do("GET", b.tenant+"/events/"+detail.Event.ID, nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = b.acct.Client.Do("GET", b.tenant+"/events?subject=agent:"+agent, nil)
	r.JSON(t, &evs)
	require.Len(t, evs.Items, 1)
}

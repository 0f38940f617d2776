package events_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/events"
	"github.com/konstruct/konstruct/api/fakes/webhookfake"
)

// URLs into the platform's network are refused when saved (the same guard
// runs again on every connection: TestDeliveriesDialOnlyAllowedAddresses).
func TestEndpointURLsAreChecked(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{"ALLOW_PRIVATE_URLS": "false"})
	for _, u := range []string{
		"http://127.0.0.1:9/hooks", "http://localhost/hooks", "http://[::1]/hooks", "http://10.1.2.3/hooks", "http://192.168.0.10/hooks",
		"http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/hooks", "http://0.0.0.0/hooks", "http://100.64.0.1/hooks",
		"http://[64:ff9b::7f00:1]/hooks", "https://user:secret@93.184.215.14/hooks", "ftp://93.184.215.14/hooks", "hooks.example.com",
		"https://93.184.215.14/hooks#frag",
	} {
		r := b.acct.Client.Do("POST", b.tenant+"/webhook-endpoints", map[string]any{"url": u})
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s: %s", u, r.Body)
		require.Equal(t, []string{"body.url"}, r.Problem(t).Locations(), u)
	}
	// A public address is accepted (nothing is dialled when saving).
	r := b.acct.Client.Do("POST", b.tenant+"/webhook-endpoints", map[string]any{"url": "https://93.184.215.14/hooks"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	id := r.Map(t)["id"].(string)
	// Changing it to a private one is refused too.
	r = b.acct.Client.Do("PATCH", b.tenant+"/webhook-endpoints/"+id, map[string]any{"url": "http://127.0.0.1/x"})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)

	// Link-local (cloud metadata) stays refused even where private
	// addresses are allowed.
	open := setup(t, nil)
	r = open.acct.Client.Do("POST", open.tenant+"/webhook-endpoints", map[string]any{"url": "http://169.254.169.254/latest/meta-data/"})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)

	// Unknown event types are refused by name.
	r = open.acct.Client.Do("POST", open.tenant+"/webhook-endpoints", map[string]any{"url": open.recv.URL, "event_types": []string{"agent.created", "agent.exploded"}})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	require.Equal(t, []string{"body.event_types[1]"}, r.Problem(t).Locations())
}

// A 3xx is a failure: the redirect is not followed (its target gets
// nothing), and a large answer is read only up to a cap, a kilobyte kept.
func TestRedirectsAreNotFollowedAndAnswersAreCapped(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	target := webhookfake.New(t)
	b.recv.Respond(func(r webhookfake.Request) webhookfake.Reply {
		if r.Event().Type == events.TypeTest {
			return webhookfake.Reply{Status: http.StatusOK, Body: strings.Repeat("é", 1<<20)}
		}
		return webhookfake.Reply{Status: http.StatusTemporaryRedirect, Location: target.URL + "/elsewhere"}
	})
	id, _ := b.endpoint(t, map[string]any{"event_types": []string{events.TypeAgentCreated}})
	b.agent(t, nil)
	b.recv.WaitN(t, 1, 15*time.Second)
	r := b.acct.Client.Do("POST", b.tenant+"/webhook-endpoints/"+id.String()+"/test", nil)
	require.Equal(t, http.StatusAccepted, r.Status, "%s", r.Body)
	test := r.Map(t)["id"].(string)

	var d struct {
		Delivery struct{ State string } `json:"delivery"`
		Attempts []struct {
			StatusCode      *int   `json:"status_code"`
			Outcome         string `json:"outcome"`
			ResponseExcerpt string `json:"response_excerpt"`
			DurationMS      *int   `json:"duration_ms"`
		} `json:"attempts"`
	}
	require.Eventually(t, func() bool {
		b.acct.Client.Do("GET", b.tenant+"/webhook-deliveries/"+test, nil).JSON(t, &d)
		return d.Delivery.State == "succeeded"
	}, 15*time.Second, 20*time.Millisecond)
	require.Len(t, d.Attempts, 1)
	require.LessOrEqual(t, len(d.Attempts[0].ResponseExcerpt), 1024)
	require.True(t, strings.HasPrefix(d.Attempts[0].ResponseExcerpt, "éé"))
	require.NotNil(t, d.Attempts[0].DurationMS)

	require.Eventually(t, func() bool {
		return b.count(t, "SELECT count(*) FROM webhook_attempts WHERE endpoint_id = $1 AND status_code = 307 AND outcome = 'failed'", id) >= 1
	}, 15*time.Second, 20*time.Millisecond)
	require.Empty(t, target.Requests(), "the redirect was followed")
}

// At most MaxEndpoints per tenant, and only owners and admins manage them.
func TestEndpointLimitAndRoles(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	for i := range events.MaxEndpoints {
		r := b.acct.Client.Do("POST", b.tenant+"/webhook-endpoints", map[string]any{"url": b.recv.URL + "/" + string(rune('a'+i))})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}
	r := b.acct.Client.Do("POST", b.tenant+"/webhook-endpoints", map[string]any{"url": b.recv.URL + "/one-too-many"})
	require.Equal(t, http.StatusConflict, r.Status, "%s", r.Body)

	member := b.s.WithToken(t, b.acct.Token(t, "member"))
	for _, op := range [][2]string{{"GET", "/webhook-endpoints"}, {"POST", "/webhook-endpoints"}, {"GET", "/webhook-deliveries"}, {"GET", "/events"}} {
		var body any
		if op[0] == "POST" {
			body = map[string]any{"url": b.recv.URL}
		}
		r := member.Do(op[0], b.tenant+op[1], body)
		require.Equal(t, http.StatusForbidden, r.Status, "%s %s: %s", op[0], op[1], r.Body)
	}
	r = member.Do("GET", b.tenant+"/webhook-event-types", nil)
	require.Equal(t, http.StatusOK, r.Status, "the catalogue is public to members")

	// The list shows hints, never secrets.
	r = b.acct.Client.Do("GET", b.tenant+"/webhook-endpoints", nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.NotContains(t, string(r.Body), "whsec_")
	var audit int
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(), "SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'webhook_endpoint.created' AND metadata::text LIKE '%whsec_%'",
		b.acct.TenantID).Scan(&audit))
	require.Zero(t, audit, "the audit trail has no secret")
}

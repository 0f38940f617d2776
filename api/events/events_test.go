package events_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/events"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
	"github.com/konstruct/konstruct/api/fakes/webhookfake"
	"github.com/konstruct/konstruct/api/store"
	"github.com/konstruct/konstruct/api/usage"
)

// Every event type is recorded once per change (not for a redelivered
// message, a patch that changes nothing, a second revocation, a second
// budget check, a second release), reaches a subscribed endpoint, and
// matches its documented schema, with no secret in it.
func TestEachEventTypeOncePerChange(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	_, secret := b.endpoint(t, nil)

	agentID := b.agent(t, map[string]any{"escalation_rules": []string{"refund"}})
	ws := b.s.InstallSlack(t, b.acct, b.f) // channel.connected
	r := b.acct.Client.Do("PATCH", b.tenant+"/agents/"+agentID, map[string]any{"persona": "Warm."})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = b.acct.Client.Do("PATCH", b.tenant+"/agents/"+agentID, map[string]any{"persona": "Warm."}) // no change
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	temp := b.agent(t, map[string]any{"name": "Temp"})
	require.Equal(t, http.StatusNoContent, b.acct.Client.Do("DELETE", b.tenant+"/agents/"+temp, nil).Status)

	// A question answered (message.received, reply.delivered), delivered
	// twice by Slack: still one message and one event.
	ev := slackfake.Envelope(ws.TeamID, "Ev1", slackfake.Mention("UALICE", "C1", nextTS(), "<@"+ws.BotUserID+"> hello"))
	require.Equal(t, http.StatusOK, b.s.SlackEvent(t, b.f, ev).Status)
	require.Equal(t, http.StatusOK, b.s.SlackEvent(t, b.f, ev, "X-Slack-Retry-Num", "1").Status)
	b.f.Slack.WaitCalls(t, "chat.update", 1, 15*time.Second)

	// A hand-over (conversation.handed_over), released twice
	// (conversation.released once).
	b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev2", slackfake.Mention("UBOB", "C1", nextTS(), "<@"+ws.BotUserID+"> refund please")))
	b.f.Slack.WaitCalls(t, "chat.update", 2, 15*time.Second)
	b.s.Settle(t)
	var convs struct{ Items []struct{ ID string } }
	b.acct.Client.Do("GET", b.tenant+"/conversations?status=escalated", nil).JSON(t, &convs)
	require.Len(t, convs.Items, 1)
	for range 2 {
		r = b.acct.Client.Do("POST", b.tenant+"/conversations/"+convs.Items[0].ID+"/release", nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}

	// A turn that cannot be answered (turn.failed): the model answers nothing.
	b.llm.Respond(func(r llmfake.Request) llmfake.Reply {
		if slices.ContainsFunc(r.UserTexts, func(s string) bool { return strings.Contains(s, "break") }) {
			return llmfake.Reply{Text: ""}
		}
		return llmfake.Reply{Text: llmfake.DefaultText(r)}
	})
	b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev3", slackfake.Mention("UCAROL", "C1", nextTS(), "<@"+ws.BotUserID+"> break")))
	require.Eventually(t, func() bool { return len(b.recorded(t, events.TypeTurnFailed)) == 1 }, 15*time.Second, 20*time.Millisecond)

	// Budget thresholds, checked twice (budget.threshold_reached once each).
	r = b.acct.Client.Do("PUT", b.tenant+"/budget", map[string]any{"limit_usd": 1, "action": "notify"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	_, err := b.s.DB.Owner.Exec(context.Background(), `INSERT INTO usage_records (id, tenant_id, agent_id, provider, model, key_source,
		input_tokens, output_tokens, cost_usd) VALUES ($1, $2, $3, 'openai', 'gpt-4o-mini', 'platform', 1, 1, 2)`, uuid.New(), b.acct.TenantID, agentID)
	require.NoError(t, err)
	for range 2 {
		require.NoError(t, b.s.App.Store.WithTenant(context.Background(), b.acct.TenantID, func(ctx context.Context, tx store.Tx) error {
			_, err := usage.Check(ctx, tx, time.Now())
			return err
		}))
	}

	// The workspace revokes the token, and says so twice (channel.revoked once).
	for range 2 {
		require.Equal(t, http.StatusOK, b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "EvR"+uuid.NewString()[:6], slackfake.Event{"type": "tokens_revoked"})).Status)
	}

	want := map[string]int{
		events.TypeChannelConnected: 1, events.TypeAgentCreated: 2, events.TypeAgentUpdated: 1, events.TypeAgentDeleted: 1,
		events.TypeMessageReceived: 3, events.TypeReplyDelivered: 2, events.TypeConversationHandedOver: 1,
		events.TypeConversationReleased: 1, events.TypeTurnFailed: 1, events.TypeBudgetThresholdReached: 2, events.TypeChannelRevoked: 1,
	}
	total := 0
	for typ, n := range want {
		require.Len(t, b.recorded(t, typ), n, typ)
		total += n
	}
	require.Equal(t, total, b.count(t, "SELECT count(*) FROM outbound_events WHERE tenant_id = $1", b.acct.TenantID), "no other events")
	updated := b.recorded(t, events.TypeAgentUpdated)[0]
	require.JSONEq(t, `["persona"]`, string(mustField(t, updated.Data, "changed")))

	// Every event reached the endpoint once, documented and secret-free.
	reqs := b.recv.Wait(t, 20*time.Second, func(r []webhookRequest) bool { return distinctIDs(r) == total })
	require.Len(t, reqs, total, "each event delivered once")
	for _, req := range reqs {
		requireDocumented(t, req.Body)
		require.NoError(t, events.Verify(secret, events.Headers{ID: req.ID, Timestamp: req.Timestamp, Signature: req.Signature}, req.Body, time.Now(), 5*time.Minute))
		require.Equal(t, req.Event().ID, req.ID, "webhook-id is the event id")
		for _, leak := range []string{ws.Token, secret, platformKey, "xoxb-", "whsec_", "kst_", "sk-"} {
			require.NotContains(t, string(req.Body), leak, "a payload carries a secret")
		}
	}
	// A reply follows its question within the conversation.
	var firstConv []string
	for _, req := range reqs {
		if typ := req.Event().Type; typ == events.TypeMessageReceived || typ == events.TypeReplyDelivered {
			var d struct {
				ConversationID string `json:"conversation_id"`
			}
			require.NoError(t, json.Unmarshal(req.Event().Data, &d))
			if d.ConversationID == mustConversation(t, b.recorded(t, events.TypeMessageReceived)[0]) {
				firstConv = append(firstConv, typ)
			}
		}
	}
	require.Equal(t, []string{events.TypeMessageReceived, events.TypeReplyDelivered}, firstConv)
}

// The catalogue, the API's list of types and x-webhooks agree.
func TestCatalogueIsDocumented(t *testing.T) {
	t.Parallel()
	var names []string
	for _, typ := range events.Catalogue {
		names = append(names, typ.Name)
		_, ok := dataSchemas[typ.Name]
		require.True(t, ok, typ.Name)
	}
	slices.Sort(names)
	require.Equal(t, names, xWebhooks(t))
}

// A change that rolls back leaves no event, so nothing is delivered for it:
// the event is written in the change's own transaction.
func TestNoEventForARolledBackChange(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.endpoint(t, nil)
	ctx := context.Background()

	// The audit row is written after the event, in the same transaction;
	// failing it rolls the whole change back.
	_, err := b.s.DB.Owner.Exec(ctx, `
		CREATE FUNCTION fail_marked() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'test: rolled back'; END $$;
		CREATE TRIGGER fail_marked BEFORE INSERT ON audit_events FOR EACH ROW
		  WHEN (NEW.metadata->>'name' = 'Rollback me') EXECUTE FUNCTION fail_marked();
		CREATE TRIGGER fail_marked_message BEFORE INSERT ON messages FOR EACH ROW
		  WHEN (NEW.body LIKE '%rollback me%') EXECUTE FUNCTION fail_marked();`)
	require.NoError(t, err)

	r := b.acct.Client.Do("POST", b.tenant+"/agents", map[string]any{"name": "Rollback me", "model": "openai/gpt-4o-mini"})
	require.Equal(t, http.StatusInternalServerError, r.Status, "%s", r.Body)
	agentID := b.agent(t, map[string]any{"name": "Kept"})
	r = b.acct.Client.Do("PATCH", b.tenant+"/agents/"+agentID, map[string]any{"name": "Rollback me"})
	require.Equal(t, http.StatusInternalServerError, r.Status, "%s", r.Body)

	// Ingest: the message's insert fails, so its event (same statement) is gone too.
	ws := b.s.InstallSlack(t, b.acct, b.f)
	r = b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "EvX", slackfake.Mention("UX", "C1", nextTS(), "<@"+ws.BotUserID+"> rollback me")))
	require.NotEqual(t, http.StatusOK, r.Status)

	// Recorded directly and rolled back.
	err = b.s.App.Store.WithTenant(ctx, b.acct.TenantID, func(ctx context.Context, tx store.Tx) error {
		require.NoError(t, events.Record(ctx, tx, events.ConversationReleased{ConversationID: uuid.New()}))
		return context.Canceled
	})
	require.ErrorIs(t, err, context.Canceled)

	// What did commit is delivered, and nothing else.
	want := 3 // agent.created (Kept), channel.connected, webhook.test
	r = b.acct.Client.Do("POST", b.tenant+"/webhook-endpoints/"+firstEndpoint(t, b)+"/test", nil)
	require.Equal(t, http.StatusAccepted, r.Status, "%s", r.Body)
	b.recv.Wait(t, 15*time.Second, func(r []webhookRequest) bool { return distinctIDs(r) >= want })
	b.s.Settle(t)
	require.NoError(t, b.s.App.Events.RelayOnce(ctx))
	b.s.Settle(t)
	reqs := b.recv.Requests()
	var types []string
	for _, req := range reqs {
		types = append(types, req.Event().Type)
		require.NotContains(t, string(req.Body), "Rollback me")
		require.NotContains(t, string(req.Body), "rollback me")
	}
	slices.Sort(types)
	require.Equal(t, []string{events.TypeAgentCreated, events.TypeChannelConnected, events.TypeTest}, types)
	require.Zero(t, b.count(t, "SELECT count(*) FROM outbound_events WHERE tenant_id = $1 AND type IN ('agent.updated', 'message.received', 'conversation.released')", b.acct.TenantID))
}

func firstEndpoint(t *testing.T, b *bundle) string {
	t.Helper()
	var list struct{ Items []struct{ ID string } }
	b.acct.Client.Do("GET", b.tenant+"/webhook-endpoints", nil).JSON(t, &list)
	require.NotEmpty(t, list.Items)
	return list.Items[0].ID
}

// subscription.updated is recorded when Stripe's subscription changes.
func TestSubscriptionUpdated(t *testing.T) {
	t.Parallel()
	env := apitest.BillingEnv("http://127.0.0.1:1")
	env["ALLOW_PRIVATE_URLS"] = "true"
	s := apitest.New(t, apitest.Opts{Env: env})
	acct := s.SignUp(t)
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	cus, sub := "cus_"+uuid.NewString()[:8], "sub_"+uuid.NewString()[:8]
	send := func(typ string, obj map[string]any) {
		t.Helper()
		id := "evt_" + uuid.NewString()
		r := s.StripeWebhook(t, apitest.StripeWebhookSecret, apitest.StripeEvent(t, id, typ, base, obj), time.Now())
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		base = base.Add(time.Second)
	}
	send("checkout.session.completed", map[string]any{"id": "cs_" + uuid.NewString()[:8], "object": "checkout.session",
		"client_reference_id": acct.TenantID.String(), "customer": cus, "subscription": sub, "mode": "subscription", "payment_status": "paid"})
	send("customer.subscription.created", apitest.StripeSubscription(sub, cus, acct.TenantID.String(), "active", 2, base.Add(30*24*time.Hour)))
	send("invoice.payment_failed", map[string]any{"id": "in_" + uuid.NewString()[:8], "object": "invoice", "customer": cus, "subscription": sub})

	var got []map[string]any
	rows, err := s.DB.Owner.Query(context.Background(), "SELECT data FROM outbound_events WHERE tenant_id = $1 AND type = 'subscription.updated' ORDER BY seq", acct.TenantID)
	require.NoError(t, err)
	for rows.Next() {
		var d map[string]any
		require.NoError(t, rows.Scan(&d))
		got = append(got, d)
	}
	require.NoError(t, rows.Err())
	require.Len(t, got, 2)
	require.Equal(t, "active", got[0]["status"])
	require.EqualValues(t, 2, got[0]["seats"])
	require.Equal(t, "past_due", got[1]["status"])
	require.Equal(t, "active", got[1]["previous_status"])
	for _, d := range got {
		body, err := events.Body(uuid.New(), events.TypeSubscriptionUpdated, 1, time.Now(), acct.TenantID, mustJSON(t, d))
		require.NoError(t, err)
		requireDocumented(t, body)
	}
}

// Erasing a person deletes the events about their conversations (message
// text, names), and the deliveries of those events, at once.
func TestErasureForgetsEvents(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	id, _ := b.endpoint(t, nil)
	b.agent(t, nil)
	ws := b.s.InstallSlack(t, b.acct, b.f)
	b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "EvE", slackfake.Mention("UERASE", "C9", nextTS(), "<@"+ws.BotUserID+"> my secret plans")))
	b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "EvK", slackfake.Mention("UKEEP", "C9", nextTS(), "<@"+ws.BotUserID+"> hello")))
	b.f.Slack.WaitCalls(t, "chat.update", 2, 15*time.Second)
	b.s.Settle(t)
	require.Eventually(t, func() bool {
		return b.count(t, "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1 AND event_type = 'reply.delivered'", id) == 2
	}, 15*time.Second, 20*time.Millisecond)
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM outbound_events WHERE tenant_id = $1 AND data::text LIKE '%my secret plans%'", b.acct.TenantID),
		"the message and the reply that quotes it")

	r := b.acct.Client.Do("POST", b.tenant+"/participants/erase", map[string]any{"connection_id": ws.ConnectionID, "participant_id": "UERASE"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Zero(t, b.count(t, "SELECT count(*) FROM outbound_events WHERE tenant_id = $1 AND data::text LIKE '%my secret plans%'", b.acct.TenantID))
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM outbound_events WHERE tenant_id = $1 AND type IN ('message.received', 'reply.delivered')", b.acct.TenantID),
		"the other person's conversation keeps its events")
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1 AND event_type = 'reply.delivered'", id))
}

// An event no enabled endpoint of the tenant subscribes to is recorded
// already dispatched (listed like any other, never fanned out); one an
// endpoint wants waits for the relay. The server here runs no relay, so what
// dispatched_at holds is what the recording statement wrote.
func TestEventsNoEndpointWantsAreRecordedDispatched(t *testing.T) {
	t.Parallel()
	s := apitest.New(t, apitest.Opts{Env: map[string]string{"ALLOW_PRIVATE_URLS": "true"}})
	b := &bundle{s: s, recv: webhookfake.New(t), acct: s.SignUp(t)}
	b.tenant = "/api/portal/tenants/" + b.acct.TenantID.String()
	undispatched := func(agentID string) bool {
		t.Helper()
		return b.count(t, `SELECT count(*) FROM outbound_events WHERE tenant_id = $1 AND type = 'agent.created'
			AND subject = 'agent:' || $2 AND dispatched_at IS NULL`, b.acct.TenantID, agentID) == 1
	}
	created := func(agentID string) {
		t.Helper()
		require.Equal(t, 1, b.count(t, `SELECT count(*) FROM outbound_events WHERE tenant_id = $1 AND type = 'agent.created'
			AND subject = 'agent:' || $2`, b.acct.TenantID, agentID), "the event is recorded either way")
	}

	a := b.agent(t, nil) // no endpoint
	created(a)
	require.False(t, undispatched(a))

	other, _ := b.endpoint(t, map[string]any{"event_types": []string{"message.received"}})
	a = b.agent(t, nil) // an endpoint, of another type
	created(a)
	require.False(t, undispatched(a))

	all, _ := b.endpoint(t, nil)
	a = b.agent(t, nil) // an endpoint of every type
	created(a)
	require.True(t, undispatched(a))

	for _, id := range []uuid.UUID{all, other} {
		r := b.acct.Client.Do("PATCH", b.tenant+"/webhook-endpoints/"+id.String(), map[string]any{"enabled": false})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}
	a = b.agent(t, nil) // only disabled endpoints
	created(a)
	require.False(t, undispatched(a))

	r := b.acct.Client.Do("PATCH", b.tenant+"/webhook-endpoints/"+other.String(), map[string]any{"enabled": true, "event_types": []string{"agent.created"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	a = b.agent(t, nil) // subscribed now
	created(a)
	require.True(t, undispatched(a))
}

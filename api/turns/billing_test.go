package turns_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/billing"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
	"github.com/konstruct/konstruct/api/turns"
)

// skipReasons lists the reasons of the tenant's skipped turns, oldest first.
func skipReasons(t *testing.T, b *bundle) []string {
	t.Helper()
	rows, err := b.s.DB.Owner.Query(context.Background(), `SELECT metadata->>'reason' FROM audit_events
		WHERE tenant_id = $1 AND action = 'turn.skipped' ORDER BY created_at, id`, b.acct.TenantID)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		require.NoError(t, rows.Scan(&r))
		out = append(out, r)
	}
	require.NoError(t, rows.Err())
	return out
}

func TestCanceledSubscriptionGetsNoReply(t *testing.T) {
	t.Parallel()
	// Webhooks only: the Stripe API is never called (no seats change after
	// the subscription exists).
	b := setup(t, nil, apitest.BillingEnv("http://127.0.0.1:1"))
	ws := b.s.InstallSlack(t, b.acct, b.f)
	cus := "cus_" + uuid.NewString()[:8]
	base := time.Now().Add(-time.Hour)
	subscription := func(typ, sub, status string, at time.Time) {
		body := apitest.StripeEvent(t, "evt_"+uuid.NewString(), typ, at,
			apitest.StripeSubscription(sub, cus, b.acct.TenantID.String(), status, 1, at.Add(30*24*time.Hour)))
		r := b.s.StripeWebhook(t, apitest.StripeWebhookSecret, body, time.Now())
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}
	mention := func(text string) {
		r := b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev"+uuid.NewString(), slackfake.Mention("UALICE", "C9", nextTS(), "<@"+ws.BotUserID+"> "+text)))
		require.Equal(t, http.StatusOK, r.Status)
	}

	// No subscription and no trial: the turn is skipped, and audited.
	mention("anyone there?")
	b.s.Settle(t)
	require.Empty(t, b.f.Slack.Calls("chat.postMessage"))
	require.Empty(t, b.llm.Requests())
	require.Equal(t, []string{"no_subscription"}, skipReasons(t, b))

	sub := "sub_" + uuid.NewString()[:8]
	subscription("customer.subscription.created", sub, "active", base)
	mention("hello")
	b.f.Slack.WaitCalls(t, "chat.update", 1, 10*time.Second)
	b.s.Settle(t)

	// Canceled: no placeholder, no model call, no reply.
	subscription("customer.subscription.deleted", sub, "canceled", base.Add(time.Minute))
	mention("still there?")
	b.s.Settle(t)
	require.Len(t, b.f.Slack.Calls("chat.postMessage"), 1, "only the first turn's placeholder")
	require.Len(t, b.f.Slack.Calls("chat.update"), 1)
	require.Len(t, b.llm.Requests(), 1)
	require.Equal(t, []string{"no_subscription", "subscription_canceled"}, skipReasons(t, b))
	r := b.acct.Client.Do("GET", "/api/portal/tenants/"+b.acct.TenantID.String()+"/billing", nil)
	require.Equal(t, "subscription_canceled", r.Map(t)["blocked_reason"], "the portal can say why")

	// Subscribing again (a new checkout, a new subscription) restores replies.
	subscription("customer.subscription.created", "sub_"+uuid.NewString()[:8], "active", base.Add(2*time.Minute))
	mention("back?")
	updates := b.f.Slack.WaitCalls(t, "chat.update", 2, 10*time.Second)
	require.Equal(t, "You said: back?", updates[1].Form.Get("text"))
	b.s.Settle(t)
	require.Len(t, skipReasons(t, b), 2)
}

// overBudget sets the tenant's budget to $1 with action and records $2 of
// spend this month.
func overBudget(t *testing.T, b *bundle, action string) {
	t.Helper()
	r := b.acct.Client.Do("PUT", "/api/portal/tenants/"+b.acct.TenantID.String()+"/budget", map[string]any{"limit_usd": 1, "action": action})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	_, err := b.s.DB.Owner.Exec(context.Background(), `INSERT INTO usage_records (id, tenant_id, provider, model, key_source, cost_usd)
		VALUES ($1, $2, 'openai', 'openai/gpt-4o', 'platform', 2)`, uuid.New(), b.acct.TenantID)
	require.NoError(t, err)
}

func TestBudgetStopTellsEachUserOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil) // budgets apply with or without Stripe
	ws := b.s.InstallSlack(t, b.acct, b.f)
	overBudget(t, b, "stop")
	mention := func(user string) {
		r := b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev"+uuid.NewString(), slackfake.Mention(user, "C5", nextTS(), "<@"+ws.BotUserID+"> help")))
		require.Equal(t, http.StatusOK, r.Status)
	}

	// The notice is the reply, so there is no "Thinking…" placeholder; like
	// every Slack reply it is an edit of a message posted for it (turns.Continuation).
	mention("UALICE")
	updates := b.f.Slack.WaitCalls(t, "chat.update", 1, 10*time.Second)
	require.Equal(t, billing.BudgetNotice, updates[0].Form.Get("text"))
	require.Equal(t, turns.Continuation, b.f.Slack.Calls("chat.postMessage")[0].Form.Get("text"))
	b.s.Settle(t)
	mention("UALICE")
	b.s.Settle(t)
	require.Len(t, b.f.Slack.Calls("chat.postMessage"), 1, "Alice was told already this month")
	require.Equal(t, []string{"budget_exceeded"}, skipReasons(t, b))
	mention("UBOB")
	updates = b.f.Slack.WaitCalls(t, "chat.update", 2, 10*time.Second)
	require.Equal(t, billing.BudgetNotice, updates[1].Form.Get("text"))
	b.s.Settle(t)
	require.Empty(t, b.llm.Requests(), "no model is asked")
	require.Len(t, b.f.Slack.Calls("chat.postMessage"), 2, "one message per notice")
}

func TestBudgetDowngradeSwitchesModel(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]any{"model": "openai/gpt-4o", "fallback_models": []string{"anthropic/claude-sonnet-4-5"}},
		map[string]string{"BUDGET_DOWNGRADE_MODEL": "openai/gpt-4.1-nano"})
	ws := b.s.InstallSlack(t, b.acct, b.f)
	overBudget(t, b, "downgrade")
	r := b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev"+uuid.NewString(), slackfake.Mention("UALICE", "C6", nextTS(), "<@"+ws.BotUserID+"> hi")))
	require.Equal(t, http.StatusOK, r.Status)
	b.f.Slack.WaitCalls(t, "chat.update", 1, 10*time.Second)
	b.s.Settle(t)
	reqs := b.llm.Requests()
	require.Len(t, reqs, 1)
	require.Equal(t, "gpt-4.1-nano", reqs[0].Model)
}

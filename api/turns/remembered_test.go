package turns_test

import (
	"context"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/fakes/graphfake"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
	"github.com/konstruct/konstruct/api/turns"
)

func rememberedBodies(t *testing.T, b *bundle) []string {
	t.Helper()
	var out []string
	for body := range memories(t, b) {
		out = append(out, body)
	}
	sort.Strings(out)
	return out
}

// `konstruct memory backfill` keeps exactly what the turn path keeps: a
// question and its answer; the question that led to a hand-over but not the
// hand-over notice; neither the apology of a failed turn nor its question.
func TestBackfillEmbedsWhatTheTurnPathDoes(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]any{"escalation_rules": []string{"refund"}}, nil)
	ws := b.s.InstallSlack(t, b.acct, b.f)
	updates := 0
	say := func(text string) {
		updates++
		b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev"+uuid.NewString()[:8], slackfake.Mention("UTEAL", "C8", nextTS(), "<@"+ws.BotUserID+"> "+text)))
		b.f.Slack.WaitCalls(t, "chat.update", updates, 10*time.Second)
		b.s.Settle(t)
	}
	say("my favourite colour is teal")
	say("I want a refund for the teal lamp")
	b.llm.Queue("gpt-4o-mini", llmfake.Reply{Status: http.StatusBadRequest, ErrorCode: "invalid_request_error"})
	say("which teal paint should I buy?")
	require.Equal(t, turns.Apology, b.f.Slack.Calls("chat.update")[2].Form.Get("text"))

	want := []string{"I want a refund for the teal lamp", "You said: my favourite colour is teal", "my favourite colour is teal"}
	waitMemories(t, b, len(want))
	require.Equal(t, want, rememberedBodies(t, b), "the turn path")

	_, err := b.s.DB.Owner.Exec(context.Background(), "DELETE FROM memories WHERE tenant_id = $1", b.acct.TenantID)
	require.NoError(t, err)
	n, err := b.s.App.Memory.Backfill(context.Background(), nil)
	require.NoError(t, err)
	require.Equal(t, len(want), n)
	require.Equal(t, want, rememberedBodies(t, b), "the backfill")

	// A later question about paint recalls no apology.
	say("teal paint again: which one?")
	reqs := b.llm.Requests()
	require.NotContains(t, reqs[len(reqs)-1].System, "I'm sorry")
}

// What a user says during a hand-over is remembered once a person answers
// it, like any answered message, under that user.
func TestHandoverAnswersAreRemembered(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]any{"escalation_rules": []string{"refund"}}, nil)
	num := b.s.ConnectWhatsApp(t, b.acct, b.f)
	say := func(text string) {
		b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Text("16505550999", "wamid."+uuid.NewString(), text)}, nil))
	}
	say("I want a refund")
	b.f.Graph.WaitSent(t, 1, 10*time.Second)
	b.s.Settle(t)
	say("my order number is 5512")
	require.Eventually(t, func() bool {
		var n int
		_ = b.s.DB.Owner.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'turn.skipped'`, b.acct.TenantID).Scan(&n)
		return n == 1
	}, 10*time.Second, 20*time.Millisecond)
	b.s.Settle(t)
	require.Equal(t, []string{"I want a refund"}, rememberedBodies(t, b), "unanswered yet")

	tenant := "/api/portal/tenants/" + b.acct.TenantID.String()
	var list struct{ Items []struct{ ID string } }
	b.acct.Client.Do("GET", tenant+"/conversations?status=escalated", nil).JSON(t, &list)
	require.Len(t, list.Items, 1)
	r := b.acct.Client.Do("POST", tenant+"/conversations/"+list.Items[0].ID+"/messages/human", map[string]any{"text": "Thanks, refunding order 5512 now."})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	mems := waitMemories(t, b, 2)
	require.Equal(t, num.ConnectionID.String()+":16505550999", mems["my order number is 5512"])

	var person string
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(), `SELECT participant_id FROM messages WHERE tenant_id = $1 AND role = 'human'`,
		b.acct.TenantID).Scan(&person))
	require.Equal(t, "16505550999", person, "the person's reply is theirs (erased with them)")
}

package turns_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/fakes/graphfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
)

// memories returns the tenant's memories as message body → participant key.
func memories(t *testing.T, b *bundle) map[string]string {
	t.Helper()
	rows, err := b.s.DB.Owner.Query(context.Background(), `SELECT m.body, mem.participant_key FROM memories mem
		JOIN messages m ON m.id = mem.message_id WHERE mem.tenant_id = $1`, b.acct.TenantID)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var body, key string
		require.NoError(t, rows.Scan(&body, &key))
		out[body] = key
	}
	require.NoError(t, rows.Err())
	return out
}

// waitMemories waits until the tenant has n memories and returns them.
func waitMemories(t *testing.T, b *bundle, n int) map[string]string {
	t.Helper()
	var got map[string]string
	require.Eventually(t, func() bool { got = memories(t, b); return len(got) == n }, 10*time.Second, 20*time.Millisecond,
		"want %d memories", n)
	b.s.Settle(t)
	got = memories(t, b)
	require.Len(t, got, n, "%v", got)
	return got
}

// sharedThread has Alice mention the agent in a channel and Bob answer in
// her thread with a secret; send sends more Slack events and waits for the
// reply to each.
func sharedThread(t *testing.T, b *bundle) (ws apitest.SlackWorkspace, send func(slackfake.Event)) {
	ws = b.s.InstallSlack(t, b.acct, b.f)
	updates := 0
	send = func(ev slackfake.Event) {
		updates++
		b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev"+uuid.NewString()[:8], ev))
		b.f.Slack.WaitCalls(t, "chat.update", updates, 10*time.Second)
		b.s.Settle(t)
	}
	bot := "<@" + ws.BotUserID + "> "
	thread := nextTS()
	send(slackfake.Mention("UALICE", "CSHARED", thread, bot+"can someone book the meeting room for Friday?"))
	send(slackfake.Event{"type": "app_mention", "user": "UBOB", "channel": "CSHARED", "ts": nextTS(), "thread_ts": thread,
		"text": bot + "my secret locker code is 4242"})
	return ws, send
}

// In a shared Slack thread each message is its speaker's: Bob's words in
// Alice's thread are remembered as Bob's and recalled for Bob only.
func TestSharedThreadKeepsEachSpeakersMemories(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	ws, send := sharedThread(t, b)
	alice, bob := ws.ConnectionID.String()+":UALICE", ws.ConnectionID.String()+":UBOB"
	mems := waitMemories(t, b, 4)
	require.Equal(t, alice, mems["can someone book the meeting room for Friday?"])
	require.Equal(t, bob, mems["my secret locker code is 4242"], "Bob's message in Alice's thread is Bob's")
	require.Equal(t, bob, mems["You said: my secret locker code is 4242"], "the reply to Bob is Bob's")

	// Alice asks in a DM: nothing of Bob's reaches her prompt.
	send(slackfake.DirectMessage("UALICE", "DALICE", nextTS(), "what is my locker code, please?"))
	reqs := b.llm.Requests()
	last := reqs[len(reqs)-1]
	require.NotContains(t, last.System, "4242")
	require.NotContains(t, strings.Join(last.AllTexts, "\n"), "4242")
	// Bob asks in a DM: his own code is recalled.
	send(slackfake.DirectMessage("UBOB", "DBOB", nextTS(), "what is my locker code?"))
	reqs = b.llm.Requests()
	require.Contains(t, reqs[len(reqs)-1].System, "my secret locker code is 4242")
}

// Erasing the second speaker of a shared thread removes his messages, the
// replies to him, his memories and his own conversations, counts them, and
// leaves Alice's part of the thread hers.
func TestEraseSecondSpeakerOfASharedThread(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	ws, send := sharedThread(t, b)
	send(slackfake.DirectMessage("UBOB", "DBOB", nextTS(), "remind me what I told you"))
	waitMemories(t, b, 6)

	tenant := "/api/portal/tenants/" + b.acct.TenantID.String()
	r := b.acct.Client.Do("POST", tenant+"/participants/erase", map[string]any{"connection_id": ws.ConnectionID, "participant_id": "UBOB"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, map[string]any{"conversations": float64(1), "messages": float64(4), "memories": float64(4)}, r.Map(t))

	var leftBob, aliceMessages int
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM messages WHERE tenant_id = $1 AND (body LIKE '%4242%' OR body LIKE '%remind me%' OR author_id = 'UBOB')) +
		(SELECT count(*) FROM memories WHERE tenant_id = $1 AND participant_key = $2) +
		(SELECT count(*) FROM conversations WHERE tenant_id = $1 AND participant_id = 'UBOB')`,
		b.acct.TenantID, ws.ConnectionID.String()+":UBOB").Scan(&leftBob))
	require.Zero(t, leftBob)
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(),
		`SELECT count(*) FROM messages WHERE tenant_id = $1 AND body LIKE '%meeting room%'`, b.acct.TenantID).Scan(&aliceMessages))
	require.Equal(t, 2, aliceMessages, "Alice's question and the reply to it stay")
	require.Len(t, memories(t, b), 2)
	var convs struct {
		Items []struct {
			Participant struct{ ID string }
		}
	}
	b.acct.Client.Do("GET", tenant+"/conversations", nil).JSON(t, &convs)
	require.Len(t, convs.Items, 1)
	require.Equal(t, "UALICE", convs.Items[0].Participant.ID)
}

// Erasing a WhatsApp person removes their whole conversation: what they
// said, the agent's and the team's replies, the hand-over notice, memories.
func TestEraseWhatsAppPersonIsComplete(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]any{"escalation_rules": []string{"refund"}}, nil)
	num := b.s.ConnectWhatsApp(t, b.acct, b.f)
	say := func(text string) {
		b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Text("16505550123", "wamid."+uuid.NewString(), text)}, nil))
	}
	say("hello, my name is Zofia")
	b.f.Graph.WaitSent(t, 1, 10*time.Second)
	b.s.Settle(t)
	say("I want a refund")
	b.f.Graph.WaitSent(t, 2, 10*time.Second)
	b.s.Settle(t)
	tenant := "/api/portal/tenants/" + b.acct.TenantID.String()
	var list struct{ Items []struct{ ID string } }
	b.acct.Client.Do("GET", tenant+"/conversations?status=escalated", nil).JSON(t, &list)
	require.Len(t, list.Items, 1)
	r := b.acct.Client.Do("POST", tenant+"/conversations/"+list.Items[0].ID+"/messages/human", map[string]any{"text": "Zofia, I'm on it."})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	b.s.Settle(t)
	// Her two messages and the agent's one real reply (not the notice).
	waitMemories(t, b, 3)

	r = b.acct.Client.Do("POST", tenant+"/participants/erase", map[string]any{"connection_id": num.ConnectionID, "participant_id": "16505550123"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, map[string]any{"conversations": float64(1), "messages": float64(5), "memories": float64(3)}, r.Map(t))
	var left int
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM messages WHERE tenant_id = $1) +
		(SELECT count(*) FROM memories WHERE tenant_id = $1) + (SELECT count(*) FROM conversations WHERE tenant_id = $1)`, b.acct.TenantID).Scan(&left))
	require.Zero(t, left)
}

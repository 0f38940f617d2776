package turns_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/channels"
	"github.com/konstruct/konstruct/api/fakes/graphfake"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
	"github.com/konstruct/konstruct/api/store"
	"github.com/konstruct/konstruct/api/turns"
)

// countedWorld is a server with its workers, a fake model, the pool's step
// counter and no debounce or retries, and one account with an agent, Ada.
// extra adds settings, given the fake model's base URL.
func countedWorld(t *testing.T, counter *store.StepCounter, extra func(model string) map[string]string) (*apitest.Server, *apitest.Fakes, *apitest.Account) {
	t.Helper()
	l := llmfake.New(t)
	env := map[string]string{"OPENAI_API_URL": l.URL + "/v1", "PLATFORM_OPENAI_API_KEY": platformKey, "TURN_DEBOUNCE": "0s", "LLM_MAX_RETRIES": "0"}
	if extra != nil {
		for k, v := range extra(l.URL + "/v1") {
			env[k] = v
		}
	}
	s, f := apitest.WithFakes(t, apitest.Opts{Work: true, DBTracer: counter, Env: env})
	acct := s.SignUp(t)
	acct.CreateAgent(t, "Ada")
	return s, f, acct
}

// TestTurnRoundTrips holds the database round trips of an answered Slack
// turn, step by step (store.WithStep). The count is deterministic: the same
// statements run whatever the machine's speed, so a change that adds a
// round trip to the turn path fails here and has to say why. River's own
// fetch and completion are not the turn's (they are batched across jobs) and
// are not counted; the bench reports everything per turn.
func TestTurnRoundTrips(t *testing.T) {
	t.Parallel()
	counter := &store.StepCounter{}
	s, f, acct := countedWorld(t, counter, nil)
	ws := s.InstallSlack(t, acct, f)

	turn := func(n int, ev slackfake.Event) map[string]int64 {
		before := counter.Steps()
		r := s.SlackEvent(t, f, slackfake.Envelope(ws.TeamID, "EvRT"+string(rune('0'+n)), ev))
		require.Equal(t, http.StatusOK, r.Status)
		f.Slack.WaitCalls(t, "chat.update", n, 10*time.Second)
		s.Settle(t)
		after := counter.Steps()
		delta := map[string]int64{}
		for _, k := range store.StepNames(after) {
			if d := after[k] - before[k]; d != 0 && k != store.StepPrepare {
				delta[k] = d
			}
		}
		return delta
	}
	total := func(m map[string]int64) (n int64) {
		for _, v := range m {
			n += v
		}
		return n
	}

	ts := nextTS()
	first := turn(1, slackfake.Mention("UALICE", "CRT", ts, "<@"+ws.BotUserID+"> where is order 42?"))
	t.Logf("first turn: %d round trips %v", total(first), first)
	second := turn(2, slackfake.Event{"type": "app_mention", "user": "UALICE", "channel": "CRT", "ts": nextTS(), "thread_ts": ts,
		"text": "<@" + ws.BotUserID + "> and order 43?"})
	t.Logf("second turn: %d round trips %v", total(second), second)
	third := turn(3, slackfake.Event{"type": "app_mention", "user": "UALICE", "channel": "CRT", "ts": nextTS(), "thread_ts": ts,
		"text": "<@" + ws.BotUserID + "> and order 44?"})
	t.Logf("third turn: %d round trips %v", total(third), third)

	want := map[string]int64{
		// Every transaction begins in its first round trip (store's lazy
		// begin: BEGIN and the tenant ride the first batch or statement).
		// The claim: one batch (the lock, the turn's messages, the
		// tenant's name and — the job names the message's connection and
		// agent — the connection, the agents to choose from, the billing
		// gate's account and budget), one batch (the turn's record, the
		// placeholder's intent, COMMIT). Acknowledge:
		// one batch (the part sent, the placeholder's ref, COMMIT). No
		// turn.think: the model keys are chosen from what the read step
		// loaded (llmkeys.QueuePreload). The read: one batch (the window,
		// the model keys, the memories' rank, the agent's knowledge: its
		// sources, budget and retrieval in one statement) with its COMMIT —
		// the memories' texts and knowledge's rare second statement, in a
		// transaction of their own, only when there is something to load
		// (none here). Record: one batch (reply, usage, audit, COMMIT).
		// Deliver: one batch (the reply delivered, the conversation's
		// time, reply.delivered, the turn's memories — embedded in process,
		// no River job — COMMIT).
		turns.StepClaim: 2, turns.StepAcknowledge: 1, turns.StepRead: 1, turns.StepRecord: 1, turns.StepDeliver: 1,
	}
	// The turn's own steps; the webhook's ingest and the memory job (its
	// owner's) are held apart below or only logged.
	own := func(m map[string]int64) map[string]int64 {
		out := map[string]int64{}
		for k, v := range m {
			if strings.HasPrefix(k, "turn.") {
				out[k] = v
			}
		}
		return out
	}
	require.Equal(t, want, own(first), "a new thread's turn, by step")
	require.Equal(t, want, own(second), "a turn with history, by step")
	require.Equal(t, want, own(third), "a turn with history, by step")
	// The event's ingest, once the connection's last-event time is fresh
	// and River knows the server (the first event writes the one and asks
	// the other): the routing; the message with its turn's job and the
	// COMMIT (the job's insert carries BEGIN, the tenant and the message's
	// statement in front of it, the COMMIT behind). River's NOTIFY, when
	// due, follows the commit and is counted apart (store.StepJobNotify).
	require.Equal(t, int64(2), second[channels.StepIngest], "the ingest of an event routed afresh")
	// The first event's write of the last-event time made a new version of
	// the connection's row, so the second was routed afresh; the router
	// remembered that route (channels.Router), and the third event's
	// transaction checks it in its first round trip instead of routing.
	require.Equal(t, int64(1), third[channels.StepIngest], "the ingest of an event in steady state")
	// With an in-process embedder the memories ride the delivery: no
	// memory job runs.
	for _, m := range []map[string]int64{first, second, third} {
		require.Zero(t, m["job:memory.embed"], "no memory job with an in-process embedder")
	}
}

// TestTurnMemoriesWithAnEmbeddingService: with an embedder that is a
// service (a network call that may fail and is retried), a turn's memories
// are stored by the embed job, not by its delivery: River's insert of the job
// with the delivery (deliver: 2 round trips), then the job's two (the
// messages, then their memories with COMMIT).
func TestTurnMemoriesWithAnEmbeddingService(t *testing.T) {
	t.Parallel()
	counter := &store.StepCounter{}
	s, f, acct := countedWorld(t, counter, func(model string) map[string]string {
		return map[string]string{"EMBEDDER": "openai", "EMBEDDING_URL": model}
	})
	ws := s.InstallSlack(t, acct, f)

	before := counter.Steps()
	r := s.SlackEvent(t, f, slackfake.Envelope(ws.TeamID, "EvES1", slackfake.Mention("UALICE", "CES", nextTS(), "<@"+ws.BotUserID+"> where is order 42?")))
	require.Equal(t, http.StatusOK, r.Status)
	f.Slack.WaitCalls(t, "chat.update", 1, 10*time.Second)
	s.Settle(t)
	after := counter.Steps()
	require.Equal(t, int64(2), after[turns.StepDeliver]-before[turns.StepDeliver], "the delivery with the job's insert")
	require.Equal(t, int64(2), after["job:memory.embed"]-before["job:memory.embed"], "the embed job")

	var n int
	var embedder string
	require.NoError(t, s.DB.Owner.QueryRow(context.Background(), `SELECT count(*), min(embedder) FROM memories WHERE tenant_id = $1`,
		acct.TenantID).Scan(&n, &embedder))
	require.Equal(t, 2, n, "the question and the answer")
	require.True(t, strings.HasPrefix(embedder, "openai/"), embedder)
}

// TestClaimReadsTheConversationsOwnAgent: a Slack turn's job names the agent
// its conversation was created with, so the claim reads the agents with its
// lock; a conversation given another agent since is still answered by that
// agent (the claim reads it in a round trip of its own).
func TestClaimReadsTheConversationsOwnAgent(t *testing.T) {
	t.Parallel()
	l := llmfake.New(t)
	s, f := apitest.WithFakes(t, apitest.Opts{Work: true, Env: map[string]string{
		"OPENAI_API_URL": l.URL + "/v1", "PLATFORM_OPENAI_API_KEY": platformKey,
		"TURN_DEBOUNCE": "0s", "LLM_MAX_RETRIES": "0",
	}})
	acct := s.SignUp(t)
	ids := map[string]string{"Ada": acct.CreateAgent(t, "Ada"), "Bea": acct.CreateAgent(t, "Bea")}
	ws := s.InstallSlack(t, acct, f)
	ctx := context.Background()
	lastAuthor := func() string {
		var author string
		require.NoError(t, s.DB.Owner.QueryRow(ctx, `SELECT author_id FROM messages WHERE tenant_id = $1 AND role = 'assistant'
			ORDER BY seq DESC LIMIT 1`, acct.TenantID).Scan(&author))
		return author
	}

	ts := nextTS()
	r := s.SlackEvent(t, f, slackfake.Envelope(ws.TeamID, "EvOA1", slackfake.Mention("UALICE", "COA", ts, "<@"+ws.BotUserID+"> hello")))
	require.Equal(t, http.StatusOK, r.Status)
	f.Slack.WaitCalls(t, "chat.update", 1, 10*time.Second)
	s.Settle(t)
	require.Equal(t, ids["Ada"], lastAuthor(), "the tenant's first agent answers a new conversation")

	_, err := s.DB.Owner.Exec(ctx, `UPDATE conversations SET agent_id = $1 WHERE tenant_id = $2`, ids["Bea"], acct.TenantID)
	require.NoError(t, err)
	r = s.SlackEvent(t, f, slackfake.Envelope(ws.TeamID, "EvOA2", slackfake.Event{"type": "app_mention", "user": "UALICE", "channel": "COA",
		"ts": nextTS(), "thread_ts": ts, "text": "<@" + ws.BotUserID + "> and now?"}))
	require.Equal(t, http.StatusOK, r.Status)
	f.Slack.WaitCalls(t, "chat.update", 2, 10*time.Second)
	s.Settle(t)
	require.Equal(t, ids["Bea"], lastAuthor(), "the conversation's own agent answers")
}

// TestWhatsAppClaimRoundTrips: a WhatsApp turn's job names its conversation,
// connection and agent as the ingest statement found them, so its claim is
// the Slack turn's two round trips; its ingest is held too.
func TestWhatsAppClaimRoundTrips(t *testing.T) {
	t.Parallel()
	counter := &store.StepCounter{}
	s, f, acct := countedWorld(t, counter, func(string) map[string]string { return map[string]string{"ALLOW_PRIVATE_URLS": "true"} })
	num := s.ConnectWhatsApp(t, acct, f)
	var ingest []int64
	for i, text := range []string{"hello", "and again", "and once more"} {
		before := counter.Steps()
		r := s.WhatsAppEvent(t, f, graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Text("16505550199", "wamid.rt"+string(rune('0'+i)), text)}, nil))
		require.Equal(t, http.StatusOK, r.Status)
		require.Eventually(t, func() bool {
			var n int
			_ = s.DB.Owner.QueryRow(context.Background(), `SELECT count(*) FROM messages WHERE tenant_id = $1 AND role = 'assistant'
				AND delivery_state = 'delivered'`, acct.TenantID).Scan(&n)
			return n == i+1
		}, 30*time.Second, 20*time.Millisecond)
		s.Settle(t)
		require.Equal(t, int64(2), counter.Steps()[turns.StepClaim]-before[turns.StepClaim], "turn %d's claim", i+1)
		ingest = append(ingest, counter.Steps()[channels.StepIngest]-before[channels.StepIngest])
	}
	t.Logf("ingest round trips by delivery: %v", ingest)
	// The second delivery is routed afresh (the first wrote the connection's
	// last-event time: a new row version): the routing; the person (with
	// BEGIN and the tenant); the message; its job; River's NOTIFY with
	// COMMIT. The third's route is remembered and checked with the COMMIT
	// instead of routed.
	require.Equal(t, []int64{5, 4}, ingest[1:], "a WhatsApp delivery's ingest, routed afresh and then remembered")
}

package faults_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/fakes/graphfake"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
	"github.com/konstruct/konstruct/api/turns"
)

// The exactly-once suite: real serve and worker processes, fakes of Meta's
// Graph API and of Slack that (like the real providers) take a message the
// moment the request arrives and may answer late, and inbound webhooks
// redelivered until acknowledged, as Meta and Slack do. Faults:
//
//   - Kills: the worker is SIGKILLed while a send is in flight (the fake
//     holds that answer a moment), several times a run, and restarted 2 s
//     later.
//   - LateAnswers: the provider sends the message but answers after the
//     client's timeout.
//   - ProviderErrors: 5xx after sending, 5xx without sending, 429 with and
//     without Retry-After.
//   - DatabaseCut: PostgreSQL unreachable for longer than the turn deadline
//     (JOB_RESCUE_AFTER), while sends are in flight.
//   - Chaos: all of them in one run.
//
// Every message is acknowledged eventually (the senders redeliver), and each
// must be answered by exactly one visible reply: 0 lost, 0 duplicates.
//
// `go test` runs Chaos once per channel (a few hundred messages); `go tool
// task soak` (FAULTS_SOAK=1) runs every scenario separately, several times,
// with more messages, and writes the figures to test-artifacts/faults/.
func TestExactlyOnceUnderFaults(t *testing.T) {
	t.Parallel()
	soak := os.Getenv("FAULTS_SOAK") != ""
	scenarios := []scenario{chaosScenario(false)}
	runs := 1
	if soak {
		scenarios = []scenario{drainScenario(), killsScenario(), lateScenario(), providerErrorsScenario(), databaseCutScenario(), chaosScenario(true)}
		runs, _ = strconv.Atoi(os.Getenv("FAULTS_RUNS"))
		runs = max(runs, 3)
	}
	for _, channel := range []string{"WhatsApp", "Slack"} {
		t.Run(channel, func(t *testing.T) {
			t.Parallel()
			for _, sc := range scenarios {
				for run := 1; run <= runs; run++ {
					t.Run(fmt.Sprintf("%s%d", sc.name, run), func(t *testing.T) {
						runScenario(t, strings.ToLower(channel), sc)
					})
				}
			}
		})
	}
}

// scenario is one fault run's shape.
type scenario struct {
	name     string
	messages int
	rate     float64 // messages per second
	rescue   string  // JOB_RESCUE_AFTER (the turn deadline)
	// pFault is the share of provider calls that fail, with one of faults.
	pFault float64
	faults []string
	// events are kills and database cuts, at offsets from the start.
	events []chaosEvent
	// think is how long the model takes to answer.
	think time.Duration
}

type chaosEvent struct {
	at   time.Duration
	kind string        // "kill" or "cut"
	long time.Duration // a cut's length
}

const (
	faultLate        = "late"         // sent, answered after the client's timeout
	fault5xxSent     = "5xx_sent"     // sent, then 503
	fault5xxUnsent   = "5xx_unsent"   // 503, not sent
	fault429After    = "429_after"    // 429 with Retry-After: 1
	fault429NoHeader = "429_noheader" // 429 without Retry-After
)

var allFaults = []string{faultLate, fault5xxSent, fault5xxUnsent, fault429After, fault429NoHeader}

func chaosScenario(soak bool) scenario {
	sc := scenario{name: "Chaos", messages: 240, rate: 14, rescue: "5s", pFault: 0.12, faults: allFaults,
		events: []chaosEvent{{at: 1500 * time.Millisecond, kind: "kill"}, {at: 5 * time.Second, kind: "kill"},
			{at: 8 * time.Second, kind: "cut", long: 8 * time.Second}, {at: 17 * time.Second, kind: "kill"}}}
	if soak {
		sc.messages, sc.rate = 600, 20
		sc.events = append(sc.events, chaosEvent{at: 21 * time.Second, kind: "kill"}, chaosEvent{at: 25 * time.Second, kind: "cut", long: 7 * time.Second})
	}
	return sc
}

// drainScenario measures recovery alone: one kill while 60 turns are in
// flight (the model takes 3 s), with JOB_RESCUE_AFTER=20s; the drain is the
// time from the kill until every acknowledged message is answered.
func drainScenario() scenario {
	return scenario{name: "Drain", messages: 60, rate: 30, rescue: "20s", think: 3 * time.Second,
		events: []chaosEvent{{at: 2500 * time.Millisecond, kind: "kill"}}}
}

func killsScenario() scenario {
	sc := scenario{name: "Kills", messages: 400, rate: 15, rescue: "20s"}
	for i := range 4 {
		sc.events = append(sc.events, chaosEvent{at: time.Duration(2+6*i) * time.Second, kind: "kill"})
	}
	return sc
}

func lateScenario() scenario {
	return scenario{name: "LateAnswers", messages: 300, rate: 20, rescue: "5s", pFault: 0.3, faults: []string{faultLate}}
}

func providerErrorsScenario() scenario {
	return scenario{name: "ProviderErrors", messages: 300, rate: 20, rescue: "5s", pFault: 0.3,
		faults: []string{fault5xxSent, fault5xxUnsent, fault429After, fault429NoHeader}}
}

func databaseCutScenario() scenario {
	return scenario{name: "DatabaseCut", messages: 300, rate: 20, rescue: "5s",
		events: []chaosEvent{{at: 3 * time.Second, kind: "cut", long: 8 * time.Second}, {at: 14 * time.Second, kind: "cut", long: 8 * time.Second}}}
}

// Timeouts of the runs: the client's timeout, and the evidence wait.
const (
	outboundTimeout = 2 * time.Second
	evidenceWait    = 5 * time.Second
)

// msg is one inbound chat message of a run.
type msg struct {
	n       int
	who     string // WhatsApp: the sender's number; Slack: the channel
	text    string
	body    []byte
	acked   time.Time // first 2xx
	replied time.Time // first visible reply
}

// reply is what the fake model answers to a message: every fifth gets a
// reply long enough to be sent in two parts (one "You said" paragraph, one
// long one), so later parts (Slack posts, WhatsApp sends) are exercised too.
func reply(text string) string {
	if n, _ := strconv.Atoi(strings.TrimPrefix(text, "message ")); n%5 == 0 {
		return "You said: " + text + "\n\n" + strings.Repeat("Part two of "+text+" goes on and on. ", 150)
	}
	return "You said: " + text
}

// parts is what the user must see for a message: each part of its reply,
// once.
func (m *msg) parts(channel string) []string {
	max := 4096
	if channel == "slack" {
		max = 3900
	}
	return turns.Split(reply(m.text), max)
}

// run is one scenario's state.
type run struct {
	t       *testing.T
	c       *cluster
	sc      scenario
	channel string
	serve   *proc
	worker  *proc
	proxy   *pgProxy
	tn      tenant
	num     apitest.WhatsAppNumber
	msgs    []*msg

	mu      sync.Mutex
	rng     *rand.Rand
	faulty  atomic.Bool
	kill    chan struct{} // armed: the next send in flight triggers the kill
	armed   atomic.Bool
	faulted map[string]int
	kills   []time.Time
}

func runScenario(t *testing.T, channel string, sc scenario) {
	r := &run{t: t, sc: sc, channel: channel, rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 13)),
		kill: make(chan struct{}, 1), faulted: map[string]int{}}
	r.c = newCluster(t, map[string]string{"JOB_RESCUE_AFTER": sc.rescue, "OUTBOUND_TIMEOUT": outboundTimeout.String(),
		"DELIVERY_EVIDENCE_WAIT": evidenceWait.String(), "DB_MAX_CONNS": "6"})
	r.c.llm.Respond(func(req llmfake.Request) llmfake.Reply {
		return llmfake.Reply{Text: reply(strings.Join(req.UserTexts, " | ")), Delay: sc.think}
	})
	r.proxy = newPGProxy(t)
	r.c.viaProxy(r.proxy.Addr())
	r.serve = r.c.start("serve")
	r.worker = r.c.start("worker")
	r.setup()

	start := time.Now()
	senders := r.send()
	for _, ev := range sc.events {
		time.Sleep(time.Until(start.Add(ev.at)))
		switch ev.kind {
		case "kill":
			r.killInFlight()
		case "cut":
			r.proxy.Cut()
			time.Sleep(ev.long) // the outage lasts this long: not an assertion
			r.proxy.Restore()
		}
	}
	senders.Wait()
	r.faulty.Store(false)
	loadDone := time.Now()

	r.waitReplies(3 * time.Minute)
	r.c.settle(2 * time.Minute)
	r.report(time.Since(start), loadDone.Sub(start))
}

// setup creates the tenant and channel, and points the fake's evidence
// webhooks (and faults) at this run.
func (r *run) setup() {
	t, c := r.t, r.c
	s := c.api(r.serve)
	switch r.channel {
	case "whatsapp":
		acct := s.SignUp(t)
		resp := acct.Client.Do("POST", "/api/portal/tenants/"+acct.TenantID.String()+"/agents",
			map[string]any{"name": "Ada", "model": "openai/gpt-4o-mini", "persona": "Calm.", "max_reply_chars": 9000})
		require.Equal(t, http.StatusCreated, resp.Status, "%s", resp.Body)
		r.num = s.ConnectWhatsApp(t, acct, c.fakes)
		r.tn = tenant{acct: acct}
		c.fakes.Graph.DeliverStatuses(r.serve.URL+"/api/webhooks/whatsapp", c.fakes.WhatsAppAppSecret)
		c.fakes.Graph.SetFaults(func(graphfake.Sent) *graphfake.Failure { return r.graphFault() })
	case "slack":
		r.tn = c.tenant(r.serve, map[string]any{"max_reply_chars": 9000})
		c.fakes.Slack.DeliverEvents(r.serve.URL+"/api/webhooks/slack/events", c.fakes.SlackSigningSecret)
		c.fakes.Slack.SetFaults(func(call slackfake.Call) *slackfake.Failure {
			if call.Method != "chat.postMessage" && call.Method != "chat.update" {
				return nil
			}
			return r.slackFault()
		})
	}
	r.faulty.Store(true)
	for i := range r.sc.messages {
		n := int(tsSeq.Add(1))
		m := &msg{n: n, text: fmt.Sprintf("message %d", n)}
		switch r.channel {
		case "whatsapp":
			m.who = fmt.Sprintf("1650%07d", n)
			m.body = graphfake.Delivery(r.num.Number, []graphfake.Message{graphfake.Text(m.who, fmt.Sprintf("wamid.in-%d-%d", n, i), m.text)}, nil)
		case "slack":
			m.who = fmt.Sprintf("C%07d", n)
			ts := fmt.Sprintf("%d.%06d", time.Now().Unix(), n)
			m.body = slackfake.Envelope(r.tn.ws.TeamID, fmt.Sprintf("Ev%07d", n), slackfake.Mention("UALICE", m.who, ts, "<@"+r.tn.ws.BotUserID+"> "+m.text))
		}
		r.msgs = append(r.msgs, m)
	}
}

// fault picks the fate of one provider call: a kill if one is armed (the
// answer is held so the worker dies while the send is in flight), else a
// provider fault with the scenario's probability.
func (r *run) fault() (kind string, hold time.Duration) {
	if r.armed.CompareAndSwap(true, false) {
		select {
		case r.kill <- struct{}{}:
		default:
		}
		return "", 2 * time.Second
	}
	if !r.faulty.Load() || len(r.sc.faults) == 0 {
		return "", 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rng.Float64() >= r.sc.pFault {
		return "", 0
	}
	kind = r.sc.faults[r.rng.IntN(len(r.sc.faults))]
	r.faulted[kind]++
	return kind, 0
}

func (r *run) graphFault() *graphfake.Failure {
	kind, hold := r.fault()
	switch kind {
	case faultLate:
		return &graphfake.Failure{Delay: outboundTimeout + time.Second}
	case fault5xxSent:
		return &graphfake.Failure{Status: http.StatusServiceUnavailable, Accepted: true}
	case fault5xxUnsent:
		return &graphfake.Failure{Status: http.StatusServiceUnavailable}
	case fault429After:
		return &graphfake.Failure{Status: http.StatusTooManyRequests, Code: 130429, Message: "Rate limit hit", RetryAfter: 1}
	case fault429NoHeader:
		return &graphfake.Failure{Status: http.StatusTooManyRequests, Code: 130429, Message: "Rate limit hit"}
	}
	if hold > 0 {
		return &graphfake.Failure{Delay: hold}
	}
	return nil
}

func (r *run) slackFault() *slackfake.Failure {
	kind, hold := r.fault()
	switch kind {
	case faultLate:
		return &slackfake.Failure{Delay: outboundTimeout + time.Second}
	case fault5xxSent:
		return &slackfake.Failure{Status: http.StatusServiceUnavailable, Accepted: true}
	case fault5xxUnsent:
		return &slackfake.Failure{Status: http.StatusServiceUnavailable}
	case fault429After:
		return &slackfake.Failure{RetryAfter: 1}
	case fault429NoHeader:
		return &slackfake.Failure{Status: http.StatusTooManyRequests}
	}
	if hold > 0 {
		return &slackfake.Failure{Delay: hold}
	}
	return nil
}

// send delivers every message at the scenario's rate, each redelivered
// until acknowledged with a 2xx (as Meta and Slack redeliver).
func (r *run) send() *sync.WaitGroup {
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second} // keep-alive, as providers use
	gap := time.Duration(float64(time.Second) / r.sc.rate)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, m := range r.msgs {
			time.Sleep(gap)
			wg.Add(1)
			go func() {
				defer wg.Done()
				wait := 250 * time.Millisecond
				for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); {
					if r.deliver(client, m) {
						r.mu.Lock()
						m.acked = time.Now()
						r.mu.Unlock()
						return
					}
					time.Sleep(wait)
					wait = min(2*wait, 2*time.Second)
				}
			}()
		}
	}()
	return &wg
}

func (r *run) deliver(client *http.Client, m *msg) bool {
	var req *http.Request
	var err error
	switch r.channel {
	case "whatsapp":
		req, err = http.NewRequest("POST", r.serve.URL+"/api/webhooks/whatsapp", bytes.NewReader(m.body))
		if err != nil {
			return false
		}
		req.Header.Set("X-Hub-Signature-256", graphfake.Sign(m.body, r.c.fakes.WhatsAppAppSecret))
	case "slack":
		req, err = http.NewRequest("POST", r.serve.URL+"/api/webhooks/slack/events", bytes.NewReader(m.body))
		if err != nil {
			return false
		}
		slackfake.Sign(req.Header, r.c.fakes.SlackSigningSecret, m.body, time.Now())
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode/100 == 2
}

// killInFlight SIGKILLs the worker while a send is in flight (or after a
// moment if none starts), and starts a new one 2 s later.
func (r *run) killInFlight() {
	r.armed.Store(true)
	select {
	case <-r.kill:
		time.Sleep(200 * time.Millisecond) // the held send is in flight
	case <-time.After(3 * time.Second):
		r.armed.Store(false)
	}
	r.worker.Kill(r.t)
	r.kills = append(r.kills, time.Now())
	time.Sleep(2 * time.Second)
	r.worker = r.c.start("worker")
}

// copies counts, per message, the visible copies of each part of its reply
// (the fewest and the most of any part), when its first part became
// visible, and the stray Slack slots ("…", "Thinking…" never edited).
func (r *run) copies() (fewest, most map[*msg]int, at map[*msg]time.Time, strays int) {
	byWho := map[string]*msg{}
	for _, m := range r.msgs {
		byWho[m.who] = m
	}
	seen := map[*msg]map[string]int{}
	count := func(m *msg, text string) {
		if seen[m] == nil {
			seen[m] = map[string]int{}
		}
		seen[m][text]++
	}
	at = map[*msg]time.Time{}
	switch r.channel {
	case "whatsapp":
		for _, s := range r.c.fakes.Graph.Accepted() {
			if m := byWho[s.Recipient()]; m != nil {
				count(m, s.Text())
				if at[m].IsZero() && s.Text() == m.parts(r.channel)[0] {
					at[m] = s.At
				}
			}
		}
	case "slack":
		for _, s := range r.c.fakes.Slack.Messages() {
			if m := byWho[s.Channel]; m != nil {
				if s.Text == turns.Placeholder || s.Text == turns.Continuation {
					strays++
				}
				count(m, s.Text)
			}
		}
		for _, call := range r.c.fakes.Slack.Calls("chat.update") {
			if m := byWho[call.Form.Get("channel")]; m != nil && at[m].IsZero() && call.Form.Get("text") == m.parts(r.channel)[0] {
				at[m] = call.At
			}
		}
	}
	fewest, most = map[*msg]int{}, map[*msg]int{}
	for _, m := range r.msgs {
		fewest[m] = -1
		for _, p := range m.parts(r.channel) {
			n := seen[m][p]
			if fewest[m] < 0 || n < fewest[m] {
				fewest[m] = n
			}
			most[m] = max(most[m], n)
		}
	}
	return fewest, most, at, strays
}

func (r *run) waitReplies(timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for {
		fewest, _, _, _ := r.copies()
		missing := 0
		for _, m := range r.msgs {
			if fewest[m] == 0 {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			r.t.Errorf("%d of %d messages still unanswered after %s", missing, len(r.msgs), timeout)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// percentile of durations (sorted in place).
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[min(int(p*float64(len(d))), len(d)-1)].Round(time.Millisecond)
}

// report asserts 0 lost and 0 duplicates per acknowledged message, and logs
// (and, in the soak, writes) the run's figures.
func (r *run) report(total, load time.Duration) {
	t := r.t
	fewest, most, at, strays := r.copies()
	lost, dups, acked := 0, 0, 0
	var latencies []time.Duration
	for _, m := range r.msgs {
		if m.acked.IsZero() {
			continue
		}
		acked++
		if fewest[m] == 0 {
			lost++
			t.Errorf("message %d (%s): a part of its reply never reached the user", m.n, m.who)
		}
		if most[m] > 1 {
			dups += most[m] - 1
			t.Errorf("message %d (%s): a part of its reply reached the user %d times", m.n, m.who, most[m])
		}
		if !at[m].IsZero() {
			latencies = append(latencies, max(at[m].Sub(m.acked), 0))
		}
	}
	require.Equal(t, len(r.msgs), acked, "every message was acknowledged in the end (the senders redeliver)")

	var inDoubt, byEvidence, resent, abandoned int
	require.NoError(t, r.c.db.Owner.QueryRow(context.Background(), `SELECT
		count(*) FILTER (WHERE evidence IN ('status', 'metadata') OR attempts > 1),
		count(*) FILTER (WHERE evidence IN ('status', 'metadata')),
		count(*) FILTER (WHERE attempts > 1),
		count(*) FILTER (WHERE state = 'abandoned') FROM outbound_parts`).Scan(&inDoubt, &byEvidence, &resent, &abandoned))
	var jobsLeft int
	require.NoError(t, r.c.db.Owner.QueryRow(context.Background(),
		`SELECT count(*) FROM river_job WHERE kind = 'agent.turn' AND state <> 'completed'`).Scan(&jobsLeft))

	// Which messages had a part in doubt (settled by evidence, or sent again).
	doubted := map[string]bool{}
	rows, err := r.c.db.Owner.Query(context.Background(), `SELECT c.channel_ref FROM outbound_parts p
		JOIN messages m ON m.id = p.message_id JOIN conversations c ON c.id = m.conversation_id
		WHERE p.evidence IN ('status', 'metadata') OR p.attempts > 1`)
	require.NoError(t, err)
	for rows.Next() {
		var ref string
		require.NoError(t, rows.Scan(&ref))
		doubted[ref] = true
	}
	rows.Close()
	var clean, doubtful []time.Duration
	for _, m := range r.msgs {
		if m.acked.IsZero() || at[m].IsZero() {
			continue
		}
		if doubted[m.who] {
			doubtful = append(doubtful, max(at[m].Sub(m.acked), 0))
		} else {
			clean = append(clean, max(at[m].Sub(m.acked), 0))
		}
	}
	// Drain after each kill: until every message acknowledged before it
	// was answered.
	var drains []string
	for _, k := range r.kills {
		var last time.Time
		for _, m := range r.msgs {
			if !m.acked.IsZero() && m.acked.Before(k) && at[m].After(last) {
				last = at[m]
			}
		}
		drains = append(drains, max(last.Sub(k), 0).Round(100*time.Millisecond).String())
	}
	// WhatsApp: how long a part that did not go out (a 429, or a 5xx that
	// left it in doubt) waited before the send that went out.
	var gaps []string
	if r.channel == "whatsapp" {
		firstTry := map[string]time.Time{}
		var resendGaps []time.Duration
		for _, s := range r.c.fakes.Graph.Sent(false) {
			k := s.Recipient() + "\x00" + s.Text()
			if s.WAMID == "" {
				if firstTry[k].IsZero() {
					firstTry[k] = s.At
				}
				continue
			}
			if at := firstTry[k]; !at.IsZero() {
				resendGaps = append(resendGaps, s.At.Sub(at))
			}
		}
		sort.Slice(resendGaps, func(i, j int) bool { return resendGaps[i] < resendGaps[j] })
		for _, g := range resendGaps {
			gaps = append(gaps, g.Round(100*time.Millisecond).String())
		}
	}
	pct := func(p float64) time.Duration { return percentile(latencies, p) }
	fig := map[string]any{"channel": r.channel, "scenario": r.sc.name, "messages": len(r.msgs), "lost": lost, "duplicates": dups,
		"stray_slots": strays, "parts_recovered_or_retried": inDoubt, "resolved_by_evidence": byEvidence, "sent_again": resent,
		"abandoned": abandoned, "faults": r.faulted, "kills": len(r.kills), "jobs_not_completed": jobsLeft,
		"reply_latency_p50": pct(0.5).String(), "reply_latency_p99": pct(0.99).String(), "reply_latency_max": pct(1).String(),
		"latency_p50_clean": percentile(clean, 0.5).String(), "latency_p50_in_doubt": percentile(doubtful, 0.5).String(),
		"latency_max_in_doubt": percentile(doubtful, 1).String(), "messages_in_doubt": len(doubtful), "drain_after_kill": drains,
		"whatsapp_wait_before_successful_resend": gaps, "load_seconds": load.Seconds(), "total_seconds": total.Round(time.Second).Seconds(), "rescue_after": r.sc.rescue}
	out, _ := json.Marshal(fig)
	t.Logf("FIGURES %s", out)
	if os.Getenv("FAULTS_SOAK") != "" {
		dir := filepath.Join("..", "..", "test-artifacts", "faults")
		if os.MkdirAll(dir, 0o755) == nil {
			if f, err := os.OpenFile(filepath.Join(dir, "figures.jsonl"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
				_, _ = f.Write(append(out, '\n'))
				_ = f.Close()
			}
		}
	}
	require.Zero(t, lost, "lost replies")
	require.Zero(t, dups, "duplicate replies")
	require.Zero(t, abandoned, "with evidence webhooks flowing, every in-doubt part is settled by evidence")
	require.Zero(t, jobsLeft, "every turn completed")
}

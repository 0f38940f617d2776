package turns_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/fakes/graphfake"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
	"github.com/konstruct/konstruct/api/turns"
)

// toolAudits returns the metadata of the tenant's tool.called events.
func toolAudits(t *testing.T, b *bundle) []map[string]any {
	t.Helper()
	rows, err := b.s.DB.Owner.Query(context.Background(),
		`SELECT metadata FROM audit_events WHERE tenant_id = $1 AND action = 'tool.called' ORDER BY created_at, id`, b.acct.TenantID)
	require.NoError(t, err)
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var m map[string]any
		require.NoError(t, rows.Scan(&m))
		out = append(out, m)
	}
	require.NoError(t, rows.Err())
	return out
}

// requireAuditFreeOf scans every audit row of the tenant, whatever its
// action, for each value.
func requireAuditFreeOf(t *testing.T, b *bundle, values ...string) {
	t.Helper()
	rows, err := b.s.DB.Owner.Query(context.Background(),
		`SELECT action, concat_ws(' ', action, target_type, target_id, metadata::text) FROM audit_events WHERE tenant_id = $1`, b.acct.TenantID)
	require.NoError(t, err)
	defer rows.Close()
	n := 0
	for rows.Next() {
		var action, row string
		require.NoError(t, rows.Scan(&action, &row))
		n++
		for _, v := range values {
			require.NotContains(t, row, v, "audit event %s", action)
		}
	}
	require.NoError(t, rows.Err())
	require.Positive(t, n)
}

// ticketDesk is a receiving system for a POST tool: it counts requests and
// keeps their Idempotency-Key.
type ticketDesk struct {
	*httptest.Server
	mu   sync.Mutex
	keys []string
}

func newTicketDesk(t *testing.T) *ticketDesk {
	d := &ticketDesk{}
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		d.mu.Lock()
		d.keys = append(d.keys, r.Header.Get("Idempotency-Key"))
		n := len(d.keys)
		d.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ticket":"T-` + string(rune('0'+n)) + `"}`))
	}))
	t.Cleanup(d.Close)
	return d
}

func (d *ticketDesk) requests() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.keys...)
}

func ticketTool(url string) map[string]any {
	return map[string]any{"name": "create_ticket", "description": "Open a support ticket.", "method": "POST", "url": url + "/tickets",
		"parameters": map[string]any{"type": "object", "required": []string{"subject"},
			"properties": map[string]any{"subject": map[string]any{"type": "string"}}}}
}

// A POST tool runs once per call even when the model fails after it: the
// retried turn replays the recorded result instead of asking the model (and
// the endpoint) again; the call is audited once, with a failure kind, never
// an argument. With a failure that ends the turn, the call is audited too.
func TestToolRunsOnceWhenTheTurnRetries(t *testing.T) {
	t.Parallel()
	desk := newTicketDesk(t)
	b := setup(t, map[string]any{"tools": []string{"http_request"}, "http_tools": []any{ticketTool(desk.URL)}}, nil)
	var afterTool atomic.Int32
	b.llm.Respond(func(r llmfake.Request) llmfake.Reply {
		user := strings.Join(r.AllTexts, " ")
		switch {
		case len(r.ToolResults) == 0:
			return llmfake.Reply{ToolCalls: []llmfake.ToolCall{{Name: "create_ticket", Arguments: `{"subject":"printer on fire in room Zebulon"}`}}}
		case strings.Contains(user, "scanner"):
			return llmfake.Reply{Status: http.StatusBadRequest, ErrorCode: "invalid_request_error"}
		case afterTool.Add(1) == 1:
			return llmfake.Reply{Status: http.StatusInternalServerError} // the turn retries
		}
		return llmfake.Reply{Text: "Done: " + strings.Join(r.ToolResults, " ")}
	})
	num := b.s.ConnectWhatsApp(t, b.acct, b.f)
	b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Text("16505550777", "wamid."+uuid.NewString(), "the printer is on fire")}, nil))
	sent := b.f.Graph.WaitSent(t, 1, 20*time.Second)
	b.s.Settle(t)
	require.Equal(t, `Done: HTTP 200`+"\n"+`{"ticket":"T-1"}`, sent[0].Body["text"].(map[string]any)["body"])

	keys := desk.requests()
	require.Len(t, keys, 1, "one ticket for one message")
	var callID string
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(), "SELECT id::text FROM tool_calls WHERE tenant_id = $1", b.acct.TenantID).Scan(&callID))
	require.Equal(t, callID, keys[0], "the Idempotency-Key is the call's id")
	reqs := b.llm.Requests()
	require.Len(t, reqs, 3, "the retry asked only for what came after the recorded call")
	require.Equal(t, reqs[1].ToolResults, reqs[2].ToolResults, "the retry replayed the recorded result")
	audits := toolAudits(t, b)
	require.Len(t, audits, 1)
	require.Equal(t, "create_ticket", audits[0]["tool"])
	require.Equal(t, "ok", audits[0]["outcome"])
	require.Contains(t, audits[0], "duration_ms")

	// The model refuses for good after the call: the turn apologises, and
	// the call that ran is still audited, once.
	b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Text("16505550778", "wamid."+uuid.NewString(), "the scanner is jammed")}, nil))
	sent = b.f.Graph.WaitSent(t, 2, 20*time.Second)
	b.s.Settle(t)
	require.Equal(t, turns.Apology, sent[1].Body["text"].(map[string]any)["body"])
	require.Len(t, desk.requests(), 2)
	require.Len(t, toolAudits(t, b), 2)
	requireAuditFreeOf(t, b, "Zebulon", "printer", "scanner")
}

// Tool failures are audited by kind: an argument that fails its pattern, a
// time zone that is really a name and number, an endpoint answering 404
// with the arguments in its body. No audit row of the tenant holds any of
// those values.
func TestToolAuditsHoldNoArguments(t *testing.T) {
	t.Parallel()
	desk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(r.URL.Path, "/customers/") {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"no customer named ` + strings.TrimPrefix(r.URL.Path, "/customers/") + `"}`))
			return
		}
		_, _ = w.Write(append([]byte(`{"charged":true,"echo":`), append(body, '}')...))
	}))
	t.Cleanup(desk.Close)
	charge := map[string]any{"name": "charge_card", "description": "Charge a card.", "method": "POST", "url": desk.URL + "/charges",
		"parameters": map[string]any{"type": "object", "required": []string{"card"},
			"properties": map[string]any{"card": map[string]any{"type": "string", "pattern": "^tok_[a-z]+$"}}}}
	lookup := map[string]any{"name": "find_customer", "description": "Find a customer by name.", "method": "GET", "url": desk.URL + "/customers/{name}",
		"parameters": map[string]any{"type": "object", "required": []string{"name"}, "properties": map[string]any{"name": map[string]any{"type": "string"}}}}
	b := setup(t, map[string]any{"tools": []string{"current_time", "http_request"}, "http_tools": []any{charge, lookup}}, nil)
	b.llm.Respond(func(r llmfake.Request) llmfake.Reply {
		if len(r.ToolResults) == 0 {
			return llmfake.Reply{ToolCalls: []llmfake.ToolCall{
				{Name: "charge_card", Arguments: `{"card":"4111111111111111"}`},
				{Name: "current_time", Arguments: `{"timezone":"Zofia Kowalska, 7781"}`},
				{Name: "find_customer", Arguments: `{"name":"Przybyszewski"}`},
				{Name: "charge_card", Arguments: `{"card":"tok_quagmire"}`},
				{Name: "no_such_tool", Arguments: `{"x":"Wolfeschlegel"}`},
			}}
		}
		return llmfake.Reply{Text: "Handled."}
	})
	ws := b.s.InstallSlack(t, b.acct, b.f)
	b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev1", slackfake.DirectMessage("UCARD", "DCARD", nextTS(), "charge my card please")))
	b.f.Slack.WaitCalls(t, "chat.update", 1, 10*time.Second)
	b.s.Settle(t)

	reqs := b.llm.Requests()
	results := strings.Join(reqs[len(reqs)-1].ToolResults, "\n")
	require.Contains(t, results, "4111111111111111", "the model is told what was wrong")
	require.Contains(t, results, "Zofia Kowalska, 7781")
	require.Contains(t, results, "no customer named Przybyszewski")

	requireAuditFreeOf(t, b, "4111111111111111", "Zofia", "Kowalska", "7781", "Przybyszewski", "quagmire", "Wolfeschlegel", "charge my card")
	type outcome struct {
		tool, outcome, failure string
		status                 float64
	}
	var got []outcome
	for _, a := range toolAudits(t, b) {
		tool, _ := a["tool"].(string)
		o, _ := a["outcome"].(string)
		f, _ := a["failure"].(string)
		s, _ := a["http_status"].(float64)
		got = append(got, outcome{tool, o, f, s})
	}
	require.Equal(t, []outcome{
		{"charge_card", "error", "invalid_arguments", 0},
		{"current_time", "error", "invalid_arguments", 0},
		{"find_customer", "error", "http_status", 404},
		{"charge_card", "ok", "", 0},
		{"no_such_tool", "error", "unknown_tool", 0},
	}, got)

	// The audit API shows the same rows.
	r := b.acct.Client.Do("GET", "/api/portal/tenants/"+b.acct.TenantID.String()+"/audit-events?action=tool.called", nil)
	var events struct{ Items []json.RawMessage }
	r.JSON(t, &events)
	require.Len(t, events.Items, 5)
	require.NotContains(t, string(r.Body), "4111111111111111")
}

// A model that keeps calling tools on its last allowed round, though told
// not to, still gets an answer out: its text when it wrote one, else a clean
// fallback. The turn is delivered (not failed or flagged), and the calls that
// ran are audited.
func TestModelIgnoringToolChoiceStillAnswers(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]any{"tools": []string{"current_time"}}, nil)
	b.llm.Respond(func(r llmfake.Request) llmfake.Reply {
		reply := llmfake.Reply{ToolCalls: []llmfake.ToolCall{{Name: "current_time", Arguments: `{}`}}, IgnoreToolChoice: true}
		if strings.Contains(strings.Join(r.AllTexts, " "), "with words") && r.Body["tool_choice"] == "none" {
			reply.Text = "It is about noon."
		}
		return reply
	})
	ws := b.s.InstallSlack(t, b.acct, b.f)
	b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev1", slackfake.Mention("UCLOCK", "C1", nextTS(), "<@"+ws.BotUserID+"> what time is it?")))
	updates := b.f.Slack.WaitCalls(t, "chat.update", 1, 10*time.Second)
	b.s.Settle(t)
	require.Equal(t, turns.NoAnswer, updates[0].Form.Get("text"))
	reqs := b.llm.Requests()
	require.Len(t, reqs, 4)
	require.Equal(t, "none", reqs[3].Body["tool_choice"])
	require.Len(t, toolAudits(t, b), 3, "the three rounds that ran are audited; the ignored calls did not run")

	b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev2", slackfake.Mention("UCLOCK", "C1", nextTS(), "<@"+ws.BotUserID+"> the time, with words")))
	updates = b.f.Slack.WaitCalls(t, "chat.update", 2, 10*time.Second)
	b.s.Settle(t)
	require.Equal(t, "It is about noon.", updates[1].Form.Get("text"))
	require.Len(t, toolAudits(t, b), 6)

	var failed, flagged int
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM messages WHERE tenant_id = $1 AND role = 'assistant' AND delivery_state <> 'delivered'),
		(SELECT count(*) FROM conversations WHERE tenant_id = $1 AND flagged_at IS NOT NULL)`, b.acct.TenantID).Scan(&failed, &flagged))
	require.Zero(t, failed)
	require.Zero(t, flagged)
	requireAuditFreeOf(t, b, "what time is it")
}

// A call whose end could not be recorded (as when the worker dies while the
// endpoint answers) is not sent again by the retried turn: the model is told
// its outcome is unknown, and it is audited once, as unknown.
func TestInterruptedToolCallIsNotRepeated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var b *bundle
	var calls atomic.Int32
	desk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		// The worker cannot record what happened next: its database role
		// loses the right to (this test's own database).
		_, err := b.s.DB.Owner.Exec(ctx, "REVOKE UPDATE ON tool_calls FROM konstruct_app")
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte(`{"ticket":"T-9"}`))
	}))
	t.Cleanup(desk.Close)
	b = setup(t, map[string]any{"tools": []string{"http_request"}, "http_tools": []any{ticketTool(desk.URL)}}, nil)
	b.llm.Respond(func(r llmfake.Request) llmfake.Reply {
		if len(r.ToolResults) == 0 {
			return llmfake.Reply{ToolCalls: []llmfake.ToolCall{{Name: "create_ticket", Arguments: `{"subject":"broken chair"}`}}}
		}
		return llmfake.Reply{Text: "Result: " + strings.Join(r.ToolResults, " ")}
	})
	ws := b.s.InstallSlack(t, b.acct, b.f)
	b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev1", slackfake.DirectMessage("UCHAIR", "DCHAIR", nextTS(), "my chair is broken")))
	require.Eventually(t, func() bool { // the first attempt failed; River retries it a second later
		var failures int
		_ = b.s.DB.Owner.QueryRow(ctx, "SELECT coalesce(array_length(errors, 1), 0) FROM river_job WHERE kind = 'agent.turn'").Scan(&failures)
		return failures == 1
	}, 10*time.Second, 10*time.Millisecond)
	_, err := b.s.DB.Owner.Exec(ctx, "GRANT UPDATE ON tool_calls TO konstruct_app")
	require.NoError(t, err)

	updates := b.f.Slack.WaitCalls(t, "chat.update", 1, time.Minute) // a missed second falls to River's next retry
	b.s.Settle(t)
	require.Contains(t, updates[0].Form.Get("text"), "Result: error: this call was interrupted")
	require.EqualValues(t, 1, calls.Load(), "not sent again")
	audits := toolAudits(t, b)
	require.Len(t, audits, 1)
	require.Equal(t, "unknown", audits[0]["outcome"])
	require.Equal(t, "outcome_unknown", audits[0]["failure"])
	requireAuditFreeOf(t, b, "broken chair")
}

package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
	"github.com/konstruct/konstruct/api/fakes/otlpfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
)

// incoming is a W3C traceparent a caller (a proxy, another service) sends.
const (
	incomingTrace  = "4bf92f3577b34da6a3ce929d0e0e4736"
	incomingParent = "00f067aa0ba902b7"
)

func TestTracingExportsRequestAndJobSpans(t *testing.T) {
	t.Parallel()
	col := otlpfake.New(t)
	logs := &syncBuffer{}
	l := llmfake.New(t)
	s, f := apitest.WithFakes(t, apitest.Opts{Work: true, LogTo: logs, Env: map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": col.URL, "OTEL_SERVICE_NAME": "konstruct-test",
		"LOG_LEVEL": "debug", "OPENAI_API_URL": l.URL + "/v1", "PLATFORM_OPENAI_API_KEY": "sk-x", "TURN_DEBOUNCE": "0s"}})
	require.True(t, s.App.Tracing.Enabled())
	// A span ends after its response is written, so flush until it shows.
	spans := func(pred func(otlpfake.Span) bool) []otlpfake.Span {
		t.Helper()
		var out []otlpfake.Span
		require.Eventually(t, func() bool {
			_ = s.App.Tracing.Flush(context.Background()) // a failure shows as the span missing
			out = out[:0]
			for _, sp := range col.Spans() {
				if pred(sp) {
					out = append(out, sp)
				}
			}
			return len(out) > 0
		}, 10*time.Second, 20*time.Millisecond)
		return out
	}
	named := func(name string) otlpfake.Span {
		t.Helper()
		return spans(func(sp otlpfake.Span) bool { return sp.Name == name })[0]
	}

	acct := s.SignUp(t)
	tenant := acct.TenantID.String()
	require.Equal(t, http.StatusCreated, acct.Client.Do("POST", "/api/portal/tenants/"+tenant+"/agents",
		map[string]any{"name": "A", "model": "openai/gpt-4o-mini"}, "traceparent", "00-"+incomingTrace+"-"+incomingParent+"-01").Status)
	ws := s.InstallSlack(t, acct, f)
	token := acct.Token(t, "member")
	require.Equal(t, http.StatusOK, s.WithToken(t, token).Do("GET", "/api/portal/tenants/"+tenant+"/agents", nil).Status)
	require.Equal(t, http.StatusOK, acct.Client.Do("GET", "/healthz", nil).Status)

	// (a) A server span per request, named by method and route template,
	// continuing the caller's W3C trace context.
	create := named("POST /api/portal/tenants/:tenant_id/agents")
	require.Equal(t, "201", create.Attrs["http.status_code"])
	require.Equal(t, "/api/portal/tenants/:tenant_id/agents", create.Attrs["http.route"])
	require.Equal(t, "SPAN_KIND_SERVER", create.Kind.String())
	require.Equal(t, incomingTrace, create.TraceID, "the traceparent header is honoured")
	require.Equal(t, incomingParent, create.ParentID)
	require.Equal(t, "konstruct-test", create.Resource["service.name"])
	callback := named("GET /api/portal/channels/slack/callback")
	require.Equal(t, "200", callback.Attrs["http.status_code"])

	// The request's access log line names the same trace.
	var sawLine bool
	for _, line := range logs.lines() {
		if line["msg"] == "http request" && line["route"] == "/api/portal/tenants/:tenant_id/agents" && line["method"] == "POST" {
			require.Equal(t, incomingTrace, line["trace_id"], "%v", line)
			sawLine = true
		}
	}
	require.True(t, sawLine)

	// (b) A Slack event enqueues an agent turn: the job's run has a span,
	// linked to the webhook request's trace, and its log lines carry it.
	s.SlackEvent(t, f, slackfake.Envelope(ws.TeamID, "Ev1", slackfake.Mention("U1", "C1", "1700000000.000001", "<@"+ws.BotUserID+"> hi")))
	f.Slack.WaitCalls(t, "chat.update", 1, 10*time.Second)
	s.Settle(t)
	webhook := named("POST /api/webhooks/slack/events")
	require.Equal(t, "200", webhook.Attrs["http.status_code"])
	turns := spans(func(sp otlpfake.Span) bool { return sp.Name == "river.work/agent.turn" })
	work := turns[0]
	require.Equal(t, "SPAN_KIND_CONSUMER", work.Kind.String())
	require.Equal(t, "agent.turn", work.Attrs["kind"])
	require.NotEmpty(t, work.Attrs["queue"])
	require.Equal(t, "1", work.Attrs["attempt"])
	require.Equal(t, "ok", work.Attrs["status"])
	require.Equal(t, "completed", work.Attrs["outcome"], "the same outcome as konstruct_jobs_total")
	require.Contains(t, work.Links, webhook.TraceID, "the run links back to the request that enqueued it")
	turnTraces := map[any]bool{}
	for _, sp := range turns {
		turnTraces[sp.TraceID] = true
	}
	var sawJobLine bool
	for _, line := range logs.lines() {
		if line["job_kind"] == "agent.turn" {
			require.True(t, turnTraces[line["trace_id"]], "a turn's line names its run's trace: %v", line)
			sawJobLine = true
		}
	}
	require.True(t, sawJobLine, "job log lines carry the job span's trace id")

	// Probes are not traced; no span is named by a raw path; and no
	// secret the requests carried is in any span: not the OAuth code or
	// state (query strings are never recorded), the API token, the session
	// cookie, the password or the Slack signing secret.
	all := col.Spans()
	for _, sp := range all {
		require.NotEqual(t, "GET /healthz", sp.Name)
		require.NotContains(t, sp.Name, tenant)
		for k, v := range sp.Attrs {
			for _, secret := range []string{"code-", "state=", "?", token, acct.Password, f.SlackSigningSecret, ws.Token, "konstruct_session", "Bearer"} {
				require.NotContains(t, v, secret, "span %q attribute %s", sp.Name, k)
			}
		}
	}
}

func TestTracingOffExportsNothing(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	s := apitest.New(t, apitest.Opts{Work: true, LogTo: logs, Env: map[string]string{"LOG_LEVEL": "debug"}})
	require.False(t, s.App.Tracing.Enabled())

	// A caller's traceparent is not picked up either: with tracing off no
	// log line claims a trace.
	acct := s.SignUp(t)
	require.Equal(t, http.StatusCreated, acct.Client.Do("POST", "/api/portal/tenants/"+acct.TenantID.String()+"/agents",
		map[string]any{"name": "A", "model": "openai/gpt-4o-mini"}, "traceparent", "00-"+incomingTrace+"-"+incomingParent+"-01").Status)
	s.Settle(t)
	var sawRequest bool
	for _, line := range logs.lines() {
		require.NotContains(t, line, "trace_id", "%v", line)
		if line["msg"] == "http request" && strings.HasPrefix(line["route"].(string), "/api/portal/tenants/:tenant_id/agents") {
			sawRequest = true
		}
	}
	require.True(t, sawRequest)
}

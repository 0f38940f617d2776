package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(s.b.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

func TestMetricsAndLogContext(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	l := llmfake.New(t)
	s, f := apitest.WithFakes(t, apitest.Opts{Work: true, LogTo: logs, Env: map[string]string{
		"LOG_LEVEL": "debug", "METRICS_TOKEN": "scrape-me", "OPENAI_API_URL": l.URL + "/v1", "PLATFORM_OPENAI_API_KEY": "sk-x",
		"TURN_DEBOUNCE": "0s"}})
	acct := s.SignUp(t)
	require.Equal(t, http.StatusCreated, acct.Client.Do("POST", "/api/portal/tenants/"+acct.TenantID.String()+"/agents",
		map[string]any{"name": "A", "model": "openai/gpt-4o-mini"}).Status)
	ws := s.InstallSlack(t, acct, f)
	s.SlackEvent(t, f, slackfake.Envelope(ws.TeamID, "Ev1", slackfake.Mention("U1", "C1", "1700000000.000001", "<@"+ws.BotUserID+"> hi")))
	f.Slack.WaitCalls(t, "chat.update", 1, 10*time.Second)
	s.Settle(t)
	bad := http.Header{}
	slackfake.Sign(bad, "wrong", []byte("{}"), time.Now())
	require.Equal(t, http.StatusUnauthorized, s.Raw(t, "POST", "/api/webhooks/slack/events", []byte("{}"), bad).Status)

	c := s.Client(t)
	require.Equal(t, http.StatusUnauthorized, c.Do("GET", "/metrics", nil).Status)
	var body string
	require.Eventually(t, func() bool {
		r := c.Do("GET", "/metrics", nil, "Authorization", "Bearer scrape-me")
		body = string(r.Body)
		return r.Status == http.StatusOK && strings.Contains(body, `konstruct_jobs_total{kind="agent.turn",outcome="completed"}`)
	}, 10*time.Second, 50*time.Millisecond)
	for _, want := range []string{
		`konstruct_http_requests_total{method="POST",route="/api/portal/tenants/:tenant_id/agents",status="201"} 1`,
		`konstruct_webhook_rejections_total{provider="slack",reason="signature"} 1`,
		`konstruct_llm_calls_total{model="openai/gpt-4o-mini",outcome="ok",provider="openai"} 1`,
		`konstruct_llm_tokens_total{direction="output",model="openai/gpt-4o-mini",provider="openai"}`,
		`konstruct_job_duration_seconds_bucket{kind="agent.turn",outcome="completed"`,
		`konstruct_queue_jobs`,
	} {
		require.Contains(t, body, want)
	}
	require.NotContains(t, body, acct.TenantID.String(), "no tenant ids in labels")

	// Every request line has its request id and, once known, its tenant;
	// every job line has its job id and tenant.
	var sawJob, sawRequest bool
	for _, line := range logs.lines() {
		if line["msg"] == "http request" {
			require.NotEmpty(t, line["request_id"], "%v", line)
			if strings.HasPrefix(line["route"].(string), "/api/portal/tenants/:tenant_id") {
				require.Equal(t, acct.TenantID.String(), line["tenant_id"], "%v", line)
				sawRequest = true
			}
		}
		if line["job_kind"] == "agent.turn" {
			require.NotEmpty(t, line["job_id"])
			require.Equal(t, acct.TenantID.String(), line["tenant_id"])
			sawJob = true
		}
	}
	require.True(t, sawRequest)
	require.True(t, sawJob, "the job middleware logs each run with its scope")
}

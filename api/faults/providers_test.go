package faults_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
	"github.com/konstruct/konstruct/api/turns"
)

// inProcess starts a server with workers in this process (faster than the
// OS-process cluster; these faults are outside konstruct, not in it), with
// an agent and an installed workspace. llmEnv overrides where the models are.
func inProcess(t *testing.T, l *llmfake.Server, llmEnv map[string]string, agent map[string]any) (*apitest.Server, *apitest.Fakes, tenant) {
	t.Helper()
	env := map[string]string{
		"OPENAI_API_URL": l.URL + "/v1", "PLATFORM_OPENAI_API_KEY": platformKey,
		"ANTHROPIC_API_URL": l.URL, "PLATFORM_ANTHROPIC_API_KEY": platformKey,
		"TURN_DEBOUNCE": "0s", "LLM_MAX_RETRIES": "0", "ALLOW_PRIVATE_URLS": "true",
	}
	for k, v := range llmEnv {
		env[k] = v
	}
	s, f := apitest.WithFakes(t, apitest.Opts{Work: true, Env: env})
	acct := s.SignUp(t)
	body := map[string]any{"name": "Ada", "model": "openai/gpt-4o-mini", "persona": "Calm."}
	for k, v := range agent {
		body[k] = v
	}
	r := acct.Client.Do("POST", "/api/portal/tenants/"+acct.TenantID.String()+"/agents", body)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	return s, f, tenant{acct: acct, ws: s.InstallSlack(t, acct, f)}
}

func mention(tn tenant, channel, text string) []byte {
	ts := fmt.Sprintf("%d.%06d", time.Now().Unix(), tsSeq.Add(1))
	return slackfake.Envelope(tn.ws.TeamID, fmt.Sprintf("Ev%d", tsSeq.Add(1)), slackfake.Mention("UBOB", channel, ts, "<@"+tn.ws.BotUserID+"> "+text))
}

func callsIn(f *apitest.Fakes, method, channel string) []slackfake.Call {
	var out []slackfake.Call
	for _, c := range f.Slack.Calls(method) {
		if c.Form.Get("channel") == channel {
			out = append(out, c)
		}
	}
	return out
}

// The primary model's server refuses connections: the fallback model
// answers. Then the fallback fails too (503 on every attempt): once River's
// attempts are spent, the user gets the apology in place of the placeholder
// and the conversation is flagged. (A 5xx of the primary alone is covered by
// turns.TestFallbackOnServerError.)
func TestLLMDownFallbackThenApology(t *testing.T) {
	t.Parallel()
	l := llmfake.New(t)
	dead := "http://" + freeAddr(t) + "/v1" // nothing listens: connection refused
	s, f, tn := inProcess(t, l, map[string]string{"OPENAI_API_URL": dead},
		map[string]any{"model": "openai/gpt-4o-mini", "fallback_models": []string{"anthropic/claude-3-5-haiku-latest"}})

	// Primary down, fallback up.
	r := s.SlackEvent(t, f, mention(tn, "CFALL", "first"))
	require.Equal(t, http.StatusOK, r.Status)
	require.Eventually(t, func() bool { return len(callsIn(f, "chat.update", "CFALL")) == 1 }, 15*time.Second, 20*time.Millisecond)
	s.Settle(t)
	require.Equal(t, "You said: first", callsIn(f, "chat.update", "CFALL")[0].Form.Get("text"))
	reqs := l.Requests()
	require.Len(t, reqs, 1)
	require.Equal(t, "anthropic", reqs[0].Format, "the fallback answered")
	var model string
	require.NoError(t, s.DB.Owner.QueryRow(context.Background(), "SELECT model FROM usage_records WHERE tenant_id = $1", tn.acct.TenantID).Scan(&model))
	require.Equal(t, "anthropic/claude-3-5-haiku-latest", model)

	// Everything down.
	l.Respond(func(llmfake.Request) llmfake.Reply { return llmfake.Reply{Status: http.StatusServiceUnavailable} })
	r = s.SlackEvent(t, f, mention(tn, "CDOWN", "second"))
	require.Equal(t, http.StatusOK, r.Status)
	var jobID int64
	require.Eventually(t, func() bool {
		return s.DB.Owner.QueryRow(context.Background(), `SELECT id FROM river_job WHERE kind = 'agent.turn' AND args->>'tenant_id' = $1
			ORDER BY id DESC LIMIT 1`, tn.acct.TenantID.String()).Scan(&jobID) == nil && jobID > 0
	}, 10*time.Second, 20*time.Millisecond)
	// Skip River's backoff between attempts (1 s, 16 s, 81 s, …): make each
	// retry due now, until the job gives up.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var state string
		require.NoError(t, s.DB.Owner.QueryRow(context.Background(), "SELECT state FROM river_job WHERE id = $1", jobID).Scan(&state))
		if state == "cancelled" {
			break
		}
		require.Contains(t, []string{"available", "running", "retryable"}, state)
		require.True(t, time.Now().Before(deadline), "the turn never gave up (state %s)", state)
		_, err := s.DB.Owner.Exec(context.Background(), "UPDATE river_job SET state = 'available', scheduled_at = now() WHERE id = $1 AND state = 'retryable'", jobID)
		require.NoError(t, err)
		time.Sleep(20 * time.Millisecond)
	}
	var attempt, maxAttempts int
	require.NoError(t, s.DB.Owner.QueryRow(context.Background(), "SELECT attempt, max_attempts FROM river_job WHERE id = $1", jobID).Scan(&attempt, &maxAttempts))
	require.Equal(t, maxAttempts, attempt, "gave up after the last attempt")
	require.Len(t, l.Requests(), 1+maxAttempts, "one fallback call per attempt (the primary refuses connections)")

	posts, updates := callsIn(f, "chat.postMessage", "CDOWN"), callsIn(f, "chat.update", "CDOWN")
	require.Len(t, posts, 1, "one placeholder across all attempts")
	require.Len(t, updates, 1)
	require.Equal(t, turns.Apology, updates[0].Form.Get("text"))
	var flagged bool
	var reason string
	require.NoError(t, s.DB.Owner.QueryRow(context.Background(), `SELECT flagged_at IS NOT NULL, coalesce(flag_reason, '') FROM conversations
		WHERE tenant_id = $1 AND channel_ref = 'CDOWN'`, tn.acct.TenantID).Scan(&flagged, &reason))
	require.True(t, flagged)
	require.Contains(t, reason, "The agent could not answer")
	var state string
	require.NoError(t, s.DB.Owner.QueryRow(context.Background(), "SELECT delivery_state FROM messages WHERE turn_job_id = $1", jobID).Scan(&state))
	require.Equal(t, "failed", state)
}

// Slack answers 429 with Retry-After, first to the placeholder, then to the
// reply: the turn snoozes for the time Slack asked (without spending an
// attempt or asking the model again) and delivers afterwards.
func TestSlackRateLimitSnoozesAndDelivers(t *testing.T) {
	t.Parallel()
	l := llmfake.New(t)
	s, f, tn := inProcess(t, l, nil, nil)
	f.Slack.Fail("chat.postMessage", slackfake.Failure{RetryAfter: 1, Times: 1})
	f.Slack.Fail("chat.update", slackfake.Failure{RetryAfter: 1, Times: 1})

	r := s.SlackEvent(t, f, mention(tn, "CRATE", "hello"))
	require.Equal(t, http.StatusOK, r.Status)
	require.Eventually(t, func() bool { return len(callsIn(f, "chat.update", "CRATE")) == 2 }, 20*time.Second, 20*time.Millisecond)
	s.Settle(t)

	posts, updates := callsIn(f, "chat.postMessage", "CRATE"), callsIn(f, "chat.update", "CRATE")
	require.Len(t, posts, 2, "the rate-limited placeholder, then the placeholder")
	require.Len(t, updates, 2, "the rate-limited reply, then the reply")
	require.Equal(t, "You said: hello", updates[1].Form.Get("text"))
	require.GreaterOrEqual(t, posts[1].At.Sub(posts[0].At), time.Second, "waited for Retry-After")
	require.GreaterOrEqual(t, updates[1].At.Sub(updates[0].At), time.Second, "waited for Retry-After")
	require.Len(t, l.Requests(), 1, "the model was asked once")

	var state string
	var attempt, snoozes int
	require.NoError(t, s.DB.Owner.QueryRow(context.Background(), `SELECT state, attempt, coalesce((metadata->>'snoozes')::int, 0) FROM river_job
		WHERE kind = 'agent.turn' AND args->>'tenant_id' = $1`, tn.acct.TenantID.String()).Scan(&state, &attempt, &snoozes))
	require.Equal(t, "completed", state)
	require.Equal(t, 2, snoozes, "snoozed once per 429")
	require.Equal(t, 1, attempt, "snoozes spend no attempt")
}

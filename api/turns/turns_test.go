package turns_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/fakes/graphfake"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
	"github.com/konstruct/konstruct/api/turns"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const platformKey = "sk-platform-test"

type bundle struct {
	s    *apitest.Server
	f    *apitest.Fakes
	llm  *llmfake.Server
	acct *apitest.Account
	// agent is the tenant's agent path.
	agent string
}

var tsSeq atomic.Int64

func nextTS() string { return fmt.Sprintf("%d.%06d", time.Now().Unix(), tsSeq.Add(1)) }

type benchBundle struct {
	*bundle
	ws apitest.SlackWorkspace
}

func setupBench(b *testing.B) benchBundle {
	bn := setup(b, nil, nil)
	return benchBundle{bundle: bn, ws: bn.s.InstallSlack(b, bn.acct, bn.f)}
}

// setup starts a server with fakes for Slack, Meta and the LLMs, and a
// tenant with one agent.
func setup(t testing.TB, agent map[string]any, env map[string]string) *bundle {
	t.Helper()
	l := llmfake.New(t)
	e := map[string]string{
		"OPENAI_API_URL": l.URL + "/v1", "PLATFORM_OPENAI_API_KEY": platformKey,
		"ANTHROPIC_API_URL": l.URL, "PLATFORM_ANTHROPIC_API_KEY": platformKey,
		"TURN_DEBOUNCE": "0s", "LLM_MAX_RETRIES": "0", "ALLOW_PRIVATE_URLS": "true",
	}
	for k, v := range env {
		e[k] = v
	}
	s, f := apitest.WithFakes(t, apitest.Opts{Work: true, Env: e})
	acct := s.SignUp(t)
	if agent == nil {
		agent = map[string]any{}
	}
	body := map[string]any{"name": "Ada", "model": "openai/gpt-4o-mini", "persona": "Warm and precise."}
	for k, v := range agent {
		body[k] = v
	}
	r := acct.Client.Do("POST", "/api/portal/tenants/"+acct.TenantID.String()+"/agents", body)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	return &bundle{s: s, f: f, llm: l, acct: acct, agent: "/api/portal/tenants/" + acct.TenantID.String() + "/agents/" + r.Map(t)["id"].(string)}
}

func TestSlackMentionIsAnsweredInTheThread(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	ws := b.s.InstallSlack(t, b.acct, b.f)
	ts := nextTS()
	r := b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev1", slackfake.Mention("UALICE", "C77", ts, "<@"+ws.BotUserID+"> where is order 42?")))
	require.Equal(t, http.StatusOK, r.Status)

	updates := b.f.Slack.WaitCalls(t, "chat.update", 1, 10*time.Second)
	b.s.Settle(t)
	posts := b.f.Slack.Calls("chat.postMessage")
	require.Len(t, posts, 1, "one placeholder")
	require.Equal(t, turns.Placeholder, posts[0].Form.Get("text"))
	require.Equal(t, "C77", posts[0].Form.Get("channel"))
	require.Equal(t, ts, posts[0].Form.Get("thread_ts"), "the reply starts a thread under the mention")
	require.Equal(t, ws.Token, posts[0].Token)
	require.Equal(t, "You said: where is order 42?", updates[0].Form.Get("text"))
	require.Equal(t, "C77", updates[0].Form.Get("channel"))

	reqs := b.llm.Requests()
	require.Len(t, reqs, 1)
	require.Equal(t, "gpt-4o-mini", reqs[0].Model)
	require.Equal(t, platformKey, reqs[0].Key, "no tenant key: the platform's")
	require.Contains(t, reqs[0].System, turns.DisclosureClause)
	require.Contains(t, reqs[0].System, "Warm and precise.")

	// Usage and audit are recorded; the audit has no message text.
	var in, out int64
	var model, source string
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(),
		"SELECT input_tokens, output_tokens, model, key_source FROM usage_records WHERE tenant_id = $1", b.acct.TenantID).Scan(&in, &out, &model, &source))
	require.Positive(t, in)
	require.Positive(t, out)
	require.Equal(t, "openai/gpt-4o-mini", model)
	require.Equal(t, "platform", source)
	r = b.acct.Client.Do("GET", "/api/portal/tenants/"+b.acct.TenantID.String()+"/audit-events?action=agent.replied", nil)
	require.Contains(t, string(r.Body), `"model":"openai/gpt-4o-mini"`)
	require.NotContains(t, string(r.Body), "order 42")

	// A thread reply continues the same conversation, with history.
	b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev2", slackfake.Event{"type": "app_mention", "user": "UALICE", "channel": "C77",
		"ts": nextTS(), "thread_ts": ts, "text": "<@" + ws.BotUserID + "> and order 43?"}))
	b.f.Slack.WaitCalls(t, "chat.update", 2, 10*time.Second)
	b.s.Settle(t)
	reqs = b.llm.Requests()
	require.Equal(t, []string{"and order 43?"}, reqs[1].UserTexts)
	require.Contains(t, reqs[1].AllTexts, "You said: where is order 42?", "the earlier reply is in the window")

	// The conversations API shows it.
	r = b.acct.Client.Do("GET", "/api/portal/tenants/"+b.acct.TenantID.String()+"/conversations", nil)
	var convs struct {
		Items []struct {
			ID          string `json:"id"`
			Participant struct{ ID string }
		}
	}
	r.JSON(t, &convs)
	require.Len(t, convs.Items, 1)
	require.Equal(t, "UALICE", convs.Items[0].Participant.ID)
	r = b.acct.Client.Do("GET", "/api/portal/tenants/"+b.acct.TenantID.String()+"/conversations/"+convs.Items[0].ID+"/messages?limit=3", nil)
	var msgs struct {
		Items []struct {
			Role, Body    string
			DeliveryState string `json:"delivery_state"`
		}
		Next *string `json:"next_cursor"`
	}
	r.JSON(t, &msgs)
	require.Len(t, msgs.Items, 3)
	require.Equal(t, "assistant", msgs.Items[0].Role)
	require.Equal(t, "delivered", msgs.Items[0].DeliveryState)
	require.NotNil(t, msgs.Next)
}

func TestWhatsAppWithAnthropic(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]any{"model": "anthropic/claude-3-5-haiku-latest"}, nil)
	num := b.s.ConnectWhatsApp(t, b.acct, b.f)
	wamid := "wamid." + uuid.NewString()
	r := b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Text("16505551234", wamid, "Are you a bot?")}, nil))
	require.Equal(t, http.StatusOK, r.Status)

	sent := b.f.Graph.WaitSent(t, 1, 10*time.Second)
	b.s.Settle(t)
	require.Equal(t, "16505551234", sent[0].Body["to"])
	require.Equal(t, "You said: Are you a bot?", sent[0].Body["text"].(map[string]any)["body"])
	reads := 0
	for _, m := range b.f.Graph.Sent(true) {
		if m.Body["status"] == "read" {
			reads++
			require.Equal(t, wamid, m.Body["message_id"])
		}
	}
	require.Equal(t, 1, reads, "the message is marked read (with typing) once")
	reqs := b.llm.Requests()
	require.Equal(t, "anthropic", reqs[0].Format)
	require.Equal(t, platformKey, reqs[0].Key)
	require.Contains(t, reqs[0].System, turns.DisclosureClause)
}

func TestTenantKeyIsUsedWhenItExists(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	keys := "/api/portal/tenants/" + b.acct.TenantID.String() + "/llm-keys"
	r := b.acct.Client.Do("POST", keys, map[string]any{"provider": "openai", "label": "Our OpenAI", "api_key": "sk-tenant-own-1234"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = b.acct.Client.Do("POST", b.agent+"/preview", map[string]any{"message": "hello"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, "tenant", r.Map(t)["key_source"])
	require.Equal(t, "sk-tenant-own-1234", b.llm.Requests()[0].Key)

	// A key the provider refuses is marked failing, and the platform key answers.
	b.llm.RejectKey("sk-tenant-own-1234")
	r = b.acct.Client.Do("POST", b.agent+"/preview", map[string]any{"message": "hello again"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, "platform", r.Map(t)["key_source"])
	var list struct {
		Items []struct {
			Status    string
			LastError string `json:"last_error"`
		}
	}
	b.acct.Client.Do("GET", keys, nil).JSON(t, &list)
	require.Equal(t, "failing", list.Items[0].Status)
	require.Contains(t, list.Items[0].LastError, "401")
	r = b.acct.Client.Do("GET", "/api/portal/tenants/"+b.acct.TenantID.String()+"/audit-events?action=llm_key.failing", nil)
	require.Contains(t, string(r.Body), "llm_key.failing")
}

func TestFallbackOnServerError(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]any{"model": "openai/gpt-4o", "fallback_models": []string{"anthropic/claude-3-5-haiku-latest"}}, nil)
	b.llm.Queue("gpt-4o", llmfake.Reply{Status: 500})
	ws := b.s.InstallSlack(t, b.acct, b.f)
	b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev", slackfake.Mention("UBOB", "C1", nextTS(), "<@"+ws.BotUserID+"> hi")))
	updates := b.f.Slack.WaitCalls(t, "chat.update", 1, 10*time.Second)
	b.s.Settle(t)
	require.Equal(t, "You said: hi", updates[0].Form.Get("text"))

	var models []string
	rows, err := b.s.DB.Owner.Query(context.Background(), "SELECT model FROM usage_records WHERE tenant_id = $1", b.acct.TenantID)
	require.NoError(t, err)
	for rows.Next() {
		var m string
		require.NoError(t, rows.Scan(&m))
		models = append(models, m)
	}
	require.Equal(t, []string{"anthropic/claude-3-5-haiku-latest"}, models, "usage is recorded for the model that answered")
}

// A job that delivered and is then run again (the process died before River
// recorded its completion) sends nothing more; one that failed mid-delivery
// resumes without asking the model again.
func TestRetriesNeverSendTwice(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	ws := b.s.InstallSlack(t, b.acct, b.f)
	b.f.Slack.Fail("chat.update", slackfake.Failure{Status: 503, Times: 1}) // the first delivery attempt fails
	b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev", slackfake.Mention("UBOB", "C1", nextTS(), "<@"+ws.BotUserID+"> hi")))

	require.Eventually(t, func() bool {
		var state string
		_ = b.s.DB.Owner.QueryRow(context.Background(), "SELECT delivery_state FROM messages WHERE tenant_id = $1 AND role = 'assistant'", b.acct.TenantID).Scan(&state)
		return state == "delivered"
	}, 20*time.Second, 20*time.Millisecond)
	require.Len(t, b.llm.Requests(), 1, "the retry resumed delivery without generating again")
	require.Len(t, b.f.Slack.Calls("chat.postMessage"), 1, "one placeholder")

	// Run the finished job again, as after a crash before completion was recorded.
	var jobID int64
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(), "SELECT turn_job_id FROM messages WHERE tenant_id = $1 AND role = 'assistant'", b.acct.TenantID).Scan(&jobID))
	updatesBefore := len(b.f.Slack.Calls("chat.update"))
	_, err := b.s.DB.Owner.Exec(context.Background(), "UPDATE river_job SET state = 'available', scheduled_at = now(), finalized_at = NULL WHERE id = $1", jobID)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		var state string
		_ = b.s.DB.Owner.QueryRow(context.Background(), "SELECT state FROM river_job WHERE id = $1", jobID).Scan(&state)
		return state == "completed"
	}, 10*time.Second, 20*time.Millisecond)
	require.Equal(t, updatesBefore, len(b.f.Slack.Calls("chat.update")))
	require.Len(t, b.f.Slack.Calls("chat.postMessage"), 1)
	require.Len(t, b.llm.Requests(), 1)
}

func TestQuickMessagesGetOneReply(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, map[string]string{"TURN_DEBOUNCE": "1s"})
	num := b.s.ConnectWhatsApp(t, b.acct, b.f)
	for _, text := range []string{"Hi", "my order is late", "it is order 77"} {
		r := b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Text("16505559999", "wamid."+uuid.NewString(), text)}, nil))
		require.Equal(t, http.StatusOK, r.Status)
		time.Sleep(300 * time.Millisecond)
	}
	sent := b.f.Graph.WaitSent(t, 1, 10*time.Second)
	b.s.Settle(t)
	time.Sleep(1500 * time.Millisecond) // a second reply would have been sent by now
	sent = b.f.Graph.Sent(false)
	require.Len(t, sent, 1, "three quick messages, one reply")
	require.Equal(t, "You said: Hi | my order is late | it is order 77", sent[0].Body["text"].(map[string]any)["body"])
	require.Len(t, b.llm.Requests(), 1, "one turn")
}

func TestLongRepliesAreSplit(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]any{"max_reply_chars": 9000}, nil)
	para := strings.Repeat("All work and no play makes Jack a dull boy. ", 50) // ~2200 chars
	b.llm.Respond(func(llmfake.Request) llmfake.Reply { return llmfake.Reply{Text: para + "\n\n" + para + "\n\n" + para} })
	num := b.s.ConnectWhatsApp(t, b.acct, b.f)
	b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Text("16505551111", "wamid."+uuid.NewString(), "tell me a story")}, nil))
	// Three ~2,200-character paragraphs: no two fit in 4,096, so three parts.
	sent := b.f.Graph.WaitSent(t, 3, 10*time.Second)
	b.s.Settle(t)
	var total int
	for _, m := range sent {
		body := m.Body["text"].(map[string]any)["body"].(string)
		require.LessOrEqual(t, len([]rune(body)), 4096)
		require.True(t, strings.HasSuffix(body, "boy."), "cut at a paragraph: %q", body[len(body)-20:])
		total += len(body)
	}
	require.Len(t, sent, 3)
	require.Greater(t, total, 6000)
}

func TestNoKeyApologisesAndFlags(t *testing.T) {
	t.Parallel()
	// No Anthropic key anywhere: neither the tenant's nor the platform's.
	b := setup(t, map[string]any{"model": "anthropic/claude-3-5-haiku-latest"}, map[string]string{"PLATFORM_ANTHROPIC_API_KEY": ""})
	ws := b.s.InstallSlack(t, b.acct, b.f)
	b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev", slackfake.Mention("UBOB", "C1", nextTS(), "<@"+ws.BotUserID+"> hi")))
	updates := b.f.Slack.WaitCalls(t, "chat.update", 1, 10*time.Second)
	b.s.Settle(t)
	require.Equal(t, turns.Apology, updates[0].Form.Get("text"))

	r := b.acct.Client.Do("GET", "/api/portal/tenants/"+b.acct.TenantID.String()+"/conversations?flagged=true", nil)
	var convs struct {
		Items []struct {
			FlagReason string `json:"flag_reason"`
		}
	}
	r.JSON(t, &convs)
	require.Len(t, convs.Items, 1)
	require.Contains(t, convs.Items[0].FlagReason, "No Anthropic key can call anthropic/claude-3-5-haiku-latest: add one in Settings → LLM API keys.")
}

func TestInactiveAgentIsSkipped(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]any{"is_active": false}, nil)
	ws := b.s.InstallSlack(t, b.acct, b.f)
	b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev", slackfake.Mention("UBOB", "C1", nextTS(), "<@"+ws.BotUserID+"> hi")))
	require.Eventually(t, func() bool {
		r := b.acct.Client.Do("GET", "/api/portal/tenants/"+b.acct.TenantID.String()+"/audit-events?action=turn.skipped", nil)
		return strings.Contains(string(r.Body), "no_active_agent")
	}, 10*time.Second, 50*time.Millisecond)
	require.Empty(t, b.f.Slack.Calls("chat.postMessage"))
	require.Empty(t, b.llm.Requests())
}

func TestKeysAPI(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, map[string]string{"ALLOW_PRIVATE_URLS": "false"})
	keys := "/api/portal/tenants/" + b.acct.TenantID.String() + "/llm-keys"
	for name, tc := range map[string]struct {
		body     map[string]any
		location string
	}{
		"BadProvider":    {map[string]any{"provider": "mistral", "label": "Mine", "api_key": "k"}, "body.provider"},
		"ShortLabel":     {map[string]any{"provider": "openai", "label": "ab", "api_key": "k"}, "body.label"},
		"EmptyKey":       {map[string]any{"provider": "openai", "label": "Mine", "api_key": ""}, "body.api_key"},
		"PrivateBaseURL": {map[string]any{"provider": "custom", "label": "Mine", "api_key": "k", "base_url": "http://127.0.0.1:11434/v1"}, "body.base_url"},
		"MetadataURL":    {map[string]any{"provider": "custom", "label": "Mine", "api_key": "k", "base_url": "http://169.254.169.254/"}, "body.base_url"},
		"CustomNoURL":    {map[string]any{"provider": "custom", "label": "Mine", "api_key": "k"}, "body.base_url"},
	} {
		r := b.acct.Client.Do("POST", keys, tc.body)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s: %s", name, r.Body)
		require.Equal(t, []string{tc.location}, r.Problem(t).Locations(), name)
	}

	secret := "sk-live-" + uuid.NewString() + "-wxyz"
	r := b.acct.Client.Do("POST", keys, map[string]any{"provider": "openai", "label": "Production", "api_key": secret})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	created := r.Map(t)
	require.Equal(t, "wxyz", created["key_hint"])
	require.NotContains(t, string(r.Body), secret)

	r = b.acct.Client.Do("GET", keys, nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.NotContains(t, string(r.Body), secret)
	var list struct{ Items []map[string]any }
	r.JSON(t, &list)
	require.Len(t, list.Items, 1)
	require.Equal(t, "Production", list.Items[0]["label"])

	// The plaintext is nowhere in the database.
	var found int
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM llm_keys WHERE position(convert_to($1, 'UTF8') in secret_ciphertext) > 0 OR label LIKE '%'||$1||'%') +
		(SELECT count(*) FROM audit_events WHERE metadata::text LIKE '%'||$1||'%')`, secret).Scan(&found))
	require.Zero(t, found)

	// verify=true asks the provider first.
	b.llm.RejectKey("sk-bad")
	r = b.acct.Client.Do("POST", keys+"?verify=true", map[string]any{"provider": "openai", "label": "Typo", "api_key": "sk-bad"})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	require.Equal(t, []string{"body.api_key"}, r.Problem(t).Locations())

	// Members cannot manage keys; deleting is 204 and then 404.
	member := b.s.WithToken(t, b.acct.Token(t, "member"))
	require.Equal(t, http.StatusForbidden, member.Do("GET", keys, nil).Status)
	require.Equal(t, http.StatusNoContent, b.acct.Client.Do("DELETE", keys+"/"+created["id"].(string), nil).Status)
	require.Equal(t, http.StatusNotFound, b.acct.Client.Do("DELETE", keys+"/"+created["id"].(string), nil).Status)
}

func TestPreview(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	r := b.acct.Client.Do("POST", b.agent+"/preview", map[string]any{"message": "Are you human?",
		"history": []map[string]any{{"role": "user", "text": "Hi"}, {"role": "assistant", "text": "Hello!"}}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	res := r.Map(t)
	require.Equal(t, "You said: Are you human?", res["reply"])
	require.Equal(t, "openai/gpt-4o-mini", res["model"])
	require.Positive(t, res["cost_usd"])
	require.Contains(t, b.llm.Requests()[0].AllTexts, "Hello!")

	var purpose string
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(), "SELECT purpose FROM usage_records WHERE tenant_id = $1", b.acct.TenantID).Scan(&purpose))
	require.Equal(t, "preview", purpose)
}

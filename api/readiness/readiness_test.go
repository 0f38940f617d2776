package readiness_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/fakes/graphfake"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
	"github.com/konstruct/konstruct/api/fakes/stripemock"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// The parts of the report these tests read.
type check struct {
	Name, Status, Message string
	Action                *struct{ Label, Path string }
}

type report struct {
	Live         bool
	Next         *check
	Integrations struct {
		Slack, Whatsapp struct {
			Available bool
			Reason    *string
		}
	}
	Agents []struct {
		AgentID string `json:"agent_id"`
		Name    string
		Live    bool
		Checks  []check
		Models  []struct {
			ID       string
			Callable bool
			Reason   *string
		}
	}
	Connections []struct {
		ConnectionID string  `json:"connection_id"`
		AgentID      *string `json:"agent_id"`
		Receives     struct {
			Available bool
			Reason    *string
		}
		Test struct {
			Status string
		}
		RoundTrip struct {
			Status  string
			Proven  bool
			Inbound *struct{ From, Body string }
			Reply   *struct {
				Body, State string
				Model       *string
				Error       *string
			}
		} `json:"round_trip"`
	}
}

func (r *report) check(t *testing.T, agent int, name string) check {
	t.Helper()
	require.Greater(t, len(r.Agents), agent)
	for _, c := range r.Agents[agent].Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("agent %d has no %s check: %+v", agent, name, r.Agents[agent].Checks)
	return check{}
}

func readiness(t *testing.T, a *apitest.Account) *report {
	t.Helper()
	r := a.Client.Do("GET", "/api/portal/tenants/"+a.TenantID.String()+"/readiness", nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var rep report
	r.JSON(t, &rep)
	return &rep
}

func createAgent(t *testing.T, a *apitest.Account, body map[string]any) string {
	t.Helper()
	r := a.Client.Do("POST", "/api/portal/tenants/"+a.TenantID.String()+"/agents", body)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	return r.Map(t)["id"].(string)
}

func sendTest(t *testing.T, a *apitest.Account, channel, to string) {
	t.Helper()
	body := map[string]any{"channel_type": channel}
	if to != "" {
		body["to"] = to
	}
	r := a.Client.Do("POST", "/api/portal/channels/"+a.TenantID.String()+"/test", body)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// The platform has neither Slack nor the Meta app secret: both are
// unavailable with a reason, and the next step says no channel can be
// connected rather than offering one that fails.
func TestUnconfiguredIntegrations(t *testing.T) {
	t.Parallel()
	srv := apitest.New(t, apitest.Opts{})
	acct := srv.SignUp(t)
	rep := readiness(t, acct)
	require.False(t, rep.Live)
	require.False(t, rep.Integrations.Slack.Available)
	require.Contains(t, *rep.Integrations.Slack.Reason, "Slack app")
	require.False(t, rep.Integrations.Whatsapp.Available)
	require.Contains(t, *rep.Integrations.Whatsapp.Reason, "Meta app secret")
	require.NotNil(t, rep.Next)
	require.Equal(t, "channel_connected", rep.Next.Name)
	require.Nil(t, rep.Next.Action, "nothing the tenant can click fixes the platform: %+v", rep.Next)
}

// A number connected where the platform cannot verify WhatsApp webhooks does
// not receive, so its agent is not live even after a successful test.
func TestWhatsAppWithoutAppSecretDoesNotReceive(t *testing.T) {
	t.Parallel()
	srv, fakes := apitest.WithFakes(t, apitest.Opts{Env: map[string]string{"WHATSAPP_APP_SECRET": "", "PLATFORM_OPENAI_API_KEY": "sk-platform"}})
	acct := srv.SignUp(t)
	srv.ConnectWhatsApp(t, acct, fakes)
	createAgent(t, acct, map[string]any{"name": "Ada", "model": "openai/gpt-4o-mini"})
	sendTest(t, acct, "whatsapp", "+15550001234")

	rep := readiness(t, acct)
	require.False(t, rep.Live)
	require.True(t, rep.Integrations.Slack.Available)
	require.False(t, rep.Integrations.Whatsapp.Available)
	require.False(t, rep.Connections[0].Receives.Available)
	recv := rep.check(t, 0, "channel_receives")
	require.Equal(t, "fail", recv.Status)
	require.Contains(t, recv.Message, "Meta app secret")
	require.Equal(t, "Connect Slack instead", recv.Action.Label, "the other channel works here")
	require.Equal(t, "fail", rep.check(t, 0, "test_sent").Status, "a test through a channel that cannot receive proves nothing")
	require.Equal(t, "channel_receives", rep.Next.Name)
}

// The whole loop on WhatsApp without any LLM key: the test goes out, the
// operator's reply arrives but the agent cannot answer, and readiness points
// to adding an OpenAI key; with the key, the next reply is answered by the
// model and the agent is live.
func TestRoundTripNeedsAModelKey(t *testing.T) {
	t.Parallel()
	llm := llmfake.New(t)
	srv, fakes := apitest.WithFakes(t, apitest.Opts{Work: true, Env: map[string]string{
		"OPENAI_API_URL": llm.URL + "/v1", "TURN_DEBOUNCE": "0s", "LLM_MAX_RETRIES": "0"}})
	acct := srv.SignUp(t)
	num := srv.ConnectWhatsApp(t, acct, fakes)
	createAgent(t, acct, map[string]any{"name": "Ada", "model": "openai/gpt-4o-mini"})

	rep := readiness(t, acct)
	require.False(t, rep.Live)
	model := rep.check(t, 0, "model_callable")
	require.Equal(t, "fail", model.Status)
	require.Contains(t, model.Message, "No OpenAI key")
	require.Equal(t, "Add an OpenAI key", model.Action.Label)
	require.Equal(t, "/settings/api-keys?add=openai", model.Action.Path)
	require.False(t, rep.Agents[0].Models[0].Callable)
	require.Equal(t, "not_started", rep.Connections[0].RoundTrip.Status, "no test yet: %+v", rep.Connections[0].RoundTrip)
	require.Equal(t, "fail", rep.check(t, 0, "test_sent").Status)

	const operator = "15550009876"
	sendTest(t, acct, "whatsapp", "+"+operator)
	rep = readiness(t, acct)
	require.Equal(t, "pass", rep.check(t, 0, "test_sent").Status)
	require.Equal(t, "waiting", rep.Connections[0].RoundTrip.Status)
	require.Contains(t, rep.check(t, 0, "round_trip").Message, "Reply to the test message from your own WhatsApp")

	// The operator answers the template from their phone; without a key
	// the agent cannot.
	reply := func(text string) {
		body := graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Text(operator, "wamid."+uuid.NewString(), text)}, nil)
		require.Equal(t, http.StatusOK, srv.WhatsAppEvent(t, fakes, body).Status)
	}
	reply("Hello from my phone")
	require.Eventually(t, func() bool { return readiness(t, acct).Connections[0].RoundTrip.Status == "failed" }, 20*time.Second, 50*time.Millisecond)
	rep = readiness(t, acct)
	trip := rep.Connections[0].RoundTrip
	require.Equal(t, "Chat User", trip.Inbound.From)
	require.Equal(t, "Hello from my phone", trip.Inbound.Body)
	require.Contains(t, *trip.Reply.Error, "No OpenAI key can call openai/gpt-4o-mini: add one in Settings → LLM API keys.")
	require.False(t, trip.Proven)
	require.False(t, rep.Live)
	require.Equal(t, "model_callable", rep.Next.Name, "the key is the one thing to fix: %+v", rep.Next)

	r := acct.Client.Do("POST", "/api/portal/tenants/"+acct.TenantID.String()+"/llm-keys", map[string]any{
		"provider": "openai", "label": "Our OpenAI key", "api_key": "sk-tenant-" + uuid.NewString()[:8]})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	rep = readiness(t, acct)
	require.Equal(t, "pass", rep.check(t, 0, "model_callable").Status)
	require.Contains(t, rep.check(t, 0, "model_callable").Message, "your OpenAI key")
	require.Equal(t, "round_trip", rep.Next.Name)

	reply("Are you there now?")
	require.Eventually(t, func() bool { return readiness(t, acct).Live }, 20*time.Second, 50*time.Millisecond)
	rep = readiness(t, acct)
	trip = rep.Connections[0].RoundTrip
	require.Equal(t, "answered", trip.Status)
	require.True(t, trip.Proven)
	require.Equal(t, "Are you there now?", trip.Inbound.Body)
	require.Equal(t, "delivered", trip.Reply.State)
	require.Equal(t, "openai/gpt-4o-mini", *trip.Reply.Model)
	require.Contains(t, trip.Reply.Body, "Are you there now?", "the model wrote the reply")
	require.Nil(t, rep.Next)
	require.True(t, rep.Agents[0].Live)
}

// Agents whose model no provider offers any more, or for a provider without
// a key, are reported with the fix; a callable fallback makes it a warning.
func TestModelsAgentsCannotCall(t *testing.T) {
	t.Parallel()
	srv := apitest.New(t, apitest.Opts{Env: map[string]string{"PLATFORM_OPENAI_API_KEY": "sk-platform"}})
	acct := srv.SignUp(t)
	// The API refuses a model nobody offers (422), so this agent was saved
	// while its model existed and the provider retired it since.
	typo := createAgent(t, acct, map[string]any{"name": "Typo", "model": "openai/gpt-4o-mini"})
	_, err := srv.DB.Owner.Exec(t.Context(), "UPDATE agents SET model = 'openai/gpt-5-typo' WHERE id = $1", typo)
	require.NoError(t, err)
	createAgent(t, acct, map[string]any{"name": "Fallback", "model": "anthropic/claude-haiku-4-5", "fallback_models": []string{"openai/gpt-4o-mini"}})
	createAgent(t, acct, map[string]any{"name": "Fine", "model": "openai/gpt-4o"})

	rep := readiness(t, acct)
	c := rep.check(t, 0, "model_callable")
	require.Equal(t, "fail", c.Status)
	require.Equal(t, "openai/gpt-5-typo is not a model OpenAI offers.", c.Message)
	require.Equal(t, "Choose another model", c.Action.Label)
	require.Equal(t, "/agents/"+typo, c.Action.Path)

	c = rep.check(t, 1, "model_callable")
	require.Equal(t, "warn", c.Status)
	require.Contains(t, c.Message, "No Anthropic key")
	require.Contains(t, c.Message, "Replies come from the fallback openai/gpt-4o-mini")
	require.Equal(t, "Add an Anthropic key", c.Action.Label)
	require.Equal(t, []bool{false, true}, []bool{rep.Agents[1].Models[0].Callable, rep.Agents[1].Models[1].Callable})

	c = rep.check(t, 2, "model_callable")
	require.Equal(t, "pass", c.Status)
	require.Equal(t, "openai/gpt-4o answers, with the platform’s key.", c.Message)

	// The catalog says the same: OpenAI models through the platform's key,
	// Anthropic ones unavailable with the reason.
	var models struct {
		Items []struct {
			ID        string
			Available bool
			Reason    *string
			KeySource *string `json:"key_source"`
			Priced    bool
		}
	}
	r := acct.Client.Do("GET", "/api/portal/tenants/"+acct.TenantID.String()+"/models", nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r.JSON(t, &models)
	seen := map[string]bool{}
	for _, m := range models.Items {
		seen[m.ID] = true
		require.True(t, m.Priced)
		require.False(t, strings.Contains(m.ID, "embedding"), "embedding models are not for agents")
		if strings.HasPrefix(m.ID, "openai/") {
			require.True(t, m.Available, m.ID)
			require.Equal(t, "platform", *m.KeySource)
			require.Nil(t, m.Reason)
		} else {
			require.False(t, m.Available, m.ID)
			require.Nil(t, m.KeySource)
			require.Contains(t, *m.Reason, "No Anthropic key")
		}
	}
	require.True(t, seen["openai/gpt-4o-mini"] && seen["anthropic/claude-haiku-4-5"], "%v", seen)
}

// A connection answers with its chosen agent, else the first active one:
// the other agents are told which channel to give them.
func TestConnectionAnswersWithOneAgent(t *testing.T) {
	t.Parallel()
	srv, fakes := apitest.WithFakes(t, apitest.Opts{Env: map[string]string{"PLATFORM_OPENAI_API_KEY": "sk-platform"}})
	acct := srv.SignUp(t)
	num := srv.ConnectWhatsApp(t, acct, fakes)
	first := createAgent(t, acct, map[string]any{"name": "First", "model": "openai/gpt-4o-mini"})
	second := createAgent(t, acct, map[string]any{"name": "Second", "model": "openai/gpt-4o-mini"})

	rep := readiness(t, acct)
	require.Equal(t, "pass", rep.check(t, 0, "channel_connected").Status)
	require.Equal(t, first, *rep.Connections[0].AgentID, "no agent chosen: the first active one answers")
	c := rep.check(t, 1, "channel_connected")
	require.Equal(t, "fail", c.Status)
	require.Equal(t, "Choose Second for a channel", c.Action.Label)

	r := acct.Client.Do("PATCH", "/api/portal/tenants/"+acct.TenantID.String()+"/channels/"+num.ConnectionID.String(), map[string]any{"agent_id": second})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	rep = readiness(t, acct)
	require.Equal(t, "fail", rep.check(t, 0, "channel_connected").Status)
	require.Equal(t, "pass", rep.check(t, 1, "channel_connected").Status)
	require.Equal(t, "test_sent", rep.Next.Name, "the agent closest to live decides the next step")
}

// Readiness is a tenant's: another tenant's member gets 404.
func TestReadinessIsTenantScoped(t *testing.T) {
	t.Parallel()
	srv := apitest.Shared(t)
	a, b := srv.SignUp(t), srv.SignUp(t)
	for _, path := range []string{"/readiness", "/models"} {
		r := b.Client.Do("GET", "/api/portal/tenants/"+a.TenantID.String()+path, nil)
		require.Equal(t, http.StatusNotFound, r.Status, "%s: %s", path, r.Body)
	}
}

// On Slack the test is a direct message to the person who installed
// Konstruct; their answer in that DM is the round trip.
func TestSlackRoundTrip(t *testing.T) {
	t.Parallel()
	llm := llmfake.New(t)
	srv, fakes := apitest.WithFakes(t, apitest.Opts{Work: true, Env: map[string]string{
		"OPENAI_API_URL": llm.URL + "/v1", "PLATFORM_OPENAI_API_KEY": "sk-platform", "TURN_DEBOUNCE": "0s", "LLM_MAX_RETRIES": "0"}})
	acct := srv.SignUp(t)
	ws := srv.InstallSlack(t, acct, fakes)
	createAgent(t, acct, map[string]any{"name": "Ada", "model": "openai/gpt-4o-mini"})
	sendTest(t, acct, "slack", "")
	rep := readiness(t, acct)
	require.Equal(t, "waiting", rep.Connections[0].RoundTrip.Status)
	require.Contains(t, rep.check(t, 0, "round_trip").Message, "from your own Slack")

	dm := "D" + strings.ToUpper(ws.InstallerID)
	ts := strconv.FormatInt(time.Now().Unix(), 10) + ".000100"
	body := slackfake.Envelope(ws.TeamID, "Ev"+uuid.NewString()[:8], slackfake.DirectMessage(ws.InstallerID, dm, ts, "Hi from Slack"))
	require.Equal(t, http.StatusOK, srv.SlackEvent(t, fakes, body).Status)
	require.Eventually(t, func() bool { return readiness(t, acct).Live }, 20*time.Second, 50*time.Millisecond)
	trip := readiness(t, acct).Connections[0].RoundTrip
	require.Equal(t, "answered", trip.Status)
	require.Equal(t, "You", trip.Inbound.From, "the installer's own reply")
	require.Equal(t, "Hi from Slack", trip.Inbound.Body)
	require.Contains(t, trip.Reply.Body, "Hi from Slack")
}

// Where the platform bills, an agent without a subscription (the trial
// over) does not answer, so it is not live, and the fix is to subscribe.
func TestBillingDecidesToo(t *testing.T) {
	t.Parallel()
	mock := stripemock.Start(t)
	env := apitest.BillingEnv(mock.URL) // no trial days
	env["PLATFORM_OPENAI_API_KEY"] = "sk-platform"
	srv := apitest.New(t, apitest.Opts{Env: env})
	acct := srv.SignUp(t)
	createAgent(t, acct, map[string]any{"name": "Ada", "model": "openai/gpt-4o-mini"})
	c := readiness(t, acct).check(t, 0, "billing")
	require.Equal(t, "fail", c.Status)
	require.Contains(t, c.Message, "subscription")
	require.Equal(t, "Subscribe in Billing", c.Action.Label)
	require.Equal(t, "/billing", c.Action.Path)

	// Without billing, the check is not there at all.
	plain := apitest.Shared(t).SignUp(t)
	createAgent(t, plain, map[string]any{"name": "Ada", "model": "openai/gpt-4o-mini"})
	for _, c := range readiness(t, plain).Agents[0].Checks {
		require.NotEqual(t, "billing", c.Name)
	}
}

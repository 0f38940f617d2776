package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/fakes/graphfake"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
)

const platformKey = "sk-platform-e2e"

// journeyEnv is what a journey's Go side works with: the shared server,
// its fakes, and the account the journey signs in with.
type journeyEnv struct {
	srv     *apitest.Server
	fakes   *apitest.Fakes
	llm     *llmfake.Server
	account *apitest.Account
}

// A journeySetup prepares the world before a journey's script runs (fake
// numbers, keys, inbound chat messages), returns extra environment for the
// script, and a check of what the script should have caused on the far
// side (the fake Graph API received the message, the key was used).
type journeySetup func(t *testing.T, j *journeyEnv) (env map[string]string, verify func(t *testing.T))

var setups = map[string]journeySetup{
	"onboarding":    setupOnboarding,
	"slack-install": setupSlackInstall,
	"llm-keys":      setupLLMKeys,
	"conversations": setupConversations,
	"pages":         setupPages,
	"knowledge":     setupKnowledge,
}

func (j *journeyEnv) tenantPath(rest string) string {
	return "/api/portal/tenants/" + j.account.TenantID.String() + rest
}

// setupOnboarding registers a WhatsApp number with the fake Graph API; the
// journey connects it (after a wrong token), creates an agent and sends the
// test message, which must reach the fake. Then the operator answers it from
// "their own phone" (operatorPhone), the agent replies through the
// platform's key, and the wizard shows both before it says live.
func setupOnboarding(t *testing.T, j *journeyEnv) (map[string]string, func(t *testing.T)) {
	n := graphfake.Number{PhoneNumberID: "1065" + digits(11), WABAID: "1022" + digits(11), Display: "+1 555-0100",
		VerifiedName: "Compilers Inc", Token: "EAAG-e2e-" + uuid.NewString()}
	j.fakes.Graph.AddNumber(n)
	const recipient = "16505551234"
	operatorPhone(t, j.srv, j.fakes, n, recipient, "Grace Hopper",
		phoneStep{when: templateReached(j.fakes, n.PhoneNumberID, recipient), text: "Hi, who are you?"})
	return map[string]string{
			"E2E_WA_PHONE_ID": n.PhoneNumberID, "E2E_WA_WABA_ID": n.WABAID, "E2E_WA_TOKEN": n.Token, "E2E_WA_TO": "+" + recipient,
		}, func(t *testing.T) {
			require.True(t, templateReached(j.fakes, n.PhoneNumberID, recipient)(), "the fake Graph API received the test template for %s", recipient)
			require.True(t, textReached(j.fakes, n.PhoneNumberID, recipient, "You said: Hi, who are you?")(),
				"the agent's reply, written by the model, reached the operator's phone")
		}
}

// setupSlackInstall only checks the result: the journey's round trip through
// the fake OAuth left the tenant with the Slack workspace connected.
func setupSlackInstall(t *testing.T, j *journeyEnv) (map[string]string, func(t *testing.T)) {
	return nil, func(t *testing.T) {
		var list struct {
			Items []struct {
				Type, Status string
			}
		}
		r := j.account.Client.Do("GET", j.tenantPath("/channels"), nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		require.Contains(t, string(r.Body), `"display_name":"Analytical Engines"`)
		require.Contains(t, string(r.Body), `"status":"active"`)
		r.JSON(t, &list)
		// The journey disconnected the workspace and installed it again: the
		// old connection stays (disconnected), the new one is active.
		var active, disconnected int
		for _, c := range list.Items {
			require.Equal(t, "slack", c.Type)
			switch c.Status {
			case "active":
				active++
			case "disconnected":
				disconnected++
			}
		}
		require.Equal(t, []int{1, 1}, []int{active, disconnected}, "%+v", list.Items)
	}
}

// setupLLMKeys gives the journey an agent, a key the provider refuses and
// one it accepts, and a parcel-tracking API for an HTTP tool with a secret
// header. The preview must have run on the accepted key, and the tool call
// must have carried the secret typed in the form, unchanged after an edit
// that sent only its mask back.
func setupLLMKeys(t *testing.T, j *journeyEnv) (map[string]string, func(t *testing.T)) {
	bad, good := "sk-refused-"+uuid.NewString()[:8], "sk-e2e-good-"+uuid.NewString()[:8]
	j.llm.RejectKey(bad)
	agentID := createAgent(t, j, map[string]any{"name": "Ada", "model": "openai/gpt-4o-mini", "persona": "Warm and precise."})

	const secret = "Bearer e2e-tool-secret-9876"
	var mu sync.Mutex
	var auths []string
	parcels := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"parcel_id":"77","status":"out for delivery"}`))
	}))
	t.Cleanup(parcels.Close)
	// The model calls the tool when asked about parcel 77 and it is offered;
	// everything else gets the fake's default answer.
	j.llm.Respond(func(r llmfake.Request) llmfake.Reply {
		switch {
		case !slices.Contains(r.ToolNames, "get_parcel"):
			return llmfake.Reply{Text: llmfake.DefaultText(r)}
		case len(r.ToolResults) > 0 && strings.Contains(r.ToolResults[0], "out for delivery"):
			return llmfake.Reply{Text: "Parcel 77 is out for delivery."}
		case len(r.ToolResults) > 0:
			return llmfake.Reply{Text: "The parcel service failed: " + r.ToolResults[0]}
		case strings.Contains(strings.Join(r.UserTexts, " "), "parcel 77"):
			return llmfake.Reply{ToolCalls: []llmfake.ToolCall{{Name: "get_parcel", Arguments: `{"parcel_id":"77"}`}}}
		default:
			return llmfake.Reply{Text: llmfake.DefaultText(r)}
		}
	})

	env := map[string]string{"E2E_BAD_KEY": bad, "E2E_GOOD_KEY": good, "E2E_AGENT_ID": agentID, "E2E_TOOL_URL": parcels.URL, "E2E_TOOL_SECRET": secret}
	return env, func(t *testing.T) {
		used := 0
		for _, r := range j.llm.Requests() {
			if r.Key == good && r.Path != "/v1/models" && r.Path != "/models" {
				used++
			}
		}
		require.GreaterOrEqual(t, used, 2, "the preview turns ran on the tenant's pinned key")
		mu.Lock()
		defer mu.Unlock()
		require.Equal(t, []string{secret}, auths, "the tool call carried the stored secret header")

		var agent struct {
			MemoryRetentionDays *int `json:"memory_retention_days"`
			HTTPTools           []struct {
				Description   string            `json:"description"`
				SecretHeaders map[string]string `json:"secret_headers"`
			} `json:"http_tools"`
		}
		j.account.Client.Do("GET", j.tenantPath("/agents/"+agentID), nil).JSON(t, &agent)
		require.NotNil(t, agent.MemoryRetentionDays)
		require.Equal(t, 30, *agent.MemoryRetentionDays)
		require.Len(t, agent.HTTPTools, 1)
		require.Equal(t, "Looks up a parcel by its id", agent.HTTPTools[0].Description)
		require.Equal(t, map[string]string{"Authorization": "••••9876"}, agent.HTTPTools[0].SecretHeaders)
	}
}

// setupConversations connects a WhatsApp number to the account, gives it an
// agent that hands "refund" conversations over to a person, and delivers two
// signed webhooks; it waits for the agent's real replies and the hand-over.
// The journey then answers as a human and releases the conversation.
func setupConversations(t *testing.T, j *journeyEnv) (map[string]string, func(t *testing.T)) {
	num := j.srv.ConnectWhatsApp(t, j.account, j.fakes)
	createAgent(t, j, map[string]any{"name": "Ada", "model": "openai/gpt-4o-mini", "escalation_rules": []string{"refund"}})
	const happy, unhappy = "15550001111", "15550002222"
	for _, m := range []graphfake.Message{
		graphfake.Text(happy, "wamid."+uuid.NewString(), "Hi there, when do you open?"),
		graphfake.Text(unhappy, "wamid."+uuid.NewString(), "I want a refund for order 42"),
	} {
		r := j.srv.WhatsAppEvent(t, j.fakes, graphfake.Delivery(num.Number, []graphfake.Message{m}, nil))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}
	require.Eventually(t, func() bool {
		return sentTo(j, num.PhoneNumberID, happy, "You said: Hi there, when do you open?") &&
			strings.Contains(string(j.account.Client.Do("GET", j.tenantPath("/conversations?status=escalated"), nil).Body), unhappy)
	}, 20*time.Second, 50*time.Millisecond, "the agent answered and the refund conversation was handed over")

	return map[string]string{"E2E_HAPPY": happy, "E2E_UNHAPPY": unhappy}, func(t *testing.T) {
		require.True(t, sentTo(j, num.PhoneNumberID, unhappy, "refunded order 42"), "the human reply went out on WhatsApp")
		r := j.account.Client.Do("GET", j.tenantPath("/conversations?status=escalated"), nil)
		require.NotContains(t, string(r.Body), unhappy, "the conversation was released")
	}
}

func createAgent(t *testing.T, j *journeyEnv, body map[string]any) string {
	r := j.account.Client.Do("POST", j.tenantPath("/agents"), body)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	return r.Map(t)["id"].(string)
}

// sentTo reports whether the fake Graph API got a text to `to` containing text.
func sentTo(j *journeyEnv, phoneNumberID, to, text string) bool {
	for _, m := range j.fakes.Graph.Sent(false) {
		body, _ := m.Body["text"].(map[string]any)
		if m.PhoneNumberID == phoneNumberID && m.Body["to"] == to && body != nil && strings.Contains(body["body"].(string), text) {
			return true
		}
	}
	return false
}

func digits(n int) string {
	id := uuid.New()
	out := make([]byte, n)
	for i := range out {
		out[i] = '0' + id[i%16]%10
	}
	return string(out)
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// setupPages gives the account something on every page (a connected number
// with a tested, answering agent, conversations answered and handed over, a
// key, a token, an invitation) and a second person who belongs to no
// workspace, for the journey that screenshots and checks every page.
func setupPages(t *testing.T, j *journeyEnv) (map[string]string, func(t *testing.T)) {
	num := j.srv.ConnectWhatsApp(t, j.account, j.fakes)
	agentID := createAgent(t, j, map[string]any{"name": "Ada", "role_title": "Customer support", "model": "openai/gpt-4o-mini",
		"fallback_models": []string{"anthropic/claude-haiku-4-5"}, "escalation_rules": []string{"refund"}})
	r := j.account.Client.Do("POST", "/api/portal/channels/"+j.account.TenantID.String()+"/test", map[string]any{"channel_type": "whatsapp", "to": "+15550003333"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	const happy, unhappy = "15550003333", "15550004444"
	for _, m := range []graphfake.Message{
		graphfake.Text(happy, "wamid."+uuid.NewString(), "Hi, do you deliver on Sundays?"),
		graphfake.Text(unhappy, "wamid."+uuid.NewString(), "I want a refund for order 7"),
	} {
		r := j.srv.WhatsAppEvent(t, j.fakes, graphfake.Delivery(num.Number, []graphfake.Message{m}, nil))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}
	require.Eventually(t, func() bool {
		return sentTo(j, num.PhoneNumberID, happy, "You said: Hi, do you deliver on Sundays?") &&
			strings.Contains(string(j.account.Client.Do("GET", j.tenantPath("/conversations?status=escalated"), nil).Body), unhappy)
	}, 20*time.Second, 50*time.Millisecond, "the agent answered and the refund conversation was handed over")
	for _, req := range []struct {
		path string
		body map[string]any
	}{
		{"/llm-keys", map[string]any{"provider": "anthropic", "label": "Support Anthropic", "api_key": "sk-ant-e2e-" + uuid.NewString()[:8]}},
		{"/api-tokens", map[string]any{"name": "CRM sync", "role": "member"}},
		{"/members", map[string]any{"email": "babbage-" + uuid.NewString()[:8] + "@example.com", "role": "member"}},
	} {
		r := j.account.Client.Do("POST", j.tenantPath(req.path), req.body)
		require.Equal(t, http.StatusCreated, r.Status, "%s: %s", req.path, r.Body)
	}
	var conv struct {
		Items []struct{ ID string }
	}
	j.account.Client.Do("GET", j.tenantPath("/conversations?status=escalated"), nil).JSON(t, &conv)
	require.Len(t, conv.Items, 1)

	// Someone who belongs to no workspace any more sees the welcome page.
	loner := j.srv.SignUp(t)
	_, err := j.srv.DB.Owner.Exec(context.Background(), "DELETE FROM memberships WHERE user_id = (SELECT id FROM users WHERE email = $1)", loner.Email)
	require.NoError(t, err)
	return map[string]string{"E2E_AGENT_ID": agentID, "E2E_CONVERSATION_ID": conv.Items[0].ID,
		"E2E_LONER_EMAIL": loner.Email, "E2E_LONER_PASSWORD": loner.Password}, nil
}

// knowledgeModel is the model of the knowledge journey's agent: no other
// journey calls it, so the reply queued for it is that agent's.
const knowledgeModel = "gpt-4.1-mini"

// setupKnowledge gives the journey an agent whose model answers the preview
// question citing passage [1]. The journey uploads the documents, assigns
// them to the agent and asks; afterwards the model must have been given the
// uploaded returns policy in its prompt (retrieval in the preview's turn),
// and the server must hold both documents ready, with chunks.
func setupKnowledge(t *testing.T, j *journeyEnv) (map[string]string, func(t *testing.T)) {
	agentID := createAgent(t, j, map[string]any{"name": "Ada", "model": "openai/" + knowledgeModel})
	j.llm.Queue(knowledgeModel, llmfake.Reply{Text: "Yes: any unused item can be returned within 30 days of delivery [1]."})
	return map[string]string{"E2E_AGENT_ID": agentID}, func(t *testing.T) {
		var prompted bool
		for _, r := range j.llm.Requests() {
			if r.Model == knowledgeModel && strings.Contains(r.System, "within 30 days of delivery") {
				prompted = true
			}
		}
		require.True(t, prompted, "the preview's prompt carried the retrieved passage of the uploaded PDF")

		var list struct {
			Items []struct {
				FileName *string `json:"file_name"`
				Status   string  `json:"status"`
				Chunks   int     `json:"chunks"`
			} `json:"items"`
		}
		j.account.Client.Do("GET", j.tenantPath("/knowledge/sources"), nil).JSON(t, &list)
		ready := map[string]bool{}
		for _, s := range list.Items {
			if s.FileName != nil && s.Status == "ready" && s.Chunks > 0 {
				ready[*s.FileName] = true
			}
		}
		require.Equal(t, map[string]bool{"returns-policy.pdf": true, "shipping.md": true}, ready, "both uploads ready, with chunks; the snippet deleted")

		var agent struct {
			SourceIDs []string `json:"source_ids"`
		}
		j.account.Client.Do("GET", j.tenantPath("/agents/"+agentID+"/knowledge"), nil).JSON(t, &agent)
		require.Len(t, agent.SourceIDs, 2, "both sources assigned in the designer")
	}
}

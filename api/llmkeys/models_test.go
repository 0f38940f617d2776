package llmkeys_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const platformKey = "sk-platform-key"

type bundle struct {
	s    *apitest.Server
	llm  *llmfake.Server
	acct *apitest.Account
	base string
}

// setup starts a server whose platform has an OpenAI key (and no Anthropic
// one), with a pricing file that keeps openai/o3 off the platform's key.
func setup(t *testing.T) *bundle {
	t.Helper()
	l := llmfake.New(t)
	pricing := filepath.Join(t.TempDir(), "pricing.json")
	require.NoError(t, os.WriteFile(pricing, []byte(`{"openai/o3": {"input": 2, "output": 8, "platform": false}, "openai/gpt-4.1-nano": null}`), 0o600))
	s := apitest.New(t, apitest.Opts{Env: map[string]string{
		"OPENAI_API_URL": l.URL + "/v1", "PLATFORM_OPENAI_API_KEY": platformKey, "ANTHROPIC_API_URL": l.URL,
		"LLM_PRICING_FILE": pricing, "LLM_MAX_RETRIES": "0", "ALLOW_PRIVATE_URLS": "true",
	}})
	acct := s.SignUp(t)
	return &bundle{s: s, llm: l, acct: acct, base: "/api/portal/tenants/" + acct.TenantID.String()}
}

func (b *bundle) agent(t *testing.T, model string) *apitest.Response {
	return b.acct.Client.Do("POST", b.base+"/agents", map[string]any{"name": "Ada", "model": model})
}

// The platform's key serves only models the platform prices and allows;
// nothing it serves is recorded at $0 (issue 14: unpriced models ran on the
// platform key with cost_usd 0, so no budget ever triggered).
func TestPlatformKeyServesOnlyPricedModels(t *testing.T) {
	t.Parallel()
	b := setup(t)

	r := b.agent(t, "openai/gpt-4o-mini")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = b.acct.Client.Do("POST", b.base+"/agents/"+r.Map(t)["id"].(string)+"/preview", map[string]any{"message": "hi"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, "platform", r.Map(t)["key_source"])
	require.Greater(t, r.Map(t)["cost_usd"].(float64), 0.0)

	// Priced but kept off the platform's key: the agent may name it, but
	// only the tenant's own key can serve it.
	r = b.agent(t, "openai/o3")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	o3 := r.Map(t)["id"].(string)
	// An agent saved before these rules, on a model nobody prices.
	legacy := uuid.New()
	_, err := b.s.DB.Owner.Exec(t.Context(), `INSERT INTO agents (id, tenant_id, name, model) VALUES ($1, $2, 'Legacy', 'openai/o1-pro')`, legacy, b.acct.TenantID)
	require.NoError(t, err)
	calls := len(b.llm.Requests())
	for _, id := range []string{o3, legacy.String()} {
		r = b.acct.Client.Do("POST", b.base+"/agents/"+id+"/preview", map[string]any{"message": "hi"})
		require.NotEqual(t, http.StatusOK, r.Status, "%s", r.Body)
		require.Contains(t, r.Problem(t).Detail, "not offered on the platform's openai key")
	}
	require.Len(t, b.llm.Requests(), calls, "the platform key was not used")
	var free int
	require.NoError(t, b.s.DB.Owner.QueryRow(t.Context(),
		"SELECT count(*) FROM usage_records WHERE tenant_id = $1 AND key_source = 'platform' AND cost_usd = 0", b.acct.TenantID).Scan(&free))
	require.Zero(t, free)

	// With its own key the tenant can use it.
	r = b.acct.Client.Do("POST", b.base+"/llm-keys", map[string]any{"provider": "openai", "label": "Ours", "api_key": "sk-tenant-1234"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	b.llm.SetModels("gpt-4o-mini", "o3")
	r = b.acct.Client.Do("POST", b.base+"/agents/"+o3+"/preview", map[string]any{"message": "hi"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, "tenant", r.Map(t)["key_source"])
}

// A priced call whose provider reports no usage is not free: its tokens are
// estimated from the text.
func TestPricedCallWithoutUsageIsEstimated(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.llm.Respond(func(llmfake.Request) llmfake.Reply {
		return llmfake.Reply{Text: "An answer of some length.", NoUsage: true}
	})
	r := b.agent(t, "openai/gpt-4o-mini")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = b.acct.Client.Do("POST", b.base+"/agents/"+r.Map(t)["id"].(string)+"/preview", map[string]any{"message": "hi"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Greater(t, r.Map(t)["cost_usd"].(float64), 0.0)
}

// Unknown model ids are refused at save time: against the model list of the
// tenant's key when it has one for the provider, else the platform's table
// (issue 14: openai/not-a-model was saved with 201).
func TestUnknownModelsAre422(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tt := range []struct {
		name      string
		body      map[string]any
		locations []string
	}{
		{"Primary", map[string]any{"model": "openai/not-a-model"}, []string{"body.model"}},
		{"RemovedFromTheTable", map[string]any{"model": "openai/gpt-4.1-nano"}, []string{"body.model"}},
		{"Fallback", map[string]any{"model": "openai/gpt-4o", "fallback_models": []string{"anthropic/claude-9"}}, []string{"body.fallback_models[0]"}},
		{"Both", map[string]any{"model": "custom/llama-nope", "fallback_models": []string{"openai/gpt-4o-mini", "openai/gpt-6"}},
			[]string{"body.fallback_models[1]", "body.model"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := map[string]any{"name": "Ada"}
			for k, v := range tt.body {
				body[k] = v
			}
			r := b.acct.Client.Do("POST", b.base+"/agents", body)
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
			require.Equal(t, tt.locations, r.Problem(t).Locations())
		})
	}

	r := b.agent(t, "openai/gpt-4o")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	agent := b.base + "/agents/" + r.Map(t)["id"].(string)
	r = b.acct.Client.Do("PATCH", agent, map[string]any{"model": "openai/not-a-model"})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)

	// With its own key, the key's model list decides: a fine-tune the
	// platform does not know is fine, a listed platform model the key does
	// not offer is not.
	b.llm.SetModels("gpt-4o-mini", "ft:gpt-4o-mini:acme:support:1")
	r = b.acct.Client.Do("POST", b.base+"/llm-keys?verify=true", map[string]any{"provider": "openai", "label": "Ours", "api_key": "sk-tenant-1234"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, []any{"openai/ft:gpt-4o-mini:acme:support:1", "openai/gpt-4o-mini"}, r.Map(t)["models"])
	r = b.acct.Client.Do("PATCH", agent, map[string]any{"model": "openai/ft:gpt-4o-mini:acme:support:1"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = b.acct.Client.Do("PATCH", agent, map[string]any{"fallback_models": []string{"openai/gpt-4.1"}})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	require.Contains(t, r.Problem(t).Errors[0].Message, "not a model your OpenAI key offers")
	r = b.acct.Client.Do("PATCH", agent, map[string]any{"name": "Renamed"})
	require.Equal(t, http.StatusOK, r.Status, "models already saved are not checked again")
}

// A key added without verify has its model list fetched the first time an
// agent names one of its provider's models.
func TestModelListIsFetchedWhenFirstNeeded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.llm.SetModels("llama3.1:8b")
	r := b.acct.Client.Do("POST", b.base+"/llm-keys", map[string]any{"provider": "custom", "label": "Office", "api_key": "ollama",
		"base_url": b.llm.URL + "/v1"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Nil(t, r.Map(t)["models"])
	r = b.agent(t, "custom/llama3.1:8b")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, http.StatusUnprocessableEntity, b.agent(t, "custom/mistral").Status)

	// A model id the tenant chose never becomes a metrics label.
	r = b.acct.Client.Do("POST", b.base+"/agents/"+r.Map(t)["id"].(string)+"/preview", map[string]any{"message": "hi"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	metrics := string(b.s.Client(t).Do("GET", "/metrics", nil).Body)
	require.Contains(t, metrics, `konstruct_llm_calls_total{model="other",outcome="ok",provider="custom"} 1`)
	require.NotContains(t, metrics, "llama3.1")
}

// The catalogue the portal's model picker reads (GET …/models).
func TestModelCatalog(t *testing.T) {
	t.Parallel()
	b := setup(t)
	catalog := func() map[string]map[string]any {
		r := b.acct.Client.Do("GET", b.base+"/models", nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var list struct{ Items []map[string]any }
		r.JSON(t, &list)
		out := map[string]map[string]any{}
		for _, m := range list.Items {
			require.ElementsMatch(t, []string{"id", "provider", "available", "reason", "key_source", "priced"}, keys(m))
			out[m["id"].(string)] = m
		}
		return out
	}
	c := catalog()
	require.Equal(t, map[string]any{"id": "openai/gpt-4o-mini", "provider": "openai", "available": true, "reason": nil,
		"key_source": "platform", "priced": true}, c["openai/gpt-4o-mini"])
	require.Equal(t, false, c["openai/o3"]["available"])
	require.Contains(t, c["openai/o3"]["reason"], "add your own OpenAI key")
	require.Equal(t, false, c["anthropic/claude-3-5-haiku-latest"]["available"])
	require.Contains(t, c["anthropic/claude-3-5-haiku-latest"]["reason"], "No Anthropic key")
	require.Nil(t, c["anthropic/claude-3-5-haiku-latest"]["key_source"])
	require.NotContains(t, c, "openai/text-embedding-3-small", "embedding models are not for agents")
	require.NotContains(t, c, "openai/gpt-4.1-nano", "removed by the pricing file")

	b.llm.SetModels("claude-3-5-haiku-latest", "claude-experimental")
	r := b.acct.Client.Do("POST", b.base+"/llm-keys?verify=true", map[string]any{"provider": "anthropic", "label": "Ours", "api_key": "sk-ant-1234"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	c = catalog()
	require.Equal(t, true, c["anthropic/claude-3-5-haiku-latest"]["available"])
	require.Equal(t, "tenant", c["anthropic/claude-3-5-haiku-latest"]["key_source"])
	require.Equal(t, map[string]any{"id": "anthropic/claude-experimental", "provider": "anthropic", "available": true, "reason": nil,
		"key_source": "tenant", "priced": false}, c["anthropic/claude-experimental"])
	require.Equal(t, false, c["anthropic/claude-sonnet-4-5"]["available"], "the key does not list it")

	// A key the provider refuses on a check is failing; the catalogue says so.
	b.llm.RejectKey("sk-ant-1234")
	var keyID string
	var list struct{ Items []struct{ ID string } }
	b.acct.Client.Do("GET", b.base+"/llm-keys", nil).JSON(t, &list)
	keyID = list.Items[0].ID
	r = b.acct.Client.Do("POST", b.base+"/llm-keys/"+keyID+"/check", nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, "failing", r.Map(t)["status"])
	c = catalog()
	require.Equal(t, false, c["anthropic/claude-3-5-haiku-latest"]["available"])
	require.Contains(t, c["anthropic/claude-3-5-haiku-latest"]["reason"], "is failing")
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

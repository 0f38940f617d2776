package agents_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestAgentValidation(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	acct := s.SignUp(t)
	path := "/api/portal/tenants/" + acct.TenantID.String() + "/agents"

	tests := []struct {
		name      string
		body      map[string]any
		locations []string
	}{
		{"UnknownProvider", map[string]any{"name": "A", "model": "mistral/large"}, []string{"body.model"}},
		{"BadFallback", map[string]any{"name": "A", "model": "openai/gpt-4o", "fallback_models": []string{"openai/gpt-4o-mini", "nope"}}, []string{"body.fallback_models[1]"}},
		{"FallbackRepeatsPrimary", map[string]any{"name": "A", "model": "openai/gpt-4o", "fallback_models": []string{"openai/gpt-4o"}}, []string{"body.fallback_models"}},
		{"DuplicateFallbacks", map[string]any{"name": "A", "model": "openai/gpt-4o", "fallback_models": []string{"custom/x", "custom/x"}}, []string{"body.fallback_models"}},
		{"NameTooLong", map[string]any{"name": strings.Repeat("n", 81), "model": "openai/gpt-4o"}, []string{"body.name"}},
		{"BlankName", map[string]any{"name": "   ", "model": "openai/gpt-4o"}, []string{"body.name"}},
		{"Temperature", map[string]any{"name": "A", "model": "openai/gpt-4o", "temperature": 2.5}, []string{"body.temperature"}},
		{"UnknownTool", map[string]any{"name": "A", "model": "openai/gpt-4o", "tools": []string{"rm_rf"}}, []string{"body.tools[0]"}},
		{"TargetType", map[string]any{"name": "A", "model": "openai/gpt-4o", "escalation_target": map[string]any{"type": "email", "id": "x"}}, []string{"body.escalation_target.type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := acct.Client.Do("POST", path, tt.body)
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
			p := r.Problem(t)
			require.Equal(t, tt.locations, p.Locations(), "%s", r.Body)
			require.NotEmpty(t, p.Errors[0].Message)
		})
	}
}

func TestAgentLifecycle(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	acct := s.SignUp(t)
	path := "/api/portal/tenants/" + acct.TenantID.String() + "/agents"

	r := acct.Client.Do("POST", path, map[string]any{
		"name": "Ada", "role_title": "Support", "model": "anthropic/claude-3-5-haiku-latest",
		"fallback_models": []string{"openai/gpt-4o-mini"}, "tools": []string{"current_time"},
		"escalation_rules":  []string{`"speak to a human" OR refund`},
		"escalation_target": map[string]any{"type": "slack_channel", "id": "C0123"},
	})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	agent := r.Map(t)
	one := path + "/" + agent["id"].(string)

	r = acct.Client.Do("PATCH", one, map[string]any{"is_active": false, "escalation_target": nil, "temperature": 0.2})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	updated := r.Map(t)
	require.Equal(t, false, updated["is_active"])
	require.Nil(t, updated["escalation_target"])
	require.InDelta(t, 0.2, updated["temperature"], 1e-6)
	require.Equal(t, "Support", updated["role_title"], "omitted fields keep their value")

	r = acct.Client.Do("PATCH", one, map[string]any{})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "an empty patch is refused")

	r = acct.Client.Do("DELETE", one, nil)
	require.Equal(t, http.StatusNoContent, r.Status)
	require.Equal(t, http.StatusNotFound, acct.Client.Do("GET", one, nil).Status)

	r = acct.Client.Do("GET", "/api/portal/tenants/"+acct.TenantID.String()+"/audit-events?action=agent.", nil)
	var events struct {
		Items []struct {
			Action   string
			Metadata map[string]any
		}
	}
	r.JSON(t, &events)
	require.Len(t, events.Items, 3)
	require.Equal(t, "agent.deleted", events.Items[0].Action)
	require.ElementsMatch(t, []any{"temperature", "escalation_target", "is_active"}, events.Items[1].Metadata["changed"])
	require.NotContains(t, string(r.Body), "speak to a human", "audit metadata never carries prompt contents")
}

func TestEscalationRulesAndHTTPTools(t *testing.T) {
	t.Parallel()
	s := apitest.New(t, apitest.Opts{Env: map[string]string{"ALLOW_PRIVATE_URLS": "false"}})
	acct := s.SignUp(t)
	path := "/api/portal/tenants/" + acct.TenantID.String() + "/agents"

	r := acct.Client.Do("POST", path, map[string]any{"name": "A", "model": "openai/gpt-4o",
		"escalation_rules": []string{"billing AND count > 2", "refund AND", `"unclosed`}})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	p := r.Problem(t)
	require.Equal(t, []string{"body.escalation_rules[1]", "body.escalation_rules[2]"}, p.Locations())
	require.Equal(t, `at character 11: expected a word, a "quoted phrase", count or "(", found the end of the rule`, p.Errors[0].Message)

	r = acct.Client.Do("POST", path, map[string]any{"name": "A", "model": "openai/gpt-4o", "http_tools": []map[string]any{
		{"name": "get_order", "description": "Order", "method": "GET", "url": "http://169.254.169.254/{id}"},
	}})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	require.ElementsMatch(t, []string{"body.http_tools[0].url", "body.http_tools[0].url"}, r.Problem(t).Locations())

	tool := map[string]any{"name": "get_order", "description": "Look up an order's status by its number.", "method": "GET",
		"url": "https://8.8.8.8/orders/{order_id}", "parameters": map[string]any{"type": "object", "required": []string{"order_id"},
			"properties": map[string]any{"order_id": map[string]any{"type": "string"}}},
		"headers": map[string]string{"X-Shop": "acme"}, "secret_headers": map[string]string{"Authorization": "Bearer sk-shop-9876"}}
	r = acct.Client.Do("POST", path, map[string]any{"name": "A", "model": "openai/gpt-4o", "tools": []string{"http_request"}, "http_tools": []any{tool}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.NotContains(t, string(r.Body), "sk-shop-9876")
	agent := r.Map(t)
	require.Equal(t, "••••9876", agent["http_tools"].([]any)[0].(map[string]any)["secret_headers"].(map[string]any)["Authorization"])
	require.EqualValues(t, 365, agent["memory_retention_days"])

	// Sending the masked value back keeps the secret; the database never has it in clear.
	tool["secret_headers"] = map[string]string{"Authorization": "••••9876"}
	tool["description"] = "Look up an order."
	r = acct.Client.Do("PATCH", path+"/"+agent["id"].(string), map[string]any{"http_tools": []any{tool}, "memory_retention_days": nil})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Nil(t, r.Map(t)["memory_retention_days"])
	var leaks int
	require.NoError(t, s.DB.Owner.QueryRow(t.Context(), "SELECT count(*) FROM agents WHERE http_tool_secrets::text LIKE '%sk-shop%' OR http_tools::text LIKE '%sk-shop%'").Scan(&leaks))
	require.Zero(t, leaks)
	var stored int
	require.NoError(t, s.DB.Owner.QueryRow(t.Context(), "SELECT count(*) FROM agents WHERE id = $1 AND http_tool_secrets ? 'get_order:authorization'", agent["id"]).Scan(&stored))
	require.Equal(t, 1, stored)
}

func TestEscalationTopics(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	acct := s.SignUp(t)
	path := "/api/portal/tenants/" + acct.TenantID.String() + "/escalation-topics"
	r := acct.Client.Do("GET", path, nil)
	require.Equal(t, http.StatusOK, r.Status)
	got := r.Map(t)
	require.Equal(t, false, got["customized"])
	require.Contains(t, got["topics"], "billing")

	r = acct.Client.Do("PUT", path, map[string]any{"topics": map[string]any{"shipping": []string{"parcel", "courier"}}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got = r.Map(t)
	require.Equal(t, true, got["customized"])
	require.Equal(t, map[string]any{"shipping": []any{"parcel", "courier"}}, got["topics"])

	r = acct.Client.Do("PUT", path, map[string]any{"topics": map[string]any{"Not OK!": []string{"x"}}})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	r = acct.Client.Do("PUT", path, map[string]any{"reset": true})
	require.Equal(t, false, r.Map(t)["customized"])
}

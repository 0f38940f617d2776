package agents_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
)

// A stored secret header goes only where it was first sent: moving an HTTP
// tool to another scheme, host or port drops it unless a new value comes
// with the move (issue 14: a PATCH with a new host and the masked value sent
// the stored secret to the new host).
func TestToolSecretsDoNotFollowTheToolToAnotherOrigin(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	acct := s.SignUp(t)
	path := "/api/portal/tenants/" + acct.TenantID.String() + "/agents"
	tool := func(url string, secret string) map[string]any {
		return map[string]any{"name": "get_order", "description": "Look up an order.", "method": "GET", "url": url,
			"parameters":     map[string]any{"type": "object", "required": []string{"id"}, "properties": map[string]any{"id": map[string]any{"type": "string"}}},
			"secret_headers": map[string]string{"Authorization": secret}}
	}
	secretOf := func(r *apitest.Response) any {
		tools := r.Map(t)["http_tools"].([]any)
		return tools[0].(map[string]any)["secret_headers"]
	}
	r := acct.Client.Do("POST", path, map[string]any{"name": "A", "model": "openai/gpt-4o", "tools": []string{"http_request"},
		"http_tools": []any{tool("https://8.8.8.8/orders/{id}", "Bearer sk-shop-9876")}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	agent := path + "/" + r.Map(t)["id"].(string)

	// Same origin, another path: the masked value keeps the secret.
	r = acct.Client.Do("PATCH", agent, map[string]any{"http_tools": []any{tool("https://8.8.8.8:443/v2/orders/{id}", "••••9876")}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, map[string]any{"Authorization": "••••9876"}, secretOf(r))

	for _, moved := range []string{"https://1.1.1.1/orders/{id}", "http://8.8.8.8/orders/{id}", "https://8.8.8.8:8443/orders/{id}"} {
		r = acct.Client.Do("PATCH", agent, map[string]any{"http_tools": []any{tool("https://8.8.8.8/orders/{id}", "Bearer sk-shop-9876")}})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		r = acct.Client.Do("PATCH", agent, map[string]any{"http_tools": []any{tool(moved, "••••9876")}})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		require.Nil(t, secretOf(r), "moved to %s: the stored secret is dropped", moved)
		var stored int
		require.NoError(t, s.DB.Owner.QueryRow(t.Context(), "SELECT count(*) FROM agents WHERE id = $1 AND http_tool_secrets ? 'get_order:authorization'",
			r.Map(t)["id"]).Scan(&stored))
		require.Zero(t, stored)
	}

	// A new value sent with the move is kept.
	r = acct.Client.Do("PATCH", agent, map[string]any{"http_tools": []any{tool("https://9.9.9.9/orders/{id}", "Bearer sk-new-5555")}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, map[string]any{"Authorization": "••••5555"}, secretOf(r))
	r = acct.Client.Do("GET", "/api/portal/tenants/"+acct.TenantID.String()+"/audit-events?action=agent.updated", nil)
	require.Contains(t, string(r.Body), "secret_headers_dropped")
}

package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
)

// Unknown fields are refused on agents as on every other body: a typo must
// not be a silent no-op (issue 15, item 3).
func TestUnknownAgentFieldsAre400(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	acct := s.SignUp(t)
	path := "/api/portal/tenants/" + acct.TenantID.String() + "/agents"

	r := acct.Client.Do("POST", path, `{"name":"Ada","model":"openai/gpt-4o-mini","bogus":1}`)
	require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
	require.Equal(t, []string{"body.bogus"}, r.Problem(t).Locations())
	require.Equal(t, "is not a known field", r.Problem(t).Errors[0].Message)

	r = acct.Client.Do("POST", path, `{"name":"Ada","model":"openai/gpt-4o-mini"}`)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	one := path + "/" + r.Map(t)["id"].(string)

	r = acct.Client.Do("PATCH", one, `{"is_activ":false}`)
	require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
	require.Equal(t, []string{"body.is_activ"}, r.Problem(t).Locations())
	r = acct.Client.Do("PATCH", one, `{"http_tools":[{"name":"t","description":"d","method":"GET","url":"https://example.com","verb":"x"}]}`)
	require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
	require.Equal(t, []string{"body.http_tools[0].verb"}, r.Problem(t).Locations())
	require.Equal(t, true, acct.Client.Do("GET", one, nil).Map(t)["is_active"], "nothing changed")
}

// Every broken field is reported in one answer, not the first only (item 4).
func TestEveryFieldErrorAtOnce(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	acct := s.SignUp(t)
	path := "/api/portal/tenants/" + acct.TenantID.String() + "/agents"

	r := acct.Client.Do("POST", path, `{"name":"","model":"openai/gpt-4o-mini","temperature":3,"window_size":0,"max_reply_chars":1}`)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	require.ElementsMatch(t, []string{"body.name", "body.temperature", "body.window_size", "body.max_reply_chars"},
		r.Problem(t).Locations(), "%s", r.Body)

	// The issue's own body has no model: a shape error, so 400, still listing every rule broken.
	r = acct.Client.Do("POST", path, `{"name":"","temperature":3,"window_size":0,"max_reply_chars":1}`)
	require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
	require.ElementsMatch(t, []string{"body.model", "body.name", "body.temperature", "body.window_size", "body.max_reply_chars"},
		r.Problem(t).Locations(), "%s", r.Body)
}

// An integer written as 2e1 is a problem naming the field, not Echo's
// "Unmarshal type error" without errors[] (item 5).
func TestIntegerWithExponentIsAProblem(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	acct := s.SignUp(t)
	path := "/api/portal/tenants/" + acct.TenantID.String() + "/agents"
	for name, body := range map[string]string{
		"Exponent": `{"name":"Ada","model":"openai/gpt-4o-mini","window_size":2e1}`,
		"Fraction": `{"name":"Ada","model":"openai/gpt-4o-mini","window_size":20.0}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := acct.Client.Do("POST", path, body)
			require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
			p := r.Problem(t)
			require.Equal(t, []string{"body.window_size"}, p.Locations(), "%s", r.Body)
			require.NotContains(t, string(r.Body), "Unmarshal")
		})
	}
	// Nested integers are found too, with their index.
	r := acct.Client.Do("POST", path, `{"name":"Ada","model":"openai/gpt-4o-mini","http_tools":[{"name":"t","description":"d","method":"GET","url":"https://example.com","timeout_ms":1e3}]}`)
	require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
	require.Equal(t, []string{"body.http_tools[0].timeout_ms"}, r.Problem(t).Locations())
	// Decimals elsewhere are fine.
	r = acct.Client.Do("POST", path, `{"name":"Ada","model":"openai/gpt-4o-mini","temperature":0.25,"window_size":20}`)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}

// A number finer than its field keeps (a budget in cents) is refused, not
// silently rounded (item 8).
func TestNumbersBeyondTheirPrecisionAre422(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	acct := s.SignUp(t)
	tenant := "/api/portal/tenants/" + acct.TenantID.String()

	r := acct.Client.Do("PATCH", tenant, map[string]any{"budget_limit_usd": 0.001})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	p := r.Problem(t)
	require.Equal(t, []string{"body.budget_limit_usd"}, p.Locations())
	require.Equal(t, "must have at most 2 decimal places", p.Errors[0].Message)

	r = acct.Client.Do("PUT", tenant+"/budget", map[string]any{"limit_usd": 12.345, "action": "notify"})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	require.Equal(t, []string{"body.limit_usd"}, r.Problem(t).Locations())

	r = acct.Client.Do("POST", tenant+"/agents", map[string]any{"name": "Ada", "model": "openai/gpt-4o-mini", "temperature": 0.333})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	require.Equal(t, []string{"body.temperature"}, r.Problem(t).Locations())

	// Values at the precision are kept exactly (0.29 is not a float-friendly number).
	r = acct.Client.Do("PATCH", tenant, map[string]any{"budget_limit_usd": 0.29})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, 0.29, r.Map(t)["budget_limit_usd"])
}

package auth_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func agentBody(name string) map[string]any {
	return map[string]any{"name": name, "model": "openai/gpt-4o-mini", "fallback_models": []string{"anthropic/claude-3-5-haiku-latest"}}
}

// The whole flow an operator and an integrator go through, over HTTP.
func TestSignUpSignInAgentsByCookieAndToken(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)

	acct := s.SignUp(t)
	tenant := "/api/portal/tenants/" + acct.TenantID.String()

	// A fresh browser signs in with the same credentials.
	browser := s.Client(t)
	r := browser.Do("POST", "/api/portal/auth/signin", map[string]any{"email": strings.ToUpper(acct.Email), "password": acct.Password})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	cookie := r.Header.Get("Set-Cookie")
	require.Contains(t, cookie, "konstruct_session=")
	require.Contains(t, cookie, "HttpOnly")
	require.Contains(t, cookie, "SameSite=Lax")

	r = browser.Do("GET", "/api/portal/me", nil)
	require.Equal(t, http.StatusOK, r.Status)
	me := r.Map(t)
	require.Equal(t, acct.Email, me["user"].(map[string]any)["email"])
	require.Nil(t, me["token"])
	require.Equal(t, "owner", me["memberships"].([]any)[0].(map[string]any)["role"])

	r = browser.Do("POST", tenant+"/agents", agentBody("Ada"))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	agent := r.Map(t)
	require.Equal(t, true, agent["is_active"])
	require.EqualValues(t, 20, agent["window_size"])

	// An integrator does the same with a token.
	token := acct.Token(t, "admin")
	require.True(t, strings.HasPrefix(token, "kst_"))
	api := s.WithToken(t, token)
	r = api.Do("POST", tenant+"/agents", agentBody("Grace"))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	r = api.Do("GET", tenant+"/agents", nil)
	require.Equal(t, http.StatusOK, r.Status)
	var list struct {
		Items []struct{ Name string }
		Next  *string `json:"next_cursor"`
	}
	r.JSON(t, &list)
	require.Len(t, list.Items, 2)
	require.Equal(t, "Ada", list.Items[0].Name)
	require.Equal(t, "Grace", list.Items[1].Name)
	require.Nil(t, list.Next)

	r = api.Do("GET", "/api/portal/me", nil)
	require.Equal(t, http.StatusOK, r.Status)
	me = r.Map(t)
	require.Nil(t, me["user"])
	require.Equal(t, "admin", me["token"].(map[string]any)["role"])

	// Sign-out revokes the session, not just the cookie.
	oldCookie := cookieValue(cookie)
	r = browser.Do("POST", "/api/portal/auth/signout", nil)
	require.Equal(t, http.StatusNoContent, r.Status)
	replay := s.Client(t)
	r = replay.Do("GET", "/api/portal/me", nil, "Cookie", "konstruct_session="+oldCookie)
	require.Equal(t, http.StatusUnauthorized, r.Status)
}

func cookieValue(setCookie string) string {
	v, _, _ := strings.Cut(strings.TrimPrefix(setCookie, "konstruct_session="), ";")
	return v
}

func TestSignUpRules(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	acct := s.SignUp(t)

	r := s.Client(t).Do("POST", "/api/portal/auth/signup", map[string]any{"email": acct.Email, "password": "another long password", "name": "Dup"})
	require.Equal(t, http.StatusConflict, r.Status)
	require.Contains(t, r.Problem(t).Detail, "already exists")

	r = s.Client(t).Do("POST", "/api/portal/auth/signup", map[string]any{"email": "x@example.com", "password": "long enough password", "name": "   "})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	require.Equal(t, []string{"body.name"}, r.Problem(t).Locations())
}

func TestSignInFailuresAreThrottledPerAccount(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	acct := s.SignUp(t)
	c := s.Client(t)
	for i := 0; i < 5; i++ {
		r := c.Do("POST", "/api/portal/auth/signin", map[string]any{"email": acct.Email, "password": "wrong password " + uuid.NewString()},
			"X-Request-Id", "attempt-"+strings.Repeat("x", i+1))
		require.Equal(t, http.StatusUnauthorized, r.Status)
	}
	// Even the right password is refused while the account is paused.
	r := c.Do("POST", "/api/portal/auth/signin", map[string]any{"email": acct.Email, "password": acct.Password})
	require.Equal(t, http.StatusTooManyRequests, r.Status, "%s", r.Body)
	require.NotEmpty(t, r.Header.Get("Retry-After"))
	r.Problem(t)

	// Failed attempts on a known account are in its tenant's audit trail.
	r = acct.Client.Do("GET", "/api/portal/tenants/"+acct.TenantID.String()+"/audit-events?action=user.signin_failed", nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var events struct{ Items []map[string]any }
	r.JSON(t, &events)
	require.Len(t, events.Items, 5)
}

func TestCSRFOriginCheck(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	acct := s.SignUp(t)
	path := "/api/portal/tenants/" + acct.TenantID.String() + "/agents"

	acct.Client.Origin = "https://evil.example"
	r := acct.Client.Do("POST", path, agentBody("Mallory"))
	require.Equal(t, http.StatusForbidden, r.Status)
	require.Contains(t, r.Problem(t).Detail, "Cross-origin")

	acct.Client.Origin = ""
	r = acct.Client.Do("POST", path, agentBody("NoOrigin"))
	require.Equal(t, http.StatusForbidden, r.Status, "a cookie write without Origin or Referer is refused")

	r = acct.Client.Do("POST", path, agentBody("Referer"), "Referer", s.URL+"/agents/new")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	// Reads are not state-changing and pass from anywhere.
	acct.Client.Origin = "https://evil.example"
	r = acct.Client.Do("GET", path, nil)
	require.Equal(t, http.StatusOK, r.Status)

	// A bearer token is not a browser credential: no origin check.
	api := s.WithToken(t, func() string { acct.Client.Origin = s.URL; return acct.Token(t, "admin") }())
	api.Origin = "https://elsewhere.example"
	r = api.Do("POST", path, agentBody("Integrator"))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}

func TestTokenRolesRevocationAndExpiry(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	acct := s.SignUp(t)
	tenant := "/api/portal/tenants/" + acct.TenantID.String()

	member := s.WithToken(t, acct.Token(t, "member"))
	for _, req := range []struct {
		method, path string
		body         any
	}{
		{"GET", tenant + "/api-tokens", nil},
		{"POST", tenant + "/api-tokens", map[string]any{"name": "x", "role": "member"}},
		{"POST", tenant + "/members", map[string]any{"email": "a@example.com", "role": "member"}},
		{"POST", tenant + "/agents", agentBody("x")},
		{"PATCH", tenant, map[string]any{"name": "renamed"}},
		{"GET", tenant + "/audit-events", nil},
	} {
		r := member.Do(req.method, req.path, req.body)
		require.Equal(t, http.StatusForbidden, r.Status, "%s %s: %s", req.method, req.path, r.Body)
	}
	r := member.Do("GET", tenant+"/agents", nil)
	require.Equal(t, http.StatusOK, r.Status, "members read")

	// Revoked: 401 at once.
	r = acct.Client.Do("POST", tenant+"/api-tokens", map[string]any{"name": "short lived", "role": "member"})
	require.Equal(t, http.StatusCreated, r.Status)
	created := r.Map(t)
	secret := created["secret"].(string)
	require.Equal(t, secret[:12], created["prefix"])
	require.Equal(t, http.StatusOK, s.WithToken(t, secret).Do("GET", tenant+"/agents", nil).Status)
	r = acct.Client.Do("DELETE", tenant+"/api-tokens/"+created["id"].(string), nil)
	require.Equal(t, http.StatusNoContent, r.Status)
	r = s.WithToken(t, secret).Do("GET", tenant+"/agents", nil)
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.Contains(t, r.Problem(t).Detail, "revoked")

	// The list never shows secrets.
	r = acct.Client.Do("GET", tenant+"/api-tokens", nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.NotContains(t, string(r.Body), secret)
	require.NotContains(t, string(r.Body), "secret")

	// Expired: 401.
	r = acct.Client.Do("POST", tenant+"/api-tokens", map[string]any{"name": "expiring", "role": "member",
		"expires_at": time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339Nano)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	expiring := r.Map(t)["secret"].(string)
	_, err := s.DB.Owner.Exec(t.Context(), "UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE prefix = $1", expiring[:12])
	require.NoError(t, err)
	r = s.WithToken(t, expiring).Do("GET", tenant+"/agents", nil)
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.Contains(t, r.Problem(t).Detail, "expired")

	// Garbage: 401, not 500.
	r = s.WithToken(t, "kst_nonsense").Do("GET", tenant+"/agents", nil)
	require.Equal(t, http.StatusUnauthorized, r.Status)

	// An admin cannot mint an owner token.
	admin := s.WithToken(t, acct.Token(t, "admin"))
	r = admin.Do("POST", tenant+"/api-tokens", map[string]any{"name": "escalate", "role": "owner"})
	require.Equal(t, http.StatusForbidden, r.Status)
}

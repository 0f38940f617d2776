package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
)

func requireSecurityHeaders(t *testing.T, r *apitest.Response, hsts bool, what string) {
	t.Helper()
	require.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"), what)
	require.Equal(t, "DENY", r.Header.Get("X-Frame-Options"), what)
	require.Equal(t, "strict-origin-when-cross-origin", r.Header.Get("Referrer-Policy"), what)
	csp := r.Header.Get("Content-Security-Policy")
	require.Contains(t, csp, "frame-ancestors 'none'", what)
	require.Contains(t, csp, "default-src 'self'", what)
	require.NotContains(t, csp, "script-src", what) // scripts fall back to 'self': no inline script runs
	if hsts {
		require.Equal(t, "max-age=31536000; includeSubDomains", r.Header.Get("Strict-Transport-Security"), what)
	} else {
		require.Empty(t, r.Header.Get("Strict-Transport-Security"), what)
	}
}

// Every kind of response carries the security headers; HSTS only when the
// portal is served over https.
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	s := apitest.New(t, apitest.Opts{Env: map[string]string{"PUBLIC_URL": "https://konstruct.example.com"}})
	c := s.Client(t)
	c.Origin = ""
	for what, r := range map[string]*apitest.Response{
		"probe":       c.Do("GET", "/healthz", nil),
		"problem":     c.Do("GET", "/api/portal/me", nil),
		"unknown api": c.Do("GET", "/api/nothing", nil),
		"spa":         c.Do("GET", "/some/page", nil),
		"spec":        c.Do("GET", "/api/openapi.json", nil),
		"metrics":     c.Do("GET", "/metrics", nil),
		"webhook":     s.Raw(t, "POST", "/api/webhooks/slack/events", []byte(`{}`), http.Header{}),
		"too large":   c.Do("POST", "/api/portal/auth/signin", strings.Repeat("x", 128<<10)),
	} {
		requireSecurityHeaders(t, r, true, what)
	}
	requireSecurityHeaders(t, apitest.Shared(t).Client(t).Do("GET", "/healthz", nil), false, "http PUBLIC_URL")
}

// CORS answers only the origins in ALLOWED_ORIGINS, credentials included;
// other origins (and every origin when the list is empty) get no CORS
// headers, so browsers keep the same-origin policy.
func TestCORS(t *testing.T) {
	t.Parallel()
	s := apitest.New(t, apitest.Opts{Env: map[string]string{"ALLOWED_ORIGINS": "https://app.example.com"}})
	preflight := func(s *apitest.Server, origin string) *apitest.Response {
		h := http.Header{}
		h.Set("Origin", origin)
		h.Set("Access-Control-Request-Method", "POST")
		h.Set("Access-Control-Request-Headers", "content-type,idempotency-key")
		return s.Raw(t, "OPTIONS", "/api/portal/tenants", nil, h)
	}
	r := preflight(s, "https://app.example.com")
	require.Equal(t, http.StatusNoContent, r.Status)
	require.Equal(t, "https://app.example.com", r.Header.Get("Access-Control-Allow-Origin"))
	require.Equal(t, "true", r.Header.Get("Access-Control-Allow-Credentials"))
	require.Contains(t, r.Header.Get("Access-Control-Allow-Methods"), "POST")
	require.Contains(t, strings.ToLower(r.Header.Get("Access-Control-Allow-Headers")), "idempotency-key")

	for _, origin := range []string{"https://evil.example.com", "https://app.example.com.evil.com", "null", "http://app.example.com"} {
		r := preflight(s, origin)
		require.Empty(t, r.Header.Get("Access-Control-Allow-Origin"), origin)
		require.Empty(t, r.Header.Get("Access-Control-Allow-Credentials"), origin)
		require.Empty(t, r.Header.Get("Access-Control-Allow-Methods"), origin)
	}

	h := http.Header{}
	h.Set("Origin", "https://app.example.com")
	r = s.Raw(t, "GET", "/healthz", nil, h)
	require.Equal(t, "https://app.example.com", r.Header.Get("Access-Control-Allow-Origin"))
	require.Contains(t, r.Header.Get("Access-Control-Expose-Headers"), "X-Request-Id")
	h.Set("Origin", "https://evil.example.com")
	require.Empty(t, s.Raw(t, "GET", "/healthz", nil, h).Header.Get("Access-Control-Allow-Origin"))

	r = preflight(apitest.Shared(t), "https://app.example.com")
	require.Empty(t, r.Header.Get("Access-Control-Allow-Origin"), "no ALLOWED_ORIGINS, no CORS")
}

// Bodies are limited per operation, before authentication: 64 KiB for
// sign-in and other short forms, HTTP_BODY_LIMIT for agents, previews and
// replies, and per webhook. Where the contract has no body, none is read.
func TestBodyLimitsPerRoute(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	c := s.Client(t)
	tooLarge := func(r *apitest.Response) {
		t.Helper()
		require.Equal(t, http.StatusRequestEntityTooLarge, r.Status, "%s", r.Body)
		require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
		require.Equal(t, http.StatusRequestEntityTooLarge, r.Problem(t).Status)
	}
	pad := func(n int) string { return `{"email":"a@b.co","password":"` + strings.Repeat("x", n) + `"}` }

	tooLarge(c.Do("POST", "/api/portal/auth/signin", pad(70<<10)))
	require.NotEqual(t, http.StatusRequestEntityTooLarge, c.Do("POST", "/api/portal/auth/signin", pad(60<<10)).Status)
	require.Equal(t, http.StatusUnauthorized, c.Do("GET", "/api/portal/me", strings.Repeat("x", 8<<10)).Status, "ignored, not read")

	agents := "/api/portal/tenants/01a2022e-efd4-7201-b38f-1295c25904e8/agents"
	require.Equal(t, http.StatusUnauthorized, c.Do("POST", agents, pad(512<<10)).Status, "agents take up to HTTP_BODY_LIMIT")
	tooLarge(c.Do("POST", agents, pad(2<<20)))

	tooLarge(s.Raw(t, "POST", "/api/webhooks/slack/events", []byte(pad(2<<20)), http.Header{}))
	tooLarge(s.Raw(t, "GET", "/api/webhooks/whatsapp?hub.mode=subscribe", []byte(pad(4<<10)), http.Header{}))
}

// chunked sends body without a Content-Length (Transfer-Encoding: chunked).
func chunked(t *testing.T, s *apitest.Server, method, path, body string) *apitest.Response {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, io.MultiReader(strings.NewReader(body)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", s.URL)
	require.EqualValues(t, 0, req.ContentLength, "no length known: the client sends it chunked")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return &apitest.Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// A body with no Content-Length (chunked) that passes the limit is one 413
// problem like any other, not a 400 that quotes Echo's error twice; one
// within the limit is read whole.
func TestChunkedBodiesOverTheLimitAre413(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	pad := func(n int) string { return `{"email":"a@b.co","password":"` + strings.Repeat("x", n) + `"}` }
	for name, path := range map[string]string{
		"SmallBody": "/api/portal/auth/signin",
		"LargeBody": "/api/portal/auth/signup",
		"Webhook":   "/api/webhooks/slack/events",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := chunked(t, s, "POST", path, pad(3<<20))
			require.Equal(t, http.StatusRequestEntityTooLarge, r.Status, "%s", r.Body)
			p := r.Problem(t)
			require.Equal(t, "body_too_large", p.Code)
			require.NotContains(t, p.Detail, "code=413")
		})
	}
	r := chunked(t, s, "POST", "/api/portal/auth/signin", pad(10))
	require.Equal(t, http.StatusUnauthorized, r.Status, "%s", r.Body)
}

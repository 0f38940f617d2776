package httpapi_test

import (
	"net/http"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestContractErrors(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	c := s.Client(t)

	tests := []struct {
		name      string
		body      string
		status    int
		locations []string
	}{
		{"MalformedJSON", `{"email": "a@b.co", "password":`, http.StatusBadRequest, []string{"body"}},
		{"WrongType", `{"email": "a@b.co", "password": 12345678901, "name": "A"}`, http.StatusBadRequest, []string{"body.password"}},
		{"MissingField", `{"email": "a@b.co", "password": "long enough password"}`, http.StatusBadRequest, []string{"body.name"}},
		{"UnknownField", `{"email": "a@b.co", "password": "long enough password", "name": "A", "admin": true}`, http.StatusBadRequest, []string{"body.admin"}},
		{"RuleBroken", `{"email": "a@b.co", "password": "short", "name": "A"}`, http.StatusUnprocessableEntity, []string{"body.password"}},
		{"BadFormat", `{"email": "not-an-email", "password": "long enough password", "name": "A"}`, http.StatusUnprocessableEntity, []string{"body.email"}},
		{"SeveralAtOnce", `{"password": 5}`, http.StatusBadRequest, []string{"body.email", "body.name", "body.password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := c.Do("POST", "/api/portal/auth/signup", tt.body)
			require.Equal(t, tt.status, r.Status, "body: %s", r.Body)
			p := r.Problem(t)
			require.Equal(t, tt.locations, p.Locations())
			for _, e := range p.Errors {
				require.NotEmpty(t, e.Message)
			}
			require.NotEmpty(t, p.RequestID)
			require.Equal(t, p.RequestID, r.Header.Get("X-Request-Id"))
		})
	}

	t.Run("QueryParameter", func(t *testing.T) {
		t.Parallel()
		acct := s.SignUp(t)
		r := acct.Client.Do("GET", "/api/portal/tenants/"+acct.TenantID.String()+"/agents?limit=abc", nil)
		require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
		require.Equal(t, []string{"query.limit"}, r.Problem(t).Locations())

		r = acct.Client.Do("GET", "/api/portal/tenants/"+acct.TenantID.String()+"/agents?limit=1000", nil)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
		require.Equal(t, []string{"query.limit"}, r.Problem(t).Locations())
	})

	t.Run("PathParameter", func(t *testing.T) {
		t.Parallel()
		acct := s.SignUp(t)
		r := acct.Client.Do("GET", "/api/portal/tenants/not-a-uuid/agents", nil)
		require.Contains(t, []int{http.StatusBadRequest, http.StatusUnprocessableEntity}, r.Status, "%s", r.Body)
		require.Equal(t, []string{"path.tenant_id"}, r.Problem(t).Locations())
	})
}

func TestEchoErrorsAreProblems(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	c := s.Client(t)

	t.Run("UnknownAPIRoute", func(t *testing.T) {
		t.Parallel()
		r := c.Do("GET", "/api/portal/nothing-here", nil)
		require.Equal(t, http.StatusNotFound, r.Status)
		require.Equal(t, "No such endpoint.", r.Problem(t).Detail)
	})
	t.Run("WrongMethod", func(t *testing.T) {
		t.Parallel()
		r := c.Do("DELETE", "/api/portal/me", nil)
		require.Equal(t, http.StatusMethodNotAllowed, r.Status)
		r.Problem(t)
	})
	t.Run("BodyTooLarge", func(t *testing.T) {
		t.Parallel()
		big := `{"email":"a@b.co","password":"` + strings.Repeat("x", 2<<20) + `","name":"A"}`
		r := c.Do("POST", "/api/portal/auth/signup", big)
		require.Equal(t, http.StatusRequestEntityTooLarge, r.Status)
		r.Problem(t)
	})
	t.Run("Unauthenticated", func(t *testing.T) {
		t.Parallel()
		r := c.Do("GET", "/api/portal/me", nil)
		require.Equal(t, http.StatusUnauthorized, r.Status)
		r.Problem(t)
	})
}

func TestProbes(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	c := s.Client(t)

	r := c.Do("GET", "/healthz", nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, "ok", r.Map(t)["status"])

	r = c.Do("GET", "/readyz", nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, map[string]any{"database": "ok", "migrations": "ok"}, r.Map(t)["checks"])
}

func TestRequestIDIsEchoedWhenSane(t *testing.T) {
	t.Parallel()
	c := apitest.Shared(t).Client(t)
	r := c.Do("GET", "/healthz", nil, "X-Request-Id", "trace-abc.123")
	require.Equal(t, "trace-abc.123", r.Header.Get("X-Request-Id"))
	r = c.Do("GET", "/healthz", nil, "X-Request-Id", "bad id with spaces")
	require.NotEqual(t, "bad id with spaces", r.Header.Get("X-Request-Id"))
	require.NotEmpty(t, r.Header.Get("X-Request-Id"))
}

// The build's precompressed copies are served to browsers that accept them,
// with the original's type, Vary and caching; others get the file as is.
func TestSPAPrecompressed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"index.html": "<html>portal</html>", "index.html.br": "BR(index)", "index.html.gz": "GZ(index)",
		"assets/app-abc123.js": "console.log(1)", "assets/app-abc123.js.br": "BR(app)", "assets/app-abc123.js.gz": "GZ(app)",
		"assets/only-gz-1.css": "body{}", "assets/only-gz-1.css.gz": "GZ(css)",
	} {
		require.NoError(t, writeFile(filepath.Join(dir, name), body))
	}
	s := apitest.New(t, apitest.Opts{Env: map[string]string{"SPA_DIR": dir}})
	c := s.Client(t)
	tests := []struct {
		name, path, accept, encoding, body string
	}{
		{"BrotliFirst", "/assets/app-abc123.js", "gzip, deflate, br, zstd", "br", "BR(app)"},
		{"GzipOnly", "/assets/app-abc123.js", "gzip", "gzip", "GZ(app)"},
		{"BrotliRefused", "/assets/app-abc123.js", "br;q=0, gzip;q=0.5", "gzip", "GZ(app)"},
		{"Anything", "/assets/app-abc123.js", "*", "br", "BR(app)"},
		{"Identity", "/assets/app-abc123.js", "identity", "", "console.log(1)"},
		{"NoBrotliCopy", "/assets/only-gz-1.css", "br, gzip", "gzip", "GZ(css)"},
		{"Page", "/agents/new", "br", "br", "BR(index)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := c.Do("GET", tt.path, nil, "Accept-Encoding", tt.accept)
			require.Equal(t, http.StatusOK, r.Status)
			require.Equal(t, tt.encoding, r.Header.Get("Content-Encoding"))
			require.Equal(t, tt.body, string(r.Body))
			require.Equal(t, "Accept-Encoding", r.Header.Get("Vary"))
			switch path.Ext(tt.path) {
			case ".js":
				require.Equal(t, "text/javascript; charset=utf-8", r.Header.Get("Content-Type"))
				require.Equal(t, "public, max-age=31536000, immutable", r.Header.Get("Cache-Control"))
			case ".css":
				require.Equal(t, "text/css; charset=utf-8", r.Header.Get("Content-Type"))
			default:
				require.Equal(t, "text/html; charset=utf-8", r.Header.Get("Content-Type"))
				require.Equal(t, "no-cache", r.Header.Get("Cache-Control"))
			}
		})
	}
}

func TestSPAFallback(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, writeFile(dir+"/index.html", "<html>portal</html>"))
	require.NoError(t, writeFile(dir+"/assets/app-abc123.js", "console.log(1)"))
	s := apitest.New(t, apitest.Opts{Env: map[string]string{"SPA_DIR": dir}})
	c := s.Client(t)

	r := c.Do("GET", "/onboarding?step=2", nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, "<html>portal</html>", string(r.Body))
	require.Equal(t, "no-cache", r.Header.Get("Cache-Control"))

	r = c.Do("GET", "/assets/app-abc123.js", nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Contains(t, r.Header.Get("Cache-Control"), "immutable")

	r = c.Do("GET", "/assets/missing.js", nil)
	require.Equal(t, http.StatusNotFound, r.Status)

	r = c.Do("GET", "/api/unknown", nil)
	require.Equal(t, http.StatusNotFound, r.Status)
	r.Problem(t)
}

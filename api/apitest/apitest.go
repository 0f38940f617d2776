// Package apitest runs the real Konstruct server in-process against the test
// package's database (dbtest) and gives tests a client that speaks to it over
// HTTP the way the portal and integrators do: cookies, Origin, bearer tokens,
// problem+json. Use it for every test that should exercise the full stack.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/app"
	"github.com/konstruct/konstruct/api/config"
	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/obs"
	"github.com/konstruct/konstruct/api/secrets"
)

// Server is a running Konstruct.
type Server struct {
	URL string
	App *app.App
	DB  *dbtest.DB

	stop func()
}

// Opts adjusts a server's environment.
type Opts struct {
	Env  map[string]string // extra or overriding environment variables
	Work bool              // also work River jobs
	// LogTo receives the server's JSON log (default: text on stderr).
	LogTo io.Writer
	// DBTracer sees every database statement (benchmarks count round trips).
	DBTracer pgx.QueryTracer
}

var (
	sharedOnce sync.Once
	shared     *Server
	sharedErr  error
)

// Shared returns the package's default server (started once, with workers).
func Shared(t testing.TB) *Server {
	t.Helper()
	db := dbtest.New(t)
	sharedOnce.Do(func() {
		if shared, sharedErr = start(db, Opts{Work: true}); sharedErr == nil {
			dbtest.OnTeardown(shared.stop)
		}
	})
	require.NoError(t, sharedErr)
	return shared
}

// New starts a dedicated server (for tests that need other settings) and
// stops it when the test ends. A server that works jobs gets a database of its
// own, so no other test's workers take its jobs.
func New(t testing.TB, opts Opts) *Server {
	t.Helper()
	db := dbtest.New(t)
	if opts.Work {
		db = dbtest.Isolated(t)
	}
	s, err := start(db, opts)
	require.NoError(t, err)
	t.Cleanup(s.stop)
	return s
}

var testKeys = struct{ session, secrets string }{
	session: "test1:" + strings.TrimPrefix(secrets.NewKey(1), "1:"),
	secrets: secrets.NewKey(1),
}

// BaseEnv is the environment every test server starts from.
func BaseEnv(db *dbtest.DB, publicURL string) map[string]string {
	return map[string]string{
		"APP_ENV": "development", "PUBLIC_URL": publicURL,
		"DATABASE_URL": db.OwnerURL, "APP_DATABASE_URL": db.AppURL, "DB_MAX_CONNS": "20",
		"SESSION_KEYS": testKeys.session, "SECRETS_KEYS": testKeys.secrets,
		"API_RATE_LIMIT": "100000", "ADDRESS_RATE_LIMIT": "100000", "SPA_DIR": os.TempDir() + "/konstruct-no-spa", "LOG_LEVEL": "warn",
		"SHUTDOWN_TIMEOUT": "5s",
	}
}

func start(db *dbtest.DB, opts Opts) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	url := "http://" + ln.Addr().String()
	env := BaseEnv(db, url)
	for k, v := range opts.Env {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, config.LoadOpts{NeedAppDB: true})
	if err != nil {
		return nil, err
	}
	log := obs.NewLogger(os.Stderr, "text", cfg.LogLevel)
	if opts.LogTo != nil {
		log = obs.NewLogger(opts.LogTo, "json", cfg.LogLevel)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, log, app.Opts{Work: opts.Work, TestOnly: true, DBTracer: opts.DBTracer})
	if err != nil {
		cancel()
		return nil, err
	}
	s := &Server{URL: url, App: a, DB: db}
	done := make(chan error, 1)
	ready := make(chan struct{})
	go func() {
		done <- a.Run(ctx, app.RunOpts{Serve: true, Work: opts.Work, Listener: ln, Ready: func(string) { close(ready) }})
	}()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		return nil, fmt.Errorf("server stopped at start: %w", err)
	}
	s.stop = func() {
		cancel()
		<-done
		a.Close()
	}
	return s, nil
}

// Client talks to a server like a browser (cookie jar, same Origin) or, with
// a token, like an integrator.
type Client struct {
	t      testing.TB
	s      *Server
	http   *http.Client
	Token  string
	Origin string
}

// Client returns a browser-like client with its own cookie jar.
func (s *Server) Client(t testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: t, s: s, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, Origin: s.URL}
}

// WithToken returns a client that authenticates with an API token only.
func (s *Server) WithToken(t testing.TB, token string) *Client {
	c := s.Client(t)
	c.Token, c.Origin = token, ""
	return c
}

// Response is a decoded answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), "body: %s", r.Body)
}

// Map decodes the body as an object.
func (r *Response) Map(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// Problem decodes a problem+json body and checks its content type.
func (r *Response) Problem(t testing.TB) Problem {
	t.Helper()
	require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"), "body: %s", r.Body)
	var p Problem
	r.JSON(t, &p)
	require.Equal(t, r.Status, p.Status)
	return p
}

// Problem is the RFC 9457 body.
type Problem struct {
	Type, Title, Detail, Instance, Code string
	Status                              int
	RequestID                           string `json:"request_id"`
	Errors                              []struct{ Location, Message string }
}

// Locations lists the problem's field locations.
func (p Problem) Locations() []string {
	out := make([]string, 0, len(p.Errors))
	for _, e := range p.Errors {
		out = append(out, e.Location)
	}
	return out
}

// Do sends a request. body may be nil, a string/[]byte (sent as is) or any
// value (sent as JSON).
func (c *Client) Do(method, path string, body any, header ...string) *Response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(c.t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.s.URL+path, rd)
	require.NoError(c.t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Origin != "" {
		req.Header.Set("Origin", c.Origin)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// Account is a signed-up user with their first tenant.
type Account struct {
	Client   *Client
	UserID   uuid.UUID
	TenantID uuid.UUID
	Email    string
	Password string
}

// SignUp creates a fresh account and signs the client in.
func (s *Server) SignUp(t testing.TB) *Account {
	t.Helper()
	c := s.Client(t)
	email := "user-" + uuid.NewString()[:8] + "@example.com"
	password := "correct horse battery staple"
	r := c.Do("POST", "/api/portal/auth/signup", map[string]any{"email": email, "password": password, "name": "Test User",
		"tenant_name": "Tenant of " + email})
	require.Equal(t, http.StatusCreated, r.Status, "signup: %s", r.Body)
	var me struct {
		User        struct{ ID uuid.UUID }
		Memberships []struct {
			TenantID uuid.UUID `json:"tenant_id"`
		}
	}
	r.JSON(t, &me)
	require.Len(t, me.Memberships, 1)
	return &Account{Client: c, UserID: me.User.ID, TenantID: me.Memberships[0].TenantID, Email: email, Password: password}
}

// CreateAgent creates an agent on gpt-4o-mini through the API and returns
// its id.
func (a *Account) CreateAgent(t testing.TB, name string) string {
	t.Helper()
	r := a.Client.Do("POST", "/api/portal/tenants/"+a.TenantID.String()+"/agents", map[string]any{"name": name, "model": "openai/gpt-4o-mini"})
	require.Equal(t, http.StatusCreated, r.Status, "create agent: %s", r.Body)
	return r.Map(t)["id"].(string)
}

// ChooseAgent makes agentID answer on the connection (updateConnection).
func (a *Account) ChooseAgent(t testing.TB, connectionID uuid.UUID, agentID string) {
	t.Helper()
	r := a.Client.Do("PATCH", "/api/portal/tenants/"+a.TenantID.String()+"/channels/"+connectionID.String(), map[string]any{"agent_id": agentID})
	require.Equal(t, http.StatusOK, r.Status, "choose agent: %s", r.Body)
}

// Disconnect disconnects the connection (disconnectConnection).
func (a *Account) Disconnect(t testing.TB, connectionID uuid.UUID) {
	t.Helper()
	r := a.Client.Do("DELETE", "/api/portal/tenants/"+a.TenantID.String()+"/channels/"+connectionID.String(), nil)
	require.Equal(t, http.StatusNoContent, r.Status, "disconnect: %s", r.Body)
}

// Token creates an API token of role in the account's tenant and returns its secret.
func (a *Account) Token(t testing.TB, role string) string {
	t.Helper()
	r := a.Client.Do("POST", "/api/portal/tenants/"+a.TenantID.String()+"/api-tokens", map[string]any{"name": "test " + role, "role": role})
	require.Equal(t, http.StatusCreated, r.Status, "create token: %s", r.Body)
	var tok struct{ Secret string }
	r.JSON(t, &tok)
	return tok.Secret
}

// AddMember invites other into the account's tenant with role and has them
// accept the invitation's link, as a person would.
func (a *Account) AddMember(t testing.TB, other *Account, role string) {
	t.Helper()
	r := a.Client.Do("POST", "/api/portal/tenants/"+a.TenantID.String()+"/members", map[string]any{"email": other.Email, "role": role})
	require.Equal(t, http.StatusCreated, r.Status, "invite: %s", r.Body)
	var inv struct {
		InviteURL string `json:"invite_url"`
	}
	r.JSON(t, &inv)
	r = other.Client.Do("POST", "/api/portal/invitations/accept", map[string]any{"token": queryParam(t, inv.InviteURL, "token")})
	require.Equal(t, http.StatusOK, r.Status, "accept: %s", r.Body)
}

func queryParam(t testing.TB, raw, name string) string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u.Query().Get(name)
}

// Settle waits until no River job is queued or running. A fake seeing a
// reply go out does not mean the worker has recorded it yet (the delivery
// state is saved after the send), so tests that read the database after a
// WaitCalls/WaitSent settle first. Scheduled jobs (debounce, snoozes) are not
// waited for: they may be minutes away by design.
func (s *Server) Settle(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var n int
		err := s.DB.Owner.QueryRow(context.Background(),
			`SELECT count(*) FROM river_job WHERE state IN ('available', 'running', 'pending')`).Scan(&n)
		require.NoError(t, err)
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("apitest: %d River jobs still queued or running after 15s", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

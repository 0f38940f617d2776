package faults_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
)

// binary is the konstruct command built once for the package.
var binary string

func TestMain(m *testing.M) {
	// FAULTS_BINARY runs the suite against another build (a baseline from
	// an older commit, when measuring what a change fixed).
	if b := os.Getenv("FAULTS_BINARY"); b != "" {
		binary = b
		dbtest.Main(m)
		return
	}
	dir, err := os.MkdirTemp("", "konstruct-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "konstruct")
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		goCmd = "go"
	}
	build := exec.Command(goCmd, "build", "-o", binary, "github.com/konstruct/konstruct/api/cmd/konstruct")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "faults: build konstruct:", err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	dbtest.OnTeardown(func() { _ = os.RemoveAll(dir) })
	dbtest.Main(m)
}

const platformKey = "sk-platform-faults"

// logBuffer collects a process's output safely and lets tests wait for a line.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is one konstruct OS process.
type proc struct {
	name string
	URL  string // serve only
	cmd  *exec.Cmd
	logs *logBuffer
	done chan struct{}
	err  error
}

// Signal sends sig to the process.
func (p *proc) Signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(sig))
}

// Kill SIGKILLs the process and waits for it to be gone.
func (p *proc) Kill(t testing.TB) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Wait waits for the process to exit and returns its error.
func (p *proc) Wait(t testing.TB, timeout time.Duration) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		t.Fatalf("%s did not exit within %s", p.name, timeout)
		return nil
	}
}

// cluster is a test database, the fakes, and the konstruct processes that
// share them.
type cluster struct {
	t     *testing.T
	db    *dbtest.DB
	fakes *apitest.Fakes
	llm   *llmfake.Server
	env   map[string]string
	// dbURL and appURL are what processes connect to (possibly a proxy).
	dbURL, appURL string
	procs         []*proc
	n             atomic.Int64
}

// newCluster prepares a database of the test's own and the fakes; extra
// overrides the processes' environment.
func newCluster(t *testing.T, extra map[string]string) *cluster {
	t.Helper()
	db := dbtest.Isolated(t)
	c := &cluster{t: t, db: db, fakes: apitest.NewFakes(t), llm: llmfake.New(t), dbURL: db.OwnerURL, appURL: db.AppURL}
	c.env = apitest.BaseEnv(db, "")
	for k, v := range c.fakes.Env() {
		c.env[k] = v
	}
	for k, v := range map[string]string{
		"OPENAI_API_URL": c.llm.URL + "/v1", "PLATFORM_OPENAI_API_KEY": platformKey,
		"ANTHROPIC_API_URL": c.llm.URL, "PLATFORM_ANTHROPIC_API_KEY": platformKey,
		"TURN_DEBOUNCE": "0s", "LLM_MAX_RETRIES": "0", "ALLOW_PRIVATE_URLS": "true",
		"LOG_LEVEL": "info", "LOG_FORMAT": "text", "DB_MAX_CONNS": "8", "LLM_TIMEOUT": "20s",
	} {
		c.env[k] = v
	}
	for k, v := range extra {
		c.env[k] = v
	}
	return c
}

// viaProxy makes processes started later reach PostgreSQL through addr.
func (c *cluster) viaProxy(addr string) {
	c.dbURL, c.appURL = withHost(c.t, c.db.OwnerURL, addr), withHost(c.t, c.db.AppURL, addr)
}

func withHost(t testing.TB, raw, host string) string {
	u, err := url.Parse(raw)
	require.NoError(t, err)
	u.Host = host
	return u.String()
}

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// start runs `konstruct role` and waits until it serves or works.
func (c *cluster) start(role string) *proc {
	t := c.t
	t.Helper()
	p := &proc{name: fmt.Sprintf("%s-%d", role, c.n.Add(1)), logs: &logBuffer{}, done: make(chan struct{})}
	env := map[string]string{}
	for k, v := range c.env {
		env[k] = v
	}
	env["DATABASE_URL"], env["APP_DATABASE_URL"] = c.dbURL, c.appURL
	if role == "serve" {
		addr := freeAddr(t)
		p.URL = "http://" + addr
		env["HTTP_ADDR"], env["PUBLIC_URL"] = addr, p.URL
	} else {
		env["HTTP_ADDR"], env["PUBLIC_URL"] = "127.0.0.1:1", "http://127.0.0.1:1"
	}
	p.cmd = exec.Command(binary, role)
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir()}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	require.NoError(t, p.cmd.Start())
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	c.procs = append(c.procs, p)
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Signal(syscall.SIGKILL)
			<-p.done
		}
		if t.Failed() {
			t.Logf("---- %s log ----\n%s", p.name, p.logs.String())
		}
	})

	want := "working jobs"
	if role == "serve" {
		want = "serving"
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(p.logs.String(), want) {
		select {
		case <-p.done:
			t.Fatalf("%s exited at start (%v):\n%s", p.name, p.err, p.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after 30s:\n%s", p.name, p.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return p
}

// api is a handle on a serve process for apitest's portal helpers.
func (c *cluster) api(p *proc) *apitest.Server {
	return &apitest.Server{URL: p.URL, DB: c.db}
}

// tenant is a signed-up account with an agent and an installed workspace.
type tenant struct {
	acct *apitest.Account
	ws   apitest.SlackWorkspace
}

// tenant signs up through srv, creates an agent and installs Slack.
func (c *cluster) tenant(srv *proc, agent map[string]any) tenant {
	t := c.t
	t.Helper()
	s := c.api(srv)
	acct := s.SignUp(t)
	body := map[string]any{"name": "Ada", "model": "openai/gpt-4o-mini", "persona": "Calm."}
	for k, v := range agent {
		body[k] = v
	}
	r := acct.Client.Do("POST", "/api/portal/tenants/"+acct.TenantID.String()+"/agents", body)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	return tenant{acct: acct, ws: s.InstallSlack(t, acct, c.fakes)}
}

// event is one Slack mention, in a channel of its own so that every event
// is a conversation (and a thread) of its own.
type event struct {
	tenant  tenant
	id      string // event_id
	channel string
	ts      string
	text    string
	body    []byte
}

var tsSeq atomic.Int64

func (c *cluster) event(tn tenant) *event {
	n := tsSeq.Add(1)
	e := &event{tenant: tn, id: fmt.Sprintf("Ev%06d", n), channel: fmt.Sprintf("C%06d", n),
		ts: fmt.Sprintf("%d.%06d", time.Now().Unix(), n), text: fmt.Sprintf("message %d", n)}
	e.body = slackfake.Envelope(tn.ws.TeamID, e.id, slackfake.Mention("UALICE", e.channel, e.ts, "<@"+tn.ws.BotUserID+"> "+e.text))
	return e
}

// want is the reply the fake LLM gives to the event.
func (e *event) want() string { return "You said: " + e.text }

// post delivers the event signed, as Slack does; retry is Slack's
// X-Slack-Retry-Num (0 for the first delivery).
func (c *cluster) post(client *http.Client, base string, e *event, retry int) (int, error) {
	req, err := http.NewRequest("POST", base+"/api/webhooks/slack/events", bytes.NewReader(e.body))
	if err != nil {
		return 0, err
	}
	slackfake.Sign(req.Header, c.fakes.SlackSigningSecret, e.body, time.Now())
	req.Header.Set("Content-Type", "application/json")
	if retry > 0 {
		req.Header.Set("X-Slack-Retry-Num", fmt.Sprint(retry))
		req.Header.Set("X-Slack-Retry-Reason", "http_error")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func (e *event) key() string { return e.tenant.ws.Token + "/" + e.channel + "/" + e.ts }

// replied reports whether the fake Slack shows the event's reply.
func (c *cluster) replied(e *event) bool {
	for _, call := range c.fakes.Slack.Calls("chat.update") {
		if call.Token == e.tenant.ws.Token && call.Form.Get("channel") == e.channel && call.Form.Get("text") == e.want() {
			return true
		}
	}
	return false
}

// waitReplies waits until every event has its reply at the fake Slack.
func (c *cluster) waitReplies(events []*event, timeout time.Duration) {
	t := c.t
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		missing := 0
		for _, e := range events {
			if !c.replied(e) {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events still unanswered after %s", missing, len(events), timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// assertOnce checks that every event got exactly one placeholder and exactly
// one reply (one chat.update of that placeholder with the expected text), and
// nothing else was posted in any thread.
func (c *cluster) assertOnce(events []*event) {
	t := c.t
	t.Helper()
	posts := map[string][]slackfake.Call{}
	updates := map[string][]slackfake.Call{} // by token/channel
	for _, call := range c.fakes.Slack.Calls("chat.postMessage") {
		k := call.Token + "/" + call.Form.Get("channel") + "/" + call.Form.Get("thread_ts")
		posts[k] = append(posts[k], call)
	}
	for _, call := range c.fakes.Slack.Calls("chat.update") {
		k := call.Token + "/" + call.Form.Get("channel")
		updates[k] = append(updates[k], call)
	}
	require.Len(t, posts, len(events), "one thread per event, no stray posts")
	for _, e := range events {
		p := posts[e.key()]
		require.Len(t, p, 1, "event %s: exactly one message posted in its thread", e.id)
		u := updates[e.tenant.ws.Token+"/"+e.channel]
		require.Len(t, u, 1, "event %s: exactly one reply", e.id)
		require.Equal(t, e.want(), u[0].Form.Get("text"), "event %s", e.id)
	}
}

// turnJobs counts the agent.turn jobs by state, and how many attempts they
// took in total.
func (c *cluster) turnJobs() (byState map[string]int, attempts int) {
	t := c.t
	t.Helper()
	rows, err := c.db.Owner.Query(context.Background(), `SELECT state::text, count(*), sum(attempt) FROM river_job WHERE kind = 'agent.turn' GROUP BY state`)
	require.NoError(t, err)
	defer rows.Close()
	byState = map[string]int{}
	for rows.Next() {
		var s string
		var n, a int
		require.NoError(t, rows.Scan(&s, &n, &a))
		byState[s], attempts = n, attempts+a
	}
	require.NoError(t, rows.Err())
	return byState, attempts
}

// settle waits until no job is queued, running or waiting to retry.
func (c *cluster) settle(timeout time.Duration) {
	t := c.t
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var n int
		require.NoError(t, c.db.Owner.QueryRow(context.Background(),
			`SELECT count(*) FROM river_job WHERE state IN ('available', 'running', 'pending', 'retryable', 'scheduled') AND kind = 'agent.turn'`).Scan(&n))
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d agent turns still unfinished after %s", n, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// noKeepAlive is a client that opens a connection per request, so an error
// tells exactly whether a request was refused or cut.
func noKeepAlive() *http.Client {
	return &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
}

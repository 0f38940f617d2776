// Package stripemock runs the official stripe-mock server (a `tool` in
// go.mod) for a test: HTTP only, on 127.0.0.1. stripe-mock validates each
// request against Stripe's OpenAPI spec and answers with fixtures; it keeps
// no state and sends no webhooks (tests sign their own, see
// webhook.GenerateTestSignedPayload).
//
// stripe-mock turns HTTPS on (on all interfaces) unless HTTP is asked for
// by port or socket, and a port of 0 binds every interface. So it listens on
// a unix socket in the test's temporary directory, HTTPS stays off, and a
// reverse proxy on 127.0.0.1 gives stripe-go the TCP URL it needs.
package stripemock

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Key is a secret key stripe-mock accepts (sk_test_ plus one part).
const Key = "sk_test_konstruct"

var (
	binOnce sync.Once
	bin     string
	binErr  error
)

// binary builds (or finds in the build cache) the stripe-mock tool.
func binary() (string, error) {
	binOnce.Do(func() {
		out, err := exec.Command("go", "tool", "-n", "stripe-mock").Output()
		if err != nil {
			binErr = err
			return
		}
		bin = strings.TrimSpace(string(out))
	})
	return bin, binErr
}

// Request is one call stripe-go made, as stripe-mock received it.
type Request struct {
	Method, Path string
	Form         url.Values
	Idempotency  string
}

// Server is a running stripe-mock behind a recording proxy.
type Server struct {
	URL string // for STRIPE_API_URL

	mu   sync.Mutex
	reqs []Request
}

// Requests returns the calls made so far to method and path (a prefix).
func (s *Server) Requests(method, pathPrefix string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.reqs {
		if r.Method == method && strings.HasPrefix(r.Path, pathPrefix) {
			out = append(out, r)
		}
	}
	return out
}

// Start runs stripe-mock for the test; it stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	path, err := binary()
	require.NoError(t, err, "build stripe-mock (go tool stripe-mock)")
	dir, err := os.MkdirTemp("", "stripemock") // short: unix socket paths are limited to ~100 bytes
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	sock := filepath.Join(dir, "s")
	cmd := exec.Command(path, "-http-unix", sock)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = cmd.Stdout
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		once := sync.Once{}
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Listening for HTTP") {
				once.Do(func() { close(ready) })
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("stripe-mock did not start within 30s")
	}

	target, _ := url.Parse("http://stripe-mock")
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}
	s := &Server{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		s.mu.Lock()
		s.reqs = append(s.reqs, Request{Method: r.Method, Path: r.URL.Path, Form: form, Idempotency: r.Header.Get("Idempotency-Key")})
		s.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Package webhookfake is an integrator's webhook receiver for tests: it
// records every request Konstruct's outbound events make (headers and raw
// body, in arrival order), answers as the test scripts it (a status, a body,
// a Retry-After, or hanging until released), and can go down (connection
// refused) and come back up on the same address, as a real receiver's
// outage looks from the sender.
package webhookfake

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Request is one delivery attempt as received.
type Request struct {
	Seq       int // arrival order, from 1
	Path      string
	ID        string // webhook-id
	Timestamp string // webhook-timestamp
	Signature string // webhook-signature
	Header    http.Header
	Body      []byte
	At        time.Time
}

// Event decodes the body's envelope.
func (r Request) Event() Envelope {
	var e Envelope
	_ = json.Unmarshal(r.Body, &e)
	return e
}

// Envelope is the part of a delivery body tests look at.
type Envelope struct {
	ID       string          `json:"id"`
	Type     string          `json:"type"`
	Version  int             `json:"version"`
	TenantID string          `json:"tenant_id"`
	Data     json.RawMessage `json:"data"`
}

// Reply is how the receiver answers one request.
type Reply struct {
	Status     int // default 200
	Body       string
	RetryAfter string
	// Location is sent with 3xx answers.
	Location string
	// Hold, when set, keeps the request open until it is closed (or the
	// sender gives up).
	Hold <-chan struct{}
}

// Server is the receiver.
type Server struct {
	URL  string // http://127.0.0.1:port
	addr string

	mu      sync.Mutex
	srv     *http.Server
	reqs    []Request
	respond func(Request) Reply
	changed chan struct{}
}

// New starts a receiver answering 200, stopped when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("webhookfake: %v", err)
	}
	s := &Server{addr: ln.Addr().String(), changed: make(chan struct{})}
	s.URL = "http://" + s.addr
	s.serve(ln)
	t.Cleanup(s.Down)
	return s
}

func (s *Server) serve(ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(s.handle), ReadHeaderTimeout: 5 * time.Second}
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// Respond scripts the answers (nil: 200 to everything).
func (s *Server) Respond(f func(Request) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.respond = f
}

// Down stops accepting connections and drops open ones: senders see
// "connection refused" until Up.
func (s *Server) Down() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Up listens again on the same address.
func (s *Server) Up(t testing.TB) {
	t.Helper()
	var ln net.Listener
	var err error
	// The port was just released; retry briefly if the OS holds it.
	for range 50 {
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("webhookfake: listen again on %s: %v", s.addr, err)
	}
	s.serve(ln)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	req := Request{Seq: len(s.reqs) + 1, Path: r.URL.Path, ID: r.Header.Get("webhook-id"), Timestamp: r.Header.Get("webhook-timestamp"),
		Signature: r.Header.Get("webhook-signature"), Header: r.Header.Clone(), Body: body, At: time.Now()}
	s.reqs = append(s.reqs, req)
	respond := s.respond
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()

	reply := Reply{Status: http.StatusOK, Body: `{"ok":true}`}
	if respond != nil {
		reply = respond(req)
	}
	if reply.Hold != nil {
		select {
		case <-reply.Hold:
		case <-r.Context().Done():
			return
		}
	}
	if reply.RetryAfter != "" {
		w.Header().Set("Retry-After", reply.RetryAfter)
	}
	if reply.Location != "" {
		w.Header().Set("Location", reply.Location)
	}
	if reply.Status == 0 {
		reply.Status = http.StatusOK
	}
	w.WriteHeader(reply.Status)
	_, _ = io.WriteString(w, reply.Body)
}

// Requests returns every request so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Wait blocks until ok holds for the requests received, or fails the test
// after timeout.
func (s *Server) Wait(t testing.TB, timeout time.Duration, ok func([]Request) bool) []Request {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		s.mu.Lock()
		reqs, changed := append([]Request(nil), s.reqs...), s.changed
		s.mu.Unlock()
		if ok(reqs) {
			return reqs
		}
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("webhookfake: condition not met within %s (%d requests received)", timeout, len(reqs))
			return nil
		}
	}
}

// WaitN waits for at least n requests.
func (s *Server) WaitN(t testing.TB, n int, timeout time.Duration) []Request {
	t.Helper()
	return s.Wait(t, timeout, func(r []Request) bool { return len(r) >= n })
}

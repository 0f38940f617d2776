// Package smtpfake is a fake mail server for tests: a real SMTP server
// (emersion/go-smtp) on 127.0.0.1 that accepts every message and records its
// envelope and raw content, so tests can read the invitation emails the
// platform sends through its ordinary SMTP client. Point SMTP_URL at URL().
package smtpfake

import (
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"
)

// Message is one received email.
type Message struct {
	From    string
	To      []string
	Subject string
	Body    string // the decoded text of a single-part message
	Raw     []byte
}

// Server is a running fake.
type Server struct {
	addr string
	mu   sync.Mutex
	msgs []Message
	cond *sync.Cond
}

// New starts a fake stopped when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &Server{addr: ln.Addr().String()}
	s.cond = sync.NewCond(&s.mu)
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "smtpfake.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// URL is the SMTP_URL that reaches the fake (plain text on loopback).
func (s *Server) URL() string { return "smtp://" + s.addr + "?tls=none" }

// Messages returns what was received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait returns once n messages have arrived, failing the test after timeout.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if msgs := s.Messages(); len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			t.Fatalf("smtpfake: %d messages after %s, want %d", len(s.Messages()), timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}
func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{From: x.from, To: x.to, Raw: raw}
	if parsed, err := mail.ReadMessage(strings.NewReader(string(raw))); err == nil {
		m.Subject, _ = new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
		m.Body = decodeBody(parsed)
	}
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, m)
	x.s.mu.Unlock()
	return nil
}

// decodeBody undoes the transfer encoding of a single-part message.
func decodeBody(m *mail.Message) string {
	var r io.Reader = m.Body
	switch strings.ToLower(m.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, _ := io.ReadAll(r)
	return string(b)
}

package mail

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one plain-text email.
type Message struct {
	To      string
	Subject string
	Text    string
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SMTP sends through one SMTP server.
type SMTP struct {
	host    string
	opts    []gomail.Option
	from    string
	timeout time.Duration
}

// NewSMTP parses an SMTP_URL: smtp://user:password@host:587 (STARTTLS
// required), smtps://user:password@host:465 (implicit TLS), or
// smtp://host:25?tls=none for a relay on loopback only.
func NewSMTP(rawURL, from string, timeout time.Duration) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		return nil, errors.New("mail: SMTP_URL must be smtp://user:password@host:587 or smtps://user:password@host:465")
	}
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	opts := []gomail.Option{gomail.WithTimeout(timeout)}
	port := 587
	switch u.Scheme {
	case "smtps":
		port = 465
		opts = append(opts, gomail.WithSSL())
	case "smtp":
		policy := gomail.TLSMandatory
		if u.Query().Get("tls") == "none" {
			ip := net.ParseIP(u.Hostname())
			if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
				return nil, errors.New("mail: tls=none is only allowed for a relay on loopback (localhost, 127.0.0.1, ::1)")
			}
			policy = gomail.NoTLS
		}
		opts = append(opts, gomail.WithTLSPortPolicy(policy))
	default:
		return nil, fmt.Errorf("mail: unsupported scheme %q", u.Scheme)
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("mail: port %q: %w", p, err)
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if u.User != nil {
		pw, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pw))
	}
	return &SMTP{host: u.Hostname(), opts: opts, from: from, timeout: timeout}, nil
}

// Send delivers m, or returns why the server refused it.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("mail: from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("mail: to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	client, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: send to %s: %w", s.host, err)
	}
	return nil
}

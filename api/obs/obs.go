// Package obs carries what every log line of a request or job must say (the
// request id, tenant id, job id) through the context, and builds the process
// logger whose handler adds them (and the trace id, when tracing is on).
// Metrics and the optional OpenTelemetry tracing live here too.
package obs

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/trace"
)

type scopeKey struct{}

// Scope is the per-request or per-job record that log lines are tagged with.
// It is a pointer in the context, so a handler that learns the tenant late
// (after routing) can still tag the request's access log line.
type Scope struct {
	mu        sync.Mutex
	requestID string
	clientIP  string
	userAgent string
	accept    string
	tenantID  string
	jobID     int64
	jobKind   string
}

// Request describes an incoming HTTP request.
type Request struct {
	ID, ClientIP, UserAgent, Accept string
}

// WithRequest starts a request scope.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, scopeKey{}, &Scope{requestID: r.ID, clientIP: r.ClientIP, userAgent: r.UserAgent, accept: r.Accept})
}

// WantsHTML reports whether the request came from a browser navigating
// (Accept prefers text/html), as opposed to an API client.
func WantsHTML(ctx context.Context) bool {
	s := scope(ctx)
	return s != nil && strings.Contains(s.accept, "text/html")
}

// WithJob starts a job scope.
func WithJob(ctx context.Context, jobID int64, kind, tenantID string) context.Context {
	return context.WithValue(ctx, scopeKey{}, &Scope{jobID: jobID, jobKind: kind, tenantID: tenantID})
}

func scope(ctx context.Context) *Scope {
	s, _ := ctx.Value(scopeKey{}).(*Scope)
	return s
}

// SetTenant records the tenant a request turned out to be about.
func SetTenant(ctx context.Context, tenantID string) {
	if s := scope(ctx); s != nil {
		s.mu.Lock()
		s.tenantID = tenantID
		s.mu.Unlock()
	}
}

// RequestID returns the request id, or "".
func RequestID(ctx context.Context) string {
	if s := scope(ctx); s != nil {
		return s.requestID
	}
	return ""
}

// ClientIP returns the client address of the request, or "".
func ClientIP(ctx context.Context) string {
	if s := scope(ctx); s != nil {
		return s.clientIP
	}
	return ""
}

// UserAgent returns the request's User-Agent, or "".
func UserAgent(ctx context.Context) string {
	if s := scope(ctx); s != nil {
		return s.userAgent
	}
	return ""
}

func (s *Scope) attrs() []slog.Attr {
	s.mu.Lock()
	defer s.mu.Unlock()
	var attrs []slog.Attr
	if s.requestID != "" {
		attrs = append(attrs, slog.String("request_id", s.requestID))
	}
	if s.tenantID != "" {
		attrs = append(attrs, slog.String("tenant_id", s.tenantID))
	}
	if s.jobID != 0 {
		attrs = append(attrs, slog.Int64("job_id", s.jobID), slog.String("job_kind", s.jobKind))
	}
	return attrs
}

// NewLogger builds the process logger: JSON or text, at a level, tagging
// every record logged with a context by that context's scope.
func NewLogger(w io.Writer, format, level string) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(strings.ToUpper(level)))
	opts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(scopeHandler{h})
}

type scopeHandler struct{ slog.Handler }

func (h scopeHandler) Handle(ctx context.Context, r slog.Record) error {
	if s := scope(ctx); s != nil {
		r.AddAttrs(s.attrs()...)
	}
	// A traced request's or job's lines name its trace, so a log search
	// leads to the trace and back. With tracing off no middleware starts
	// or accepts a trace, so the context never holds a valid one.
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h scopeHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return scopeHandler{h.Handler.WithAttrs(attrs)}
}

func (h scopeHandler) WithGroup(name string) slog.Handler {
	return scopeHandler{h.Handler.WithGroup(name)}
}

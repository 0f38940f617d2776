package tools

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/llm"
	"github.com/konstruct/konstruct/api/netguard"
	"github.com/konstruct/konstruct/api/secrets"
)

func TestBuiltins(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)
	s, err := Build(Env{Now: func() time.Time { return now }}, Agent{Enabled: []string{"current_time", "escalate_to_human"}})
	require.NoError(t, err)
	require.Len(t, s.Defs(), 2)

	c := s.Run(context.Background(), "", llm.ToolCall{Name: "current_time", Arguments: json.RawMessage(`{"timezone":"Asia/Tokyo"}`)})
	require.True(t, c.OK)
	require.Equal(t, "2026-11-22T19:30:00+09:00 (Sunday, Asia/Tokyo)", c.Output)

	for _, bad := range []string{`{"timezone": 5}`, `{"timezone": "Mars/Olympus"}`, `not json`} {
		c = s.Run(context.Background(), "", llm.ToolCall{Name: "current_time", Arguments: json.RawMessage(bad)})
		require.False(t, c.OK, bad)
		require.True(t, strings.HasPrefix(c.Output, "error: "), c.Output)
		require.Equal(t, FailInvalidArguments, c.Failure, bad)
	}
	c = s.Run(context.Background(), "", llm.ToolCall{Name: "rm_rf", Arguments: json.RawMessage(`{}`)})
	require.False(t, c.OK)
	require.Equal(t, FailUnknownTool, c.Failure)

	_, escalated := s.Escalation()
	require.False(t, escalated)
	c = s.Run(context.Background(), "", llm.ToolCall{Name: "escalate_to_human", Arguments: json.RawMessage(`{}`)})
	require.False(t, c.OK, "reason is required")
	c = s.Run(context.Background(), "", llm.ToolCall{Name: "escalate_to_human", Arguments: json.RawMessage(`{"reason":"wants a refund"}`)})
	require.True(t, c.OK)
	reason, escalated := s.Escalation()
	require.True(t, escalated)
	require.Equal(t, "wants a refund", reason)

	// A hand-over recorded by an earlier attempt is restored without running.
	again, err := Build(Env{}, Agent{Enabled: []string{"escalate_to_human"}})
	require.NoError(t, err)
	tc := llm.ToolCall{Name: "escalate_to_human", Arguments: json.RawMessage(`{"reason":"legal"}`)}
	again.Restore(tc, Call{Name: tc.Name, OK: false})
	_, escalated = again.Escalation()
	require.False(t, escalated, "a failed call changed nothing")
	again.Restore(tc, Call{Name: tc.Name, OK: true})
	reason, escalated = again.Escalation()
	require.True(t, escalated)
	require.Equal(t, "legal", reason)
}

func TestHTTPTool(t *testing.T) {
	t.Parallel()
	var got *http.Request
	var gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		if strings.HasSuffix(r.URL.Path, "/big") {
			_, _ = w.Write([]byte(strings.Repeat("x", 5000)))
			return
		}
		if strings.HasSuffix(r.URL.Path, "/missing") {
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"error":"no such order"}`))
			return
		}
		_, _ = w.Write([]byte(`{"status":"shipped"}`))
	}))
	defer srv.Close()
	k, err := secrets.Parse(secrets.NewKey(1))
	require.NoError(t, err)
	agentID := uuid.New()
	sealed, err := SealHeader(k, agentID, "get_order", "Authorization", "Bearer s3cret-abcd")
	require.NoError(t, err)
	require.Equal(t, "abcd", sealed.Hint)

	tool := HTTPTool{Name: "get_order", Description: "Order status", Method: "GET", URL: srv.URL + "/orders/{order_id}",
		Parameters: map[string]any{"type": "object", "required": []any{"order_id"},
			"properties": map[string]any{"order_id": map[string]any{"type": "string"}, "verbose": map[string]any{"type": "boolean"}}},
		Headers: map[string]string{"X-Shop": "acme"}, SecretHeaderNames: []string{"Authorization"}, MaxResponseBytes: 1000}
	post := HTTPTool{Name: "create_ticket", Description: "Open a ticket", Method: "POST", URL: srv.URL + "/tickets",
		Parameters: map[string]any{"type": "object", "properties": map[string]any{"subject": map[string]any{"type": "string"}}}}
	big := HTTPTool{Name: "big", Description: "Big", Method: "GET", URL: srv.URL + "/big", MaxResponseBytes: 1000}
	missing := HTTPTool{Name: "missing", Description: "Missing", Method: "GET", URL: srv.URL + "/missing"}

	lax := netguard.Policy{AllowPrivate: true}
	require.NoError(t, Check(context.Background(), []HTTPTool{tool, post, big, missing}, lax, "body.http_tools"))
	s, err := Build(Env{Keyring: k, HTTP: lax.Client(5 * time.Second)}, Agent{ID: agentID, Enabled: []string{"http_request"},
		HTTPTools: []HTTPTool{tool, post, big, missing}, Secrets: map[string]Sealed{SecretKey("get_order", "Authorization"): sealed}})
	require.NoError(t, err)

	c := s.Run(context.Background(), "", llm.ToolCall{Name: "get_order", Arguments: json.RawMessage(`{"order_id":"A/42","verbose":true}`)})
	require.True(t, c.OK, c.Output)
	require.Equal(t, "HTTP 200\n{\"status\":\"shipped\"}", c.Output)
	require.Equal(t, "/orders/A%2F42", got.URL.RawPath, "placeholders are escaped")
	require.Equal(t, "true", got.URL.Query().Get("verbose"))
	require.Equal(t, "Bearer s3cret-abcd", got.Header.Get("Authorization"))
	require.Equal(t, "acme", got.Header.Get("X-Shop"))

	c = s.Run(context.Background(), "", llm.ToolCall{Name: "get_order", Arguments: json.RawMessage(`{"verbose":"yes"}`)})
	require.False(t, c.OK)
	require.Contains(t, c.Output, "do not match the tool's parameters")

	c = s.Run(context.Background(), "0190f4c2-call", llm.ToolCall{Name: "create_ticket", Arguments: json.RawMessage(`{"subject":"broken"}`)})
	require.True(t, c.OK, c.Output)
	require.JSONEq(t, `{"subject":"broken"}`, gotBody)
	require.Equal(t, "0190f4c2-call", got.Header.Get("Idempotency-Key"), "the call's id lets the receiver dedupe")

	c = s.Run(context.Background(), "", llm.ToolCall{Name: "big", Arguments: json.RawMessage(`{}`)})
	require.True(t, c.OK)
	require.Contains(t, c.Output, "[response cut at 1000 bytes]")

	c = s.Run(context.Background(), "", llm.ToolCall{Name: "missing", Arguments: json.RawMessage(`{}`)})
	require.False(t, c.OK)
	require.Contains(t, c.Output, "HTTP 404")
	require.Equal(t, FailHTTPStatus, c.Failure)
	require.Equal(t, 404, c.HTTPStatus)

	// The same endpoints through the strict guard: refused at dial time.
	strict, err := Build(Env{Keyring: k, HTTP: netguard.Policy{}.Client(5 * time.Second)}, Agent{ID: agentID, Enabled: []string{"http_request"}, HTTPTools: []HTTPTool{post}})
	require.NoError(t, err)
	c = strict.Run(context.Background(), "", llm.ToolCall{Name: "create_ticket", Arguments: json.RawMessage(`{}`)})
	require.False(t, c.OK)
	require.Contains(t, c.Output, "not allowed")
	require.Equal(t, FailUnreachable, c.Failure)
	require.False(t, strict.External("current_time"))
	require.True(t, strict.External("create_ticket"))
}

func TestCheck(t *testing.T) {
	t.Parallel()
	err := Check(context.Background(), []HTTPTool{
		{Name: "current_time", Method: "GET", URL: "https://8.8.8.8/x"},
		{Name: "a", Method: "GET", URL: "http://169.254.169.254/latest/{x}"},
		{Name: "a", Method: "GET", URL: "https://8.8.8.8/{id}", Parameters: map[string]any{"type": "object"}},
		{Name: "b", Method: "GET", URL: "https://8.8.8.8/", Parameters: map[string]any{"type": "array"}},
		{Name: "c", Method: "POST", URL: "https://8.8.8.8/", Headers: map[string]string{"idempotency-key": "fixed"}},
	}, netguard.Policy{}, "body.http_tools")
	require.Error(t, err)
	all, _ := json.Marshal(err)
	for _, want := range []string{"built-in", "link-local", "used twice", "{id} must be a required parameter", "top level must be", "one per tool call"} {
		require.Contains(t, string(all), want)
	}
}

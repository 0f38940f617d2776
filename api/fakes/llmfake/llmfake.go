// Package llmfake is a fake language-model server for tests. It speaks the
// OpenAI Chat Completions and Embeddings wire format (served at both
// /chat/completions and /v1/chat/completions, so it works as an OpenAI or an
// OpenAI-compatible base URL) and the Anthropic Messages format
// (/v1/messages), including their error bodies. It records every request
// (the key it carried, the model, the messages, images and tools) and answers
// by default with the texts of the trailing user messages, so a test can see
// that a reply addressed everything that was said.
package llmfake

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Request is one call the fake received.
type Request struct {
	Format    string // "openai" or "anthropic"
	Path      string
	Key       string // Bearer token or x-api-key
	Model     string
	System    string
	UserTexts []string // texts of the user messages after the last assistant message
	AllTexts  []string // every text part, in order
	Images    int
	ToolNames []string
	// ToolResults are the tool outputs sent back to the model.
	ToolResults []string
	Body        map[string]any
	At          time.Time
}

// Reply is what the fake answers.
type Reply struct {
	Text      string
	ToolCalls []ToolCall
	// Status, when >= 400, answers with the provider's error body.
	Status    int
	ErrorCode string
	Delay     time.Duration
	// IgnoreToolChoice answers with ToolCalls even when the request said
	// tool_choice "none", as some models and OpenAI-compatible servers do.
	IgnoreToolChoice bool
}

// ToolCall asks the caller to run a tool.
type ToolCall struct {
	Name      string
	Arguments string // JSON
}

// Server is the fake.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	requests []Request
	respond  func(Request) Reply
	failures map[string][]Reply // by model: the next replies for that model
	rejected map[string]bool    // keys answered with 401
	seq      int
}

// New starts the fake, closed when the test ends.
func New(t testing.TB) *Server {
	s := NewServer()
	t.Cleanup(s.Close)
	return s
}

// NewServer starts the fake; the caller closes it.
func NewServer() *Server {
	s := &Server{failures: map[string][]Reply{}, rejected: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/models", s.models)
	mux.HandleFunc("/v1/models", s.models)
	mux.HandleFunc("/chat/completions", s.openai)
	mux.HandleFunc("/v1/chat/completions", s.openai)
	mux.HandleFunc("/embeddings", s.embeddings)
	mux.HandleFunc("/v1/embeddings", s.embeddings)
	mux.HandleFunc("/v1/messages", s.anthropic)
	s.Server = httptest.NewServer(s.checkKey(mux))
	return s
}

// RejectKey makes every request carrying key answer 401, as a provider does
// for a revoked or mistyped key.
func (s *Server) RejectKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected[key] = true
}

func (s *Server) checkKey(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("X-Api-Key")
		if key == "" {
			key = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		}
		s.mu.Lock()
		bad := s.rejected[key] || key == ""
		s.mu.Unlock()
		if !bad {
			next.ServeHTTP(w, r)
			return
		}
		s.mu.Lock()
		s.requests = append(s.requests, Request{Path: r.URL.Path, Key: key, At: time.Now()})
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		if r.Header.Get("X-Api-Key") != "" || strings.HasPrefix(r.URL.Path, "/v1/messages") {
			_ = json.NewEncoder(w).Encode(map[string]any{"type": "error", "error": map[string]any{"type": "authentication_error", "message": "invalid x-api-key"}})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": "Incorrect API key provided", "type": "invalid_request_error", "code": "invalid_api_key"}})
	})
}

func (s *Server) models(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": []any{
		map[string]any{"id": "gpt-4o-mini", "object": "model", "created": 1700000000, "owned_by": "fake", "type": "model", "display_name": "Fake"}},
		"has_more": false, "first_id": "gpt-4o-mini", "last_id": "gpt-4o-mini"})
}

// Respond replaces the default answer.
func (s *Server) Respond(f func(Request) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.respond = f
}

// Queue makes the next calls to model answer with these replies, in order.
func (s *Server) Queue(model string, replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[model] = append(s.failures[model], replies...)
}

// Requests returns every request so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// DefaultText is the default answer: the trailing user messages, joined.
func DefaultText(r Request) string { return "You said: " + strings.Join(r.UserTexts, " | ") }

func (s *Server) record(r Request) Reply {
	s.mu.Lock()
	s.requests = append(s.requests, r)
	s.seq++
	var reply Reply
	if q := s.failures[r.Model]; len(q) > 0 {
		reply, s.failures[r.Model] = q[0], q[1:]
	} else if s.respond != nil {
		f := s.respond
		s.mu.Unlock()
		reply = f(r)
		s.mu.Lock()
	} else {
		reply = Reply{Text: DefaultText(r)}
	}
	s.mu.Unlock()
	if reply.Delay > 0 {
		time.Sleep(reply.Delay)
	}
	return reply
}

func readJSON(r *http.Request) (map[string]any, []byte) {
	data, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(data, &body)
	return body, data
}

func tokens(n int) int64 { return int64(math.Ceil(float64(n) / 4)) }

func (s *Server) openai(w http.ResponseWriter, r *http.Request) {
	body, raw := readJSON(r)
	req := Request{Format: "openai", Path: r.URL.Path, Key: strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), Body: body, At: time.Now()}
	req.Model, _ = body["model"].(string)
	msgs, _ := body["messages"].([]any)
	for _, m := range msgs {
		mm, _ := m.(map[string]any)
		role, _ := mm["role"].(string)
		texts, images := openaiContent(mm["content"])
		req.AllTexts = append(req.AllTexts, texts...)
		switch role {
		case "system", "developer":
			req.System += strings.Join(texts, "\n")
		case "user":
			req.UserTexts = append(req.UserTexts, texts...)
			req.Images += images
		case "assistant":
			req.UserTexts, req.Images = nil, 0
		case "tool":
			req.ToolResults = append(req.ToolResults, strings.Join(texts, ""))
		}
	}
	for _, t := range list(body["tools"]) {
		fn, _ := t.(map[string]any)["function"].(map[string]any)
		name, _ := fn["name"].(string)
		req.ToolNames = append(req.ToolNames, name)
	}
	reply := s.record(req)
	if body["tool_choice"] == "none" && !reply.IgnoreToolChoice {
		reply.ToolCalls = nil // a real model obeys: text only
		if reply.Text == "" {
			reply.Text = DefaultText(req)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if reply.Status >= 400 {
		w.WriteHeader(reply.Status)
		code := reply.ErrorCode
		if code == "" {
			code = "server_error"
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": "fake failure " + code, "type": code, "param": nil, "code": code}})
		return
	}
	message := map[string]any{"role": "assistant", "content": reply.Text, "refusal": nil}
	finish := "stop"
	if len(reply.ToolCalls) > 0 {
		var calls []map[string]any
		for i, tc := range reply.ToolCalls {
			calls = append(calls, map[string]any{"id": fmt.Sprintf("call_%d_%d", s.seq, i), "type": "function",
				"function": map[string]any{"name": tc.Name, "arguments": tc.Arguments}})
		}
		message["tool_calls"], finish = calls, "tool_calls"
		if reply.Text == "" {
			message["content"] = nil
		}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": fmt.Sprintf("chatcmpl-fake-%d", s.seq), "object": "chat.completion", "created": time.Now().Unix(), "model": req.Model,
		"choices": []any{map[string]any{"index": 0, "finish_reason": finish, "message": message}},
		"usage": map[string]any{"prompt_tokens": tokens(len(raw)), "completion_tokens": tokens(len(reply.Text)) + 1,
			"total_tokens": tokens(len(raw)) + tokens(len(reply.Text)) + 1},
	})
}

func openaiContent(c any) (texts []string, images int) {
	switch v := c.(type) {
	case string:
		return []string{v}, 0
	case []any:
		for _, p := range v {
			pm, _ := p.(map[string]any)
			switch pm["type"] {
			case "text":
				t, _ := pm["text"].(string)
				texts = append(texts, t)
			case "image_url":
				images++
			}
		}
	}
	return texts, images
}

func (s *Server) anthropic(w http.ResponseWriter, r *http.Request) {
	body, raw := readJSON(r)
	req := Request{Format: "anthropic", Path: r.URL.Path, Key: r.Header.Get("X-Api-Key"), Body: body, At: time.Now()}
	req.Model, _ = body["model"].(string)
	for _, b := range list(body["system"]) {
		t, _ := b.(map[string]any)["text"].(string)
		req.System += t
	}
	if sys, ok := body["system"].(string); ok {
		req.System = sys
	}
	for _, m := range list(body["messages"]) {
		mm, _ := m.(map[string]any)
		role, _ := mm["role"].(string)
		if role == "assistant" {
			req.UserTexts, req.Images = nil, 0
		}
		for _, b := range list(mm["content"]) {
			bm, _ := b.(map[string]any)
			switch bm["type"] {
			case "text":
				t, _ := bm["text"].(string)
				req.AllTexts = append(req.AllTexts, t)
				if role == "user" {
					req.UserTexts = append(req.UserTexts, t)
				}
			case "image":
				req.Images++
			case "tool_result":
				t, _ := bm["content"].(string)
				req.ToolResults = append(req.ToolResults, t)
			}
		}
		if s, ok := mm["content"].(string); ok && role == "user" {
			req.UserTexts = append(req.UserTexts, s)
			req.AllTexts = append(req.AllTexts, s)
		}
	}
	for _, t := range list(body["tools"]) {
		name, _ := t.(map[string]any)["name"].(string)
		req.ToolNames = append(req.ToolNames, name)
	}
	reply := s.record(req)
	if tc, ok := body["tool_choice"].(map[string]any); ok && tc["type"] == "none" && !reply.IgnoreToolChoice {
		reply.ToolCalls = nil
		if reply.Text == "" {
			reply.Text = DefaultText(req)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if reply.Status >= 400 {
		w.WriteHeader(reply.Status)
		typ := reply.ErrorCode
		if typ == "" {
			typ = "api_error"
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"type": "error", "error": map[string]any{"type": typ, "message": "fake failure " + typ},
			"request_id": fmt.Sprintf("req_fake_%d", s.seq)})
		return
	}
	var content []any
	if reply.Text != "" {
		content = append(content, map[string]any{"type": "text", "text": reply.Text})
	}
	stop := "end_turn"
	for i, tc := range reply.ToolCalls {
		var input any
		_ = json.Unmarshal([]byte(tc.Arguments), &input)
		content = append(content, map[string]any{"type": "tool_use", "id": fmt.Sprintf("toolu_%d_%d", s.seq, i), "name": tc.Name, "input": input})
		stop = "tool_use"
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": fmt.Sprintf("msg_fake_%d", s.seq), "type": "message", "role": "assistant", "model": req.Model, "content": content,
		"stop_reason": stop, "stop_sequence": nil,
		"usage": map[string]any{"input_tokens": tokens(len(raw)), "output_tokens": tokens(len(reply.Text)) + 1,
			"cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
	})
}

// embeddings answers with Embed for each input.
func (s *Server) embeddings(w http.ResponseWriter, r *http.Request) {
	body, _ := readJSON(r)
	req := Request{Format: "openai", Path: r.URL.Path, Key: strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), Body: body, At: time.Now()}
	req.Model, _ = body["model"].(string)
	var inputs []string
	switch in := body["input"].(type) {
	case string:
		inputs = []string{in}
	case []any:
		for _, x := range in {
			if s, ok := x.(string); ok {
				inputs = append(inputs, s)
			}
		}
	}
	req.UserTexts = inputs
	dims := 64
	if d, ok := body["dimensions"].(float64); ok && d > 0 {
		dims = int(d)
	}
	reply := s.record(req)
	w.Header().Set("Content-Type", "application/json")
	if reply.Status >= 400 {
		w.WriteHeader(reply.Status)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": "fake failure", "type": "server_error", "code": reply.ErrorCode}})
		return
	}
	var data []any
	total := 0
	for i, in := range inputs {
		data = append(data, map[string]any{"object": "embedding", "index": i, "embedding": Embed(in, dims)})
		total += len(in)
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model,
		"usage": map[string]any{"prompt_tokens": tokens(total), "total_tokens": tokens(total)}})
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

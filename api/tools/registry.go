package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/konstruct/konstruct/api/llm"
	"github.com/konstruct/konstruct/api/secrets"
)

// MaxRounds bounds how many times a turn lets the model call tools before it
// must answer.
const MaxRounds = 3

// Env is what running tools needs.
type Env struct {
	Keyring *secrets.Keyring
	// HTTP calls declared endpoints; it must be SSRF-guarded (netguard).
	HTTP *http.Client
	Now  func() time.Time
}

// Agent is the part of an agent's configuration tools read.
type Agent struct {
	ID        uuid.UUID
	Enabled   []string
	HTTPTools []HTTPTool
	Secrets   map[string]Sealed
}

// Call is the outcome of one tool call, as recorded and shown in previews.
// Output goes back to the model and may quote the arguments; Failure and
// HTTPStatus say what went wrong without them (what the audit trail keeps).
type Call struct {
	Name       string          `json:"name"`
	Arguments  json.RawMessage `json:"arguments"`
	OK         bool            `json:"ok"`
	Output     string          `json:"output"`
	Failure    string          `json:"failure,omitempty"`
	HTTPStatus int             `json:"http_status,omitempty"`
	Duration   time.Duration   `json:"duration"`
}

// Failure kinds of a call: a closed list, so what is audited can never carry
// an argument value (error texts can: "unknown time zone \"…\"").
const (
	FailUnknownTool      = "unknown_tool"
	FailInvalidArguments = "invalid_arguments"
	FailHTTPStatus       = "http_status" // the endpoint answered 4xx/5xx (HTTPStatus says which)
	FailTimeout          = "timeout"
	FailUnreachable      = "unreachable" // refused by the SSRF guard, DNS, connection errors
	FailSecret           = "secret_unavailable"
	FailResponse         = "response_unreadable"
	// FailOutcomeUnknown is a call that started but whose end was never
	// recorded (the worker died): it is not run again.
	FailOutcomeUnknown = "outcome_unknown"
)

// failure is a call's error: the text for the model, the kind for the audit.
type failure struct {
	kind   string
	status int
	msg    string
}

func (f *failure) Error() string { return f.msg }

func fail(kind, format string, args ...any) error {
	return &failure{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// Set is the tools one turn may use.
type Set struct {
	env       Env
	agent     Agent
	defs      []llm.Tool
	schemas   map[string]*jsonschema.Schema
	http      map[string]HTTPTool
	escalated *string
}

// Build assembles an agent's tools.
func Build(env Env, a Agent) (*Set, error) {
	if env.Now == nil {
		env.Now = time.Now
	}
	s := &Set{env: env, agent: a, schemas: map[string]*jsonschema.Schema{}, http: map[string]HTTPTool{}}
	add := func(name, desc string, params map[string]any) error {
		sch, err := compile(name, params)
		if err != nil {
			return fmt.Errorf("tool %s: %w", name, err)
		}
		s.schemas[name] = sch
		s.defs = append(s.defs, llm.Tool{Name: name, Description: desc, Parameters: params})
		return nil
	}
	if slices.Contains(a.Enabled, "current_time") {
		if err := add("current_time", "The current date, time and weekday, in a time zone (IANA name such as Europe/London; UTC when omitted).",
			map[string]any{"type": "object", "properties": map[string]any{"timezone": map[string]any{"type": "string", "maxLength": 64}}}); err != nil {
			return nil, err
		}
	}
	if slices.Contains(a.Enabled, "escalate_to_human") {
		if err := add("escalate_to_human", "Hand the conversation to a human colleague when you cannot help, the person asks for a human, or the matter is sensitive. Say briefly why.",
			map[string]any{"type": "object", "required": []any{"reason"}, "properties": map[string]any{"reason": map[string]any{"type": "string", "minLength": 1, "maxLength": 500}}}); err != nil {
			return nil, err
		}
	}
	if slices.Contains(a.Enabled, "http_request") {
		for _, t := range a.HTTPTools {
			params := t.Parameters
			if params == nil {
				params = map[string]any{"type": "object", "properties": map[string]any{}}
			}
			if err := add(t.Name, t.Description, params); err != nil {
				return nil, err
			}
			s.http[t.Name] = t
		}
	}
	return s, nil
}

// Defs are the tools offered to the model.
func (s *Set) Defs() []llm.Tool { return s.defs }

// Escalation returns the reason the model gave when it asked for a human.
func (s *Set) Escalation() (string, bool) {
	if s.escalated == nil {
		return "", false
	}
	return *s.escalated, true
}

// Run validates and runs one call. callID is the call's durable id: HTTP
// tools send it as Idempotency-Key, so a receiving system can tell a repeat
// from a new request. Whatever goes wrong is reported to the model in the
// output (OK false); only the context's end stops it.
func (s *Set) Run(ctx context.Context, callID string, tc llm.ToolCall) Call {
	start := s.env.Now()
	c := Call{Name: tc.Name, Arguments: tc.Arguments}
	out, err := s.run(ctx, callID, tc)
	c.Duration = s.env.Now().Sub(start)
	if err != nil {
		c.Output, c.Failure = "error: "+err.Error(), FailUnreachable
		var f *failure
		if errors.As(err, &f) {
			c.Failure, c.HTTPStatus = f.kind, f.status
		}
		return c
	}
	c.OK, c.Output = true, out
	return c
}

// External reports whether a tool acts outside Konstruct (an operator's
// endpoint): one whose outcome is unknown after a crash must not run again.
// Built-ins only read the clock or set the turn's own state, so they may.
func (s *Set) External(name string) bool {
	_, ok := s.http[name]
	return ok
}

// Restore replays a recorded call's effect on the turn (a hand-over the model
// asked for in an earlier attempt) without running it again.
func (s *Set) Restore(tc llm.ToolCall, c Call) {
	if tc.Name != "escalate_to_human" || !c.OK {
		return
	}
	var args struct {
		Reason string `json:"reason"`
	}
	_ = json.Unmarshal(tc.Arguments, &args)
	s.escalated = &args.Reason
}

func (s *Set) run(ctx context.Context, callID string, tc llm.ToolCall) (string, error) {
	sch, ok := s.schemas[tc.Name]
	if !ok {
		return "", fail(FailUnknownTool, "there is no tool named %q", tc.Name)
	}
	raw := tc.Arguments
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	args, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return "", fail(FailInvalidArguments, "the arguments are not valid JSON: %v", err)
	}
	if err := sch.Validate(args); err != nil {
		return "", fail(FailInvalidArguments, "the arguments do not match the tool's parameters: %s", flatten(err))
	}
	m, _ := args.(map[string]any)
	switch tc.Name {
	case "current_time":
		return s.currentTime(m)
	case "escalate_to_human":
		reason, _ := m["reason"].(string)
		s.escalated = &reason
		return "The conversation is being handed to a human colleague. Tell the person briefly that someone from the team will take over.", nil
	}
	return s.callHTTP(ctx, callID, s.http[tc.Name], m)
}

func (s *Set) currentTime(args map[string]any) (string, error) {
	zone, _ := args["timezone"].(string)
	loc := time.UTC
	if zone != "" {
		l, err := time.LoadLocation(zone)
		if err != nil {
			return "", fail(FailInvalidArguments, "unknown time zone %q", zone)
		}
		loc = l
	}
	now := s.env.Now().In(loc)
	return fmt.Sprintf("%s (%s, %s)", now.Format(time.RFC3339), now.Weekday(), loc), nil
}

func (s *Set) callHTTP(ctx context.Context, callID string, t HTTPTool, args map[string]any) (string, error) {
	rest := map[string]any{}
	for k, v := range args {
		rest[k] = v
	}
	target := placeholder.ReplaceAllStringFunc(t.URL, func(m string) string {
		name := m[1 : len(m)-1]
		v := fmt.Sprint(args[name])
		delete(rest, name)
		return url.PathEscape(v)
	})
	var body io.Reader
	u, err := url.Parse(target)
	if err != nil {
		return "", fail(FailUnreachable, "the endpoint URL is invalid: %v", err)
	}
	switch t.Method {
	case http.MethodGet, http.MethodDelete:
		q := u.Query()
		for k, v := range rest {
			q.Set(k, fmt.Sprint(v))
		}
		u.RawQuery = q.Encode()
	default:
		data, _ := json.Marshal(rest)
		body = bytes.NewReader(data)
	}
	timeout := time.Duration(orDefault(t.TimeoutMS, DefaultTimeoutMS)) * time.Millisecond
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, t.Method, u.String(), body)
	if err != nil {
		return "", err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "Konstruct-Agent/1")
	for k, v := range t.Headers {
		req.Header.Set(k, v)
	}
	for _, h := range t.SecretHeaderNames {
		sealed, ok := s.agent.Secrets[SecretKey(t.Name, h)]
		if !ok {
			continue
		}
		v, err := s.env.Keyring.Decrypt(secrets.Sealed{Version: sealed.Version, Ciphertext: sealed.Ciphertext}, headerAAD(s.agent.ID, t.Name, h))
		if err != nil {
			return "", fail(FailSecret, "a secret header of this tool cannot be decrypted; ask the operator to set it again")
		}
		req.Header.Set(h, string(v))
	}
	if callID != "" {
		req.Header.Set("Idempotency-Key", callID)
	}
	resp, err := s.env.HTTP.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return "", fail(FailTimeout, "the endpoint did not answer within %s", timeout)
		}
		return "", fail(FailUnreachable, "the endpoint could not be reached: %s", redactURL(err.Error(), u))
	}
	defer resp.Body.Close()
	limit := int64(orDefault(t.MaxResponseBytes, DefaultMaxResponseBytes))
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return "", fail(FailResponse, "reading the response failed: %v", err)
	}
	text := string(data)
	if int64(len(data)) > limit {
		text = string(data[:limit]) + "\n[response cut at " + fmt.Sprint(limit) + " bytes]"
	}
	out := fmt.Sprintf("HTTP %d\n%s", resp.StatusCode, text)
	if resp.StatusCode >= 400 {
		return "", &failure{kind: FailHTTPStatus, status: resp.StatusCode, msg: out}
	}
	return out, nil
}

// orDefault is v, or def where v is not set (zero or negative).
func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// redactURL keeps query strings (which may carry arguments) out of errors.
func redactURL(msg string, u *url.URL) string {
	if u.RawQuery == "" {
		return msg
	}
	return strings.ReplaceAll(msg, u.RawQuery, "…")
}

// compile turns a parameters object into a validator.
func compile(name string, params map[string]any) (*jsonschema.Schema, error) {
	if params == nil {
		params = map[string]any{"type": "object"}
	}
	if t, ok := params["type"]; ok && t != "object" {
		return nil, errors.New(`the top level must be {"type": "object", ...}`)
	}
	c := jsonschema.NewCompiler()
	data, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	loc := "mem://tools/" + name + ".json"
	if err := c.AddResource(loc, doc); err != nil {
		return nil, err
	}
	return c.Compile(loc)
}

var english = message.NewPrinter(language.English)

// flatten words a validation error on one line.
func flatten(err error) string {
	var ve *jsonschema.ValidationError
	if errors.As(err, &ve) {
		var parts []string
		var walk func(*jsonschema.ValidationError)
		walk = func(e *jsonschema.ValidationError) {
			if len(e.Causes) == 0 {
				loc := "/" + strings.Join(e.InstanceLocation, "/")
				parts = append(parts, loc+": "+e.ErrorKind.LocalizedString(english))
			}
			for _, c := range e.Causes {
				walk(c)
			}
		}
		walk(ve)
		return strings.Join(parts, "; ")
	}
	return err.Error()
}

func stringList(v any) []string {
	switch l := v.(type) {
	case []string:
		return l
	case []any:
		out := make([]string, 0, len(l))
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

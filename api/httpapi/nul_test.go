package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/apitest"
)

// nulMessage is what the contract check says about a string with U+0000.
const nulMessage = "must not contain the NUL character (U+0000)"

// requireNULProblem checks a 422 problem that names exactly locations, each
// for holding U+0000.
func requireNULProblem(t *testing.T, r *apitest.Response, locations ...string) {
	t.Helper()
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "body: %s", r.Body)
	p := r.Problem(t)
	require.Equal(t, locations, p.Locations(), "body: %s", r.Body)
	for _, e := range p.Errors {
		require.Equal(t, nulMessage, e.Message, "%s", e.Location)
	}
	require.NotEmpty(t, p.RequestID)
}

// Every JSON operation of the contract, for every string of its documented
// example, answers 422 naming that string when it holds U+0000 — found from
// the spec, so an operation added later is covered too.
func TestNULInAnyBodyStringIsRejected(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	acct := s.SignUp(t)

	spec, err := apigen.GetSwagger()
	require.NoError(t, err)
	type bodyOp struct{ method, path string }
	var ops []bodyOp
	for path, item := range spec.Paths.Map() {
		if strings.HasPrefix(path, "/api/webhooks/") {
			continue // signed by their providers, not contract-validated: channels sanitise
		}
		for method, op := range item.Operations() {
			// Multipart uploads (knowledge files) carry bytes, not JSON
			// strings: the extractor judges what they hold.
			if op.RequestBody != nil && op.RequestBody.Value.Content.Get("application/json") != nil {
				ops = append(ops, bodyOp{method, path})
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	require.GreaterOrEqual(t, len(ops), 15, "the contract's JSON operations")

	strs := 0
	for _, o := range ops {
		item := spec.Paths.Find(o.path)
		op := item.GetOperation(o.method)
		mt := op.RequestBody.Value.Content.Get("application/json")
		require.NotNil(t, mt, "%s %s", o.method, o.path)
		require.NotNil(t, mt.Example, "%s %s: add a request body example", o.method, o.path)
		path := pathParam.ReplaceAllStringFunc(o.path, func(m string) string {
			if m == "{tenant_id}" {
				return acct.TenantID.String()
			}
			return uuid.NewString()
		})
		for _, leaf := range stringLeaves(t, mt.Example, "body") {
			strs++
			t.Run(o.method+"_"+o.path+"_"+leaf.location, func(t *testing.T) {
				r := acct.Client.Do(o.method, path, leaf.withNUL())
				// The poisoned string may break its format or enum too; every
				// error is about it, and one says why.
				require.Equal(t, http.StatusUnprocessableEntity, r.Status, "body: %s", r.Body)
				p := r.Problem(t)
				require.NotEmpty(t, p.Errors)
				var messages []string
				for _, e := range p.Errors {
					require.Equal(t, leaf.location, e.Location, "body: %s", r.Body)
					messages = append(messages, e.Message)
				}
				require.Contains(t, messages, nulMessage)
			})
		}
	}
	require.Greater(t, strs, len(ops), "examples have strings to poison")
}

// leaf is one string of a JSON document.
type leaf struct {
	location string
	withNUL  func() any // the document with "\x00" appended to this string
}

// stringLeaves lists the strings of example (a document decoded from the
// spec), spelling locations as the API does (body.tools[0]).
func stringLeaves(t *testing.T, example any, root string) []leaf {
	raw, err := json.Marshal(example)
	require.NoError(t, err)
	fresh := func() any {
		var v any
		require.NoError(t, json.Unmarshal(raw, &v))
		return v
	}
	var out []leaf
	var walk func(v any, loc string, steps []any)
	walk = func(v any, loc string, steps []any) {
		switch v := v.(type) {
		case string:
			steps := append([]any(nil), steps...)
			out = append(out, leaf{location: loc, withNUL: func() any {
				doc := fresh()
				var parent any = doc
				for _, step := range steps[:len(steps)-1] {
					switch s := step.(type) {
					case string:
						parent = parent.(map[string]any)[s]
					case int:
						parent = parent.([]any)[s]
					}
				}
				switch s := steps[len(steps)-1].(type) {
				case string:
					m := parent.(map[string]any)
					m[s] = m[s].(string) + "\x00"
				case int:
					a := parent.([]any)
					a[s] = a[s].(string) + "\x00"
				}
				return doc
			}})
		case []any:
			for i, item := range v {
				walk(item, fmt.Sprintf("%s[%d]", loc, i), append(steps, i))
			}
		case map[string]any:
			for k, item := range v {
				walk(item, loc+"."+k, append(steps, k))
			}
		}
	}
	walk(fresh(), root, nil)
	return out
}

// The cases the known gap named, with the rows that must not appear.
func TestNULRejectedBeforeAnythingIsWritten(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	acct := s.SignUp(t)
	tenant := "/api/portal/tenants/" + acct.TenantID.String()
	count := func(t *testing.T, query string, args ...any) int {
		var n int
		require.NoError(t, s.DB.Owner.QueryRow(t.Context(), query, args...).Scan(&n))
		return n
	}
	agents := func(t *testing.T) int {
		return count(t, "SELECT count(*) FROM agents WHERE tenant_id = $1", acct.TenantID)
	}
	agent := func(extra map[string]any) map[string]any {
		body := map[string]any{"name": "Ada", "model": "openai/gpt-4o-mini"}
		for k, v := range extra {
			body[k] = v
		}
		return body
	}
	tool := func(headers map[string]any) map[string]any {
		return map[string]any{"name": "get_order", "description": "Looks an order up.", "method": "GET",
			"url": "https://api.example.com/orders/{id}", "headers": headers}
	}
	email := "nul-" + uuid.NewString()[:8] + "@example.com"
	users := func(t *testing.T) int { return count(t, "SELECT count(*) FROM users WHERE email = $1", email) }
	messages := func(t *testing.T) int {
		return count(t, "SELECT count(*) FROM messages WHERE tenant_id = $1", acct.TenantID)
	}
	topics := func(t *testing.T) string {
		r := acct.Client.Do("GET", tenant+"/escalation-topics", nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		return string(r.Body)
	}

	tests := []struct {
		name      string
		method    string
		path      string
		body      any
		locations []string
		rows      func(*testing.T) int // must stay at zero
	}{
		{"SignUpName", "POST", "/api/portal/auth/signup", map[string]any{"email": email, "password": "correct horse battery",
			"name": "Ada\x00Lovelace"}, []string{"body.name"}, users},
		{"SignUpTenantName", "POST", "/api/portal/auth/signup", map[string]any{"email": email, "password": "correct horse battery",
			"name": "Ada", "tenant_name": "\x00"}, []string{"body.tenant_name"}, users},
		// A raw escape in the text, as a hand-written client would send it.
		{"AgentNameEscape", "POST", tenant + "/agents", `{"name": "Ada\u0000", "model": "openai/gpt-4o-mini"}`, []string{"body.name"}, agents},
		{"AgentPersona", "POST", tenant + "/agents", agent(map[string]any{"persona": "calm\x00"}), []string{"body.persona"}, agents},
		{"AgentEscalationRule", "POST", tenant + "/agents", agent(map[string]any{"escalation_rules": []string{"refund", "speak to\x00 a human"}}),
			[]string{"body.escalation_rules[1]"}, agents},
		{"AgentToolHeaderValue", "POST", tenant + "/agents", agent(map[string]any{"http_tools": []any{tool(map[string]any{"X-Shop": "a\x00b"})}}),
			[]string{"body.http_tools[0].headers.X-Shop"}, agents},
		{"AgentToolHeaderName", "POST", tenant + "/agents", agent(map[string]any{"http_tools": []any{tool(map[string]any{"X-\x00": "a"})}}),
			[]string{`body.http_tools[0].headers.X-\u0000`}, agents},
		{"AgentToolSchema", "POST", tenant + "/agents", agent(map[string]any{"http_tools": []any{map[string]any{"name": "get_order",
			"description": "Looks an order up.", "method": "GET", "url": "https://api.example.com/orders/{id}",
			"parameters": map[string]any{"type": "object", "properties": map[string]any{"id": map[string]any{"type": "string", "description": "\x00"}}}}}}),
			[]string{"body.http_tools[0].parameters.properties.id.description"}, agents},
		{"SeveralAtOnce", "POST", tenant + "/agents", agent(map[string]any{"name": "\x00", "role_title": "\x00"}),
			[]string{"body.name", "body.role_title"}, agents},
		{"UpdateAgent", "PATCH", tenant + "/agents/" + uuid.NewString(), map[string]any{"system_prompt": "Be kind.\x00"},
			[]string{"body.system_prompt"}, agents},
		{"HumanReply", "POST", tenant + "/conversations/" + uuid.NewString() + "/messages/human", map[string]any{"text": "Hi\x00"},
			[]string{"body.text"}, messages},
		{"QueryParameter", "GET", tenant + "/audit-events?action=" + url.QueryEscape("agent.\x00"), nil, []string{"query.action"}, nil},
		{"RequiredQueryParameter", "GET", tenant + "/agents/" + uuid.NewString() + "/memories?connection_id=" + uuid.NewString() +
			"&participant_id=%00", nil, []string{"query.participant_id"}, nil},
	}
	before := topics(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := acct.Client.Do(tt.method, tt.path, tt.body)
			requireNULProblem(t, r, tt.locations...)
			if tt.rows != nil {
				require.Zero(t, tt.rows(t))
			}
		})
	}
	t.Run("EscalationTopics", func(t *testing.T) {
		for _, body := range []map[string]any{
			{"topics": map[string]any{"billing": []string{"invoice", "re\x00fund"}}},
			{"topics": map[string]any{"bill\x00ing": []string{"invoice"}}},
		} {
			r := acct.Client.Do("PUT", tenant+"/escalation-topics", body)
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
			require.Len(t, r.Problem(t).Errors, 1)
			require.Equal(t, nulMessage, r.Problem(t).Errors[0].Message)
		}
		require.Equal(t, before, topics(t), "topics unchanged")
	})
	t.Run("ShapeErrorsStillWin", func(t *testing.T) {
		// A missing required field is a contract mismatch (400); the NUL is
		// listed with it so the client fixes both at once.
		r := acct.Client.Do("POST", tenant+"/agents", map[string]any{"name": "Ada\x00"})
		require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
		require.Equal(t, []string{"body.model", "body.name"}, r.Problem(t).Locations())
		require.Zero(t, agents(t))
	})
}

// Text that is unusual but storable passes the NUL rule untouched: emoji,
// right-to-left scripts, combining marks, U+FFFD. Invalid UTF-8 and lone
// surrogates are replaced with U+FFFD by the JSON decoder and stored as such.
func TestUnusualUnicodeIsAccepted(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	acct := s.SignUp(t)
	tenant := "/api/portal/tenants/" + acct.TenantID.String()

	tests := []struct {
		name string
		body string // raw JSON: some cases are not expressible as Go strings
		want string // the stored name
	}{
		{"Emoji", `{"name": "Ada 🤖👩🏽‍💻", "model": "openai/gpt-4o-mini"}`, "Ada 🤖👩🏽‍💻"},
		{"RightToLeft", `{"name": "مساعد \u202Bעוזר", "model": "openai/gpt-4o-mini"}`, "مساعد \u202bעוזר"},
		{"Combining", `{"name": "Ame\u0301lie", "model": "openai/gpt-4o-mini"}`, "Ame\u0301lie"},
		{"ReplacementCharacter", `{"name": "Ada \uFFFD", "model": "openai/gpt-4o-mini"}`, "Ada \ufffd"},
		{"InvalidUTF8", "{\"name\": \"Ada \xff\xfe\", \"model\": \"openai/gpt-4o-mini\"}", "Ada \ufffd\ufffd"},
		{"LoneSurrogate", `{"name": "Ada \ud800", "model": "openai/gpt-4o-mini"}`, "Ada \ufffd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := acct.Client.Do("POST", tenant+"/agents", tt.body)
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
			id := r.Map(t)["id"].(string)
			var stored string
			require.NoError(t, s.DB.Owner.QueryRow(t.Context(), "SELECT name FROM agents WHERE id = $1", id).Scan(&stored))
			require.Equal(t, tt.want, stored)
		})
	}

	t.Run("Reply", func(t *testing.T) {
		// Reaches the handler (404: no such conversation), not the NUL rule.
		r := acct.Client.Do("POST", tenant+"/conversations/"+uuid.NewString()+"/messages/human",
			map[string]any{"text": "שלום 👋 \ufffd — ok"})
		require.Equal(t, http.StatusNotFound, r.Status, "%s", r.Body)
	})
}

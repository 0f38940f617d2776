package contract_test

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/contract"
)

// specOp is one operation of the contract.
type specOp struct {
	method, path string
	item         *openapi3.PathItem
	op           *openapi3.Operation
}

func (o specOp) String() string { return o.method + " " + o.path + " (" + o.op.OperationID + ")" }

// params is the operation's parameters, path-level ones included.
func (o specOp) params() []*openapi3.Parameter {
	var out []*openapi3.Parameter
	for _, p := range append(append(openapi3.Parameters{}, o.item.Parameters...), o.op.Parameters...) {
		out = append(out, p.Value)
	}
	return out
}

func (o specOp) public() bool  { return o.op.Security != nil && len(*o.op.Security) == 0 }
func (o specOp) webhook() bool { return slices.Contains(o.op.Tags, "webhooks") }
func (o specOp) probe() bool   { return o.path == "/healthz" || o.path == "/readyz" }
func (o specOp) hasBody() bool { return o.op.RequestBody != nil }
func (o specOp) jsonBody() *openapi3.MediaType {
	if !o.hasBody() {
		return nil
	}
	return o.op.RequestBody.Value.Content.Get("application/json")
}

func operations(t testing.TB) []specOp {
	t.Helper()
	spec, err := contract.Load()
	require.NoError(t, err)
	var ops []specOp
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, specOp{method: method, path: path, item: item, op: op})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	return ops
}

// hasRules reports whether a schema (or anything inside it) has a keyword
// whose failure the server answers 422.
func hasRules(ref *openapi3.SchemaRef, depth int) bool {
	if ref == nil || ref.Value == nil || depth > 20 {
		return false
	}
	s := ref.Value
	if s.MinLength > 0 || s.MaxLength != nil || s.Min != nil || s.Max != nil || s.Pattern != "" || len(s.Enum) > 0 ||
		s.Format != "" || s.MaxItems != nil || s.MinItems > 0 || s.MultipleOf != nil || s.UniqueItems {
		return true
	}
	for _, p := range s.Properties {
		if hasRules(p, depth+1) {
			return true
		}
	}
	for _, b := range append(append(append(openapi3.SchemaRefs{}, s.AllOf...), s.OneOf...), s.AnyOf...) {
		if hasRules(b, depth+1) {
			return true
		}
	}
	return hasRules(s.Items, depth+1) || hasRules(s.AdditionalProperties.Schema, depth+1)
}

// impliedStatuses is what an operation can answer because of its shape and
// the middleware every contract route passes through (see api/httpapi):
// credentials (401), the Origin check on cookie-authenticated changes (403),
// the body limit (413), the contract check (400, 422), rate limits (429),
// Idempotency-Key reuse (409), and anything unexpected (default). Webhooks
// are routed by hand: they have body limits, and Slack and WhatsApp answer
// 503 while not configured.
func impliedStatuses(o specOp) []string {
	var out []string
	add := func(s ...string) { out = append(out, s...) }
	add("default")
	switch {
	case o.webhook():
		add("413")
		if o.path != "/api/webhooks/stripe" && o.method == http.MethodPost {
			add("503")
		}
		return out
	case o.probe():
		return out
	}
	add("429")
	if !o.public() {
		add("401")
	}
	if o.method != http.MethodGet {
		add("403")
	}
	if o.hasBody() {
		add("400", "413")
		if mt := o.jsonBody(); mt != nil && hasRules(mt.Schema, 0) {
			add("422")
		}
	}
	for _, p := range o.params() {
		if hasRules(p.Schema, 0) {
			add("422")
		}
		if p.In == "query" && p.Schema != nil && p.Schema.Value != nil {
			if typ := p.Schema.Value.Type; typ.Is("integer") || typ.Is("number") || typ.Is("boolean") || p.Name == "cursor" || p.Required {
				add("400")
			}
		}
		if p.In == "header" && p.Name == "Idempotency-Key" {
			add("409")
		}
	}
	return out
}

// Every operation declares each status its shape implies: found from the
// contract, so an operation added later is held to it too (issue 15, item 6:
// 26 operations answered 422 without declaring it).
func TestDeclaredResponses(t *testing.T) {
	t.Parallel()
	var missing []string
	for _, o := range operations(t) {
		statuses := impliedStatuses(o)
		slices.Sort(statuses)
		for _, status := range slices.Compact(statuses) {
			if o.op.Responses.Value(status) == nil {
				missing = append(missing, fmt.Sprintf("%s: declare %q", o, status))
			}
		}
	}
	require.Empty(t, missing, "operations that can give a response they do not declare:\n%s", strings.Join(missing, "\n"))
}

// Every object a request body can contain refuses unknown fields
// (additionalProperties: false); only maps (additionalProperties with a
// schema) and documented free-form objects (additionalProperties: true, like
// a tool's JSON Schema) take any key. Webhook bodies are the providers'.
func TestRequestBodiesRefuseUnknownFields(t *testing.T) {
	t.Parallel()
	var open []string
	var walk func(ref *openapi3.SchemaRef, at string, depth int)
	walk = func(ref *openapi3.SchemaRef, at string, depth int) {
		if ref == nil || ref.Value == nil || depth > 20 {
			return
		}
		s := ref.Value
		if len(s.AllOf) > 0 && len(s.Properties) == 0 {
			// allOf cannot be closed in OpenAPI 3.0 (each branch would refuse
			// the others' fields), so a body must not be composed with it.
			if !(len(s.AllOf) == 1 && s.Nullable) {
				open = append(open, at+" (allOf: use one object with additionalProperties: false)")
			}
		}
		if len(s.Properties) > 0 && (s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has) && s.AdditionalProperties.Schema == nil {
			open = append(open, at)
		}
		for name, p := range s.Properties {
			walk(p, at+"."+name, depth+1)
		}
		for _, b := range s.AllOf {
			walk(b, at, depth+1)
		}
		walk(s.Items, at+"[]", depth+1)
		walk(s.AdditionalProperties.Schema, at+".*", depth+1)
	}
	for _, o := range operations(t) {
		if mt := o.jsonBody(); mt != nil && !o.webhook() {
			walk(mt.Schema, o.String()+" body", 0)
		}
	}
	require.Empty(t, open, "request objects that accept unknown fields:\n%s", strings.Join(open, "\n"))
}

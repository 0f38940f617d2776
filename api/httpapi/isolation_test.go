package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/apitest"
)

// tenantScoped is every operation of the contract that names a tenant: in
// its path, its query, or its body. Found from the spec, so a new route is
// covered by TestTenantIsolation the day it is added.
type scopedOp struct {
	method, path string
	item         *openapi3.PathItem
	op           *openapi3.Operation
	tenantIn     string // "path", "query" or "body"
}

func tenantScopedOperations(t *testing.T) []scopedOp {
	spec, err := apigen.GetSwagger()
	require.NoError(t, err)
	var ops []scopedOp
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			params := append(openapi3.Parameters{}, item.Parameters...)
			params = append(params, op.Parameters...)
			in := ""
			for _, p := range params {
				if p.Value != nil && p.Value.Name == "tenant_id" {
					in = p.Value.In
				}
			}
			if in == "" && op.RequestBody != nil {
				if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema.Value.Properties["tenant_id"] != nil {
					in = "body"
				}
			}
			if in != "" {
				ops = append(ops, scopedOp{method: method, path: path, item: item, op: op, tenantIn: in})
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	require.NotEmpty(t, ops)
	return ops
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	a, b := s.SignUp(t), s.SignUp(t)
	bTenant := "/api/portal/tenants/" + b.TenantID.String()

	// Tenant B has one of everything, so ids of real rows are probed.
	r := b.Client.Do("POST", bTenant+"/agents", map[string]any{"name": "B's agent", "model": "openai/gpt-4o-mini"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	ids := map[string]string{"tenant_id": b.TenantID.String(), "agent_id": r.Map(t)["id"].(string), "member_id": b.UserID.String()}
	r = b.Client.Do("POST", bTenant+"/api-tokens", map[string]any{"name": "B's token", "role": "member"})
	require.Equal(t, http.StatusCreated, r.Status)
	ids["token_id"] = r.Map(t)["id"].(string)

	callers := map[string]*apitest.Client{
		"CookieOfA": a.Client,
		"TokenOfA":  s.WithToken(t, a.Token(t, "owner")),
	}
	for _, op := range tenantScopedOperations(t) {
		for callerName, caller := range callers {
			t.Run(callerName+"_"+op.method+"_"+op.path, func(t *testing.T) {
				path := pathParam.ReplaceAllStringFunc(op.path, func(m string) string {
					if id, ok := ids[strings.Trim(m, "{}")]; ok {
						return id
					}
					return uuid.NewString() // a resource kind this test does not seed: still B's tenant
				})
				var body any
				if op.op.RequestBody != nil {
					b := exampleBody(t, op)
					if op.tenantIn == "body" {
						b["tenant_id"] = ids["tenant_id"]
					}
					body = b
				}
				q := url.Values{}
				if op.tenantIn == "query" {
					q.Set("tenant_id", b.TenantID.String())
				}
				// Required query parameters get a plausible value, so the
				// request reaches the tenant check rather than failing validation.
				for _, p := range append(op.item.Parameters, op.op.Parameters...) {
					if p.Value == nil || p.Value.In != "query" || !p.Value.Required || p.Value.Name == "tenant_id" {
						continue
					}
					if id, ok := ids[p.Value.Name]; ok {
						q.Set(p.Value.Name, id)
					} else if p.Value.Schema != nil && p.Value.Schema.Value.Format == "uuid" {
						q.Set(p.Value.Name, uuid.NewString())
					} else {
						q.Set(p.Value.Name, "x")
					}
				}
				if len(q) > 0 {
					path += "?" + q.Encode()
				}
				r := caller.Do(op.method, path, body)
				require.Equal(t, http.StatusNotFound, r.Status, "%s %s answered %d: %s", op.method, path, r.Status, r.Body)
				require.NotContains(t, string(r.Body), "B's")
			})
		}
	}

	// Nothing of B's changed.
	r = b.Client.Do("GET", bTenant+"/agents/"+ids["agent_id"], nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, "B's agent", r.Map(t)["name"])
	r = b.Client.Do("GET", bTenant+"/api-tokens", nil)
	require.Contains(t, string(r.Body), `"revoked_at":null`)
}

// exampleBody is the operation's documented example. Every request body must
// have one: integrators read them, and this test sends them.
func exampleBody(t *testing.T, op scopedOp) map[string]any {
	mt := op.op.RequestBody.Value.Content.Get("application/json")
	require.NotNil(t, mt, "%s %s: no JSON body", op.method, op.path)
	require.NotNil(t, mt.Example, "%s %s: add a request body example to openapi.yaml", op.method, op.path)
	raw, err := json.Marshal(mt.Example)
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(raw, &body))
	return body
}

package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
	"github.com/konstruct/konstruct/api/knowledge"
	"github.com/konstruct/konstruct/api/store"
)

// notTenantScoped is every operation that names no tenant, with why a
// second tenant's ids cannot reach anything through it. An operation that
// names no tenant and is not listed fails TestEveryOperationRefusesAnotherTenantsIDs:
// decide how it is isolated, then list it here.
var notTenantScoped = map[string]string{
	"getHealth":          "a probe; reads nothing of any tenant",
	"getReadiness":       "a probe; reads nothing of any tenant",
	"signUp":             "creates a new user and their own new tenant",
	"signIn":             "authenticates a user; answers only about that user",
	"signOut":            "revokes the caller's own session",
	"getMe":              "the caller's own user or token and memberships",
	"listTenants":        "the caller's own memberships (all=true: platform administrators only, checked)",
	"createTenant":       "creates a tenant the caller owns",
	"acceptInvitation":   "the token names its tenant and is MAC-checked, and only the invited email accepts (probed below)",
	"slackOAuthCallback": "the signed, single-use state names the tenant and the member who started the install",
	"slackEvents":        "signed by Slack; routed by team id to the tenant that connected it",
	"whatsAppVerify":     "Meta's handshake; compares the platform's verify token",
	"whatsAppEvents":     "signed by Meta; routed by phone number id to the tenant that connected it",
	"stripeEvents":       "signed by Stripe; routed by customer id to the tenant that checked out",
}

type walkOp struct {
	method, path string
	item         *openapi3.PathItem
	op           *openapi3.Operation
	tenantIn     string // "path", "query", "body" or "" (not tenant-scoped)
}

// allOperations reads every operation from the contract, so an operation
// added tomorrow is walked tomorrow.
func allOperations(t *testing.T) []walkOp {
	spec, err := apigen.GetSwagger()
	require.NoError(t, err)
	var ops []walkOp
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			w := walkOp{method: method, path: path, item: item, op: op}
			for _, p := range append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...) {
				if p.Value != nil && p.Value.Name == "tenant_id" {
					w.tenantIn = p.Value.In
				}
			}
			if w.tenantIn == "" && op.RequestBody != nil {
				if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value.Properties["tenant_id"] != nil {
					w.tenantIn = "body"
				}
			}
			ops = append(ops, w)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	require.NotEmpty(t, ops)
	return ops
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// fixtures are the real ids of tenant B's resources, by parameter name:
// every kind of id the contract takes, each created through the product.
type fixtures map[string][]string

// seedTenantB gives B one of everything: agents, members and invitations,
// API tokens, LLM keys, Slack and WhatsApp connections, a conversation with
// its messages (a real Slack mention answered by a real turn) and the
// memories the turn left.
func seedTenantB(t *testing.T, s *apitest.Server, f *apitest.Fakes, b *apitest.Account) fixtures {
	t.Helper()
	base := "/api/portal/tenants/" + b.TenantID.String()
	ids := fixtures{"tenant_id": {b.TenantID.String()}}
	created := func(method, path string, body any) map[string]any {
		t.Helper()
		r := b.Client.Do(method, path, body)
		require.Contains(t, []int{http.StatusOK, http.StatusCreated}, r.Status, "%s %s: %s", method, path, r.Body)
		return r.Map(t)
	}
	agent := created("POST", base+"/agents", map[string]any{"name": "B's agent", "model": "openai/gpt-4o-mini"})
	ids["agent_id"] = []string{agent["id"].(string)}
	ids["token_id"] = []string{created("POST", base+"/api-tokens", map[string]any{"name": "B's token", "role": "member"})["id"].(string)}
	ids["key_id"] = []string{created("POST", base+"/llm-keys", map[string]any{"provider": "anthropic", "label": "B's key", "api_key": "sk-ant-b-1234"})["id"].(string)}

	colleague := s.SignUp(t)
	b.AddMember(t, colleague, "member")
	invitation := created("POST", base+"/members", map[string]any{"email": "pending-" + uuid.NewString()[:8] + "@example.com", "role": "admin"})
	ids["member_id"] = []string{colleague.UserID.String(), invitation["id"].(string)}
	ids["invitation_token"] = []string{invitationToken(t, invitation["invite_url"].(string))}

	ws := s.InstallSlack(t, b, f)
	wa := s.ConnectWhatsApp(t, b, f)
	ids["connection_id"] = []string{ws.ConnectionID.String(), wa.ConnectionID.String()}

	r := s.SlackEvent(t, f, slackfake.Envelope(ws.TeamID, "Ev"+uuid.NewString()[:8],
		slackfake.Mention("UCUSTOMER", "C42", fmt.Sprintf("%d.000100", time.Now().Unix()), "<@"+ws.BotUserID+"> where is my order?")))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	f.Slack.WaitCalls(t, "chat.update", 1, 60*time.Second)
	s.Settle(t)
	var convs struct{ Items []struct{ ID string } }
	b.Client.Do("GET", base+"/conversations", nil).JSON(t, &convs)
	require.NotEmpty(t, convs.Items)
	ids["conversation_id"] = []string{convs.Items[0].ID}

	var mems struct{ Items []struct{ ID string } }
	deadline := time.Now().Add(15 * time.Second)
	for len(mems.Items) == 0 && time.Now().Before(deadline) {
		s.Settle(t)
		b.Client.Do("GET", base+"/agents/"+ids["agent_id"][0]+"/memories?connection_id="+ws.ConnectionID.String()+"&participant_id=UCUSTOMER", nil).JSON(t, &mems)
		if len(mems.Items) == 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	require.NotEmpty(t, mems.Items, "the turn left no memory")
	ids["memory_id"] = []string{mems.Items[0].ID}
	ids["participant_id"] = []string{"UCUSTOMER"}

	// A snippet source, indexed, assigned to B's agent; and a gap its
	// knowledge could not answer.
	source := created("POST", base+"/knowledge/sources", map[string]any{"kind": "snippet", "question": "Opening hours?", "text": "B opens at nine."})["id"].(string)
	ids["source_id"] = []string{source}
	require.Eventually(t, func() bool {
		var src struct{ Status string }
		b.Client.Do("GET", base+"/knowledge/sources/"+source, nil).JSON(t, &src)
		return src.Status == "ready"
	}, 60*time.Second, 50*time.Millisecond, "B's source was not indexed")
	created("PUT", base+"/agents/"+ids["agent_id"][0]+"/knowledge", map[string]any{"source_ids": []string{source}})
	require.NoError(t, s.DB.Store.WithTenant(context.Background(), b.TenantID, func(ctx context.Context, tx store.Tx) error {
		return knowledge.RecordGap(ctx, tx, b.TenantID, knowledge.Ask{AgentID: uuid.MustParse(ids["agent_id"][0]), Question: "Do you deliver to Mars?"})
	}))
	var gaps struct{ Items []struct{ ID string } }
	b.Client.Do("GET", base+"/knowledge/gaps", nil).JSON(t, &gaps)
	require.Len(t, gaps.Items, 1)
	ids["gap_id"] = []string{gaps.Items[0].ID}

	// A webhook endpoint that received a test event gives the endpoint, the
	// delivery and the event ids. It is then turned off and every event of B
	// fanned out, so nothing of B changes on its own during the probes.
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(hooks.Close)
	endpoint := created("POST", base+"/webhook-endpoints", map[string]any{"url": hooks.URL + "/hooks"})["id"].(string)
	ids["endpoint_id"] = []string{endpoint}
	r = b.Client.Do("POST", base+"/webhook-endpoints/"+endpoint+"/test", nil)
	require.Equal(t, http.StatusAccepted, r.Status, "%s", r.Body)
	var delivery struct {
		ID      string `json:"id"`
		EventID string `json:"event_id"`
	}
	r.JSON(t, &delivery)
	ids["delivery_id"], ids["event_id"] = []string{delivery.ID}, []string{delivery.EventID}
	require.Eventually(t, func() bool {
		var detail struct{ Delivery struct{ State string } }
		b.Client.Do("GET", base+"/webhook-deliveries/"+delivery.ID, nil).JSON(t, &detail)
		return detail.Delivery.State == "succeeded"
	}, 60*time.Second, 50*time.Millisecond, "the test event was not delivered")
	created("PATCH", base+"/webhook-endpoints/"+endpoint, map[string]any{"enabled": false})
	require.Eventually(t, func() bool {
		var undispatched int
		require.NoError(t, s.DB.Owner.QueryRow(context.Background(), `SELECT
			(SELECT count(*) FROM outbound_events WHERE tenant_id = $1 AND dispatched_at IS NULL) +
			(SELECT count(*) FROM webhook_deliveries WHERE tenant_id = $1 AND state IN ('waiting', 'pending'))`, b.TenantID).Scan(&undispatched))
		return undispatched == 0
	}, 60*time.Second, 50*time.Millisecond, "B's events were not all fanned out")
	s.Settle(t)
	return ids
}

func invitationToken(t *testing.T, link string) string {
	u, err := url.Parse(link)
	require.NoError(t, err)
	return u.Query().Get("token")
}

// snapshot is every row of tenant B in every table that has a tenant_id
// (found from the catalog, so new tables are included), B's tenant row, and
// B's jobs.
func snapshot(t *testing.T, s *apitest.Server, tenantID uuid.UUID) map[string][]string {
	t.Helper()
	ctx := context.Background()
	rows, err := s.DB.Owner.Query(ctx, `SELECT table_name FROM information_schema.columns
		WHERE table_schema = 'public' AND column_name = 'tenant_id' ORDER BY table_name`)
	require.NoError(t, err)
	var tables []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		tables = append(tables, name)
	}
	require.NoError(t, rows.Err())
	out := map[string][]string{}
	read := func(key, sql string) {
		rows, err := s.DB.Owner.Query(ctx, sql, tenantID)
		require.NoError(t, err, sql)
		defer rows.Close()
		for rows.Next() {
			var row string
			require.NoError(t, rows.Scan(&row))
			out[key] = append(out[key], row)
		}
		require.NoError(t, rows.Err())
	}
	for _, table := range tables {
		read(table, fmt.Sprintf(`SELECT to_jsonb(t)::text FROM %q t WHERE tenant_id = $1 ORDER BY 1`, table))
	}
	read("tenants", `SELECT to_jsonb(t)::text FROM tenants t WHERE id = $1`)
	read("river_job", `SELECT id::text || ' ' || kind || ' ' || state FROM river_job WHERE args->>'tenant_id' = $1::text ORDER BY 1`)
	return out
}

// TestEveryOperationRefusesAnotherTenantsIDs walks every operation of the
// contract as tenant A — with A's session cookie and with A's owner token —
// using tenant B's real ids of every kind, and asserts 404 and that nothing
// of B changed. Each tenant-scoped operation is sent twice: naming B's
// tenant (the membership check must refuse), and naming A's own tenant with
// B's resource ids (the resource lookup, under RLS, must find nothing). An
// operation with a path parameter no fixture provides fails the test, as
// does an operation that names no tenant and is not in notTenantScoped.
func TestEveryOperationRefusesAnotherTenantsIDs(t *testing.T) {
	t.Parallel()
	l := llmfake.New(t)
	s, f := apitest.WithFakes(t, apitest.Opts{Work: true, Env: map[string]string{
		"OPENAI_API_URL": l.URL + "/v1", "PLATFORM_OPENAI_API_KEY": "sk-platform", "ANTHROPIC_API_URL": l.URL,
		"TURN_DEBOUNCE": "0s", "ALLOW_PRIVATE_URLS": "true", "LLM_MAX_RETRIES": "0"}})
	a, b := s.SignUp(t), s.SignUp(t)
	ids := seedTenantB(t, s, f, b)
	before := snapshot(t, s, b.TenantID)

	callers := []struct {
		name   string
		client *apitest.Client
	}{{"CookieOfA", a.Client}, {"TokenOfA", s.WithToken(t, a.Token(t, "owner"))}}

	probes := 0
	for _, op := range allOperations(t) {
		// The embedded spec capitalises operationIds; the contract's are lowerCamel.
		name := strings.ToLower(op.op.OperationID[:1]) + op.op.OperationID[1:]
		if op.tenantIn == "" {
			_, listed := notTenantScoped[name]
			require.True(t, listed, "%s %s (%s) names no tenant: list it in notTenantScoped with why another tenant's ids cannot reach anything through it", op.method, op.path, name)
			continue
		}
		for _, tenant := range []struct{ name, id string }{{"TenantB", b.TenantID.String()}, {"TenantAWithIDsOfB", a.TenantID.String()}} {
			if tenant.name == "TenantAWithIDsOfB" && len(pathParam.FindAllString(op.path, -1)) < 2 {
				continue // nothing of B's to name but the tenant
			}
			for _, variant := range variants(t, op, ids, tenant.id) {
				for _, c := range callers {
					t.Run(tenant.name+"/"+c.name+"/"+name+variant.label, func(t *testing.T) {
						r := c.client.Do(op.method, variant.path, variant.body, variant.header...)
						require.Equal(t, http.StatusNotFound, r.Status, "%s %s answered %d: %s", op.method, variant.path, r.Status, r.Body)
						require.NotContains(t, string(r.Body), "B's")
					})
					probes++
				}
			}
		}
	}

	// The one operation whose tenant travels inside a token: A's user
	// cannot accept B's invitation meant for someone else.
	r := a.Client.Do("POST", "/api/portal/invitations/accept", map[string]any{"token": ids["invitation_token"][0]})
	require.Equal(t, http.StatusForbidden, r.Status, "%s", r.Body)
	probes++

	s.Settle(t)
	after := snapshot(t, s, b.TenantID)
	for table, rows := range before {
		require.Equal(t, rows, after[table], "%s of tenant B changed", table)
	}
	require.Len(t, after, len(before))
	t.Logf("%d probes of %d operations; tenant B unchanged in %d tables", probes, len(allOperations(t)), len(before))
}

type probe struct {
	label, path string
	body        any
	header      []string // extra request headers, name then value
}

// variants builds the requests for one operation: each combination of B's
// fixture ids for its path parameters, with the tenant given.
func variants(t *testing.T, op walkOp, ids fixtures, tenantID string) []probe {
	t.Helper()
	params := pathParam.FindAllStringSubmatch(op.path, -1)
	paths := []probe{{path: op.path}}
	for _, m := range params {
		name := m[1]
		values := ids[name]
		if name == "tenant_id" {
			values = []string{tenantID}
		}
		require.NotEmpty(t, values, "%s %s: no fixture of tenant B for {%s}; create one in seedTenantB", op.method, op.path, name)
		var next []probe
		for _, p := range paths {
			for i, v := range values {
				label := p.label
				if len(values) > 1 {
					label += fmt.Sprintf("/%s%d", name, i)
				}
				next = append(next, probe{label: label, path: strings.Replace(p.path, m[0], v, 1)})
			}
		}
		paths = next
	}

	q := url.Values{}
	for _, p := range append(append(openapi3.Parameters{}, op.item.Parameters...), op.op.Parameters...) {
		if p.Value == nil || p.Value.In != "query" {
			continue
		}
		switch {
		case p.Value.Name == "tenant_id":
			q.Set("tenant_id", tenantID)
		case !p.Value.Required:
		case len(ids[p.Value.Name]) > 0:
			q.Set(p.Value.Name, ids[p.Value.Name][0])
		case p.Value.Schema != nil && p.Value.Schema.Value.Format == "uuid":
			q.Set(p.Value.Name, uuid.NewString())
		default:
			q.Set(p.Value.Name, "x")
		}
	}
	var body map[string]any
	if op.op.RequestBody != nil && op.op.RequestBody.Value.Content.Get("multipart/form-data") != nil {
		// An upload: a real file, so only the tenant can refuse it.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, err := mw.CreateFormFile("file", "probe.md")
		require.NoError(t, err)
		_, _ = fw.Write([]byte("# Probe\n\nA file another tenant uploads."))
		require.NoError(t, mw.Close())
		for i := range paths {
			paths[i].body, paths[i].header = buf.Bytes(), []string{"Content-Type", mw.FormDataContentType()}
		}
		return paths
	}
	if op.op.RequestBody != nil {
		body = exampleBody(t, op)
		for k := range body {
			if k == "tenant_id" {
				body[k] = tenantID
			} else if v := ids[k]; len(v) > 0 {
				body[k] = v[0] // an id of B's in the body too
			}
		}
	}
	for i := range paths {
		if len(q) > 0 {
			paths[i].path += "?" + q.Encode()
		}
		if body != nil {
			paths[i].body = body
		}
	}
	return paths
}

// exampleBody is the operation's documented example. Every request body must
// have one: integrators read them, and this test sends them.
func exampleBody(t *testing.T, op walkOp) map[string]any {
	t.Helper()
	mt := op.op.RequestBody.Value.Content.Get("application/json")
	require.NotNil(t, mt, "%s %s: no JSON body", op.method, op.path)
	require.NotNil(t, mt.Example, "%s %s: add a request body example to openapi.yaml", op.method, op.path)
	raw, err := json.Marshal(mt.Example)
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(raw, &body))
	return body
}

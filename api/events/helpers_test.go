package events_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/events"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
	"github.com/konstruct/konstruct/api/fakes/webhookfake"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const platformKey = "sk-platform-events-test"

// bundle is a server working jobs, its fakes, a receiver and a tenant.
type bundle struct {
	s      *apitest.Server
	f      *apitest.Fakes
	llm    *llmfake.Server
	recv   *webhookfake.Server
	acct   *apitest.Account
	tenant string // the tenant's API path
}

// setup starts a server that delivers quickly (first retry after 100 ms)
// and may call loopback receivers; env overrides.
func setup(t testing.TB, env map[string]string) *bundle {
	t.Helper()
	return setupTraced(t, env, nil)
}

// setupTraced is setup with a tracer of every database statement.
func setupTraced(t testing.TB, env map[string]string, tracer pgx.QueryTracer) *bundle {
	t.Helper()
	l := llmfake.New(t)
	e := map[string]string{
		"OPENAI_API_URL": l.URL + "/v1", "PLATFORM_OPENAI_API_KEY": platformKey,
		"ANTHROPIC_API_URL": l.URL, "PLATFORM_ANTHROPIC_API_KEY": platformKey,
		"TURN_DEBOUNCE": "0s", "LLM_MAX_RETRIES": "0", "ALLOW_PRIVATE_URLS": "true",
		"WEBHOOK_RETRY_FIRST": "100ms", "WEBHOOK_RETRY_FOR": "1h", "WEBHOOK_TIMEOUT": "5s",
	}
	for k, v := range env {
		e[k] = v
	}
	s, f := apitest.WithFakes(t, apitest.Opts{Work: true, Env: e, DBTracer: tracer})
	acct := s.SignUp(t)
	return &bundle{s: s, f: f, llm: l, recv: webhookfake.New(t), acct: acct, tenant: "/api/portal/tenants/" + acct.TenantID.String()}
}

// endpoint registers an endpoint (body may set url, event_types…; the
// receiver's URL by default) and returns its id and secret.
func (b *bundle) endpoint(t *testing.T, body map[string]any) (uuid.UUID, string) {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	if body["url"] == nil {
		body["url"] = b.recv.URL + "/hooks"
	}
	r := b.acct.Client.Do("POST", b.tenant+"/webhook-endpoints", body)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	var out struct {
		ID     uuid.UUID `json:"id"`
		Secret string    `json:"secret"`
	}
	r.JSON(t, &out)
	require.True(t, strings.HasPrefix(out.Secret, "whsec_"), out.Secret)
	return out.ID, out.Secret
}

// agent creates an agent and returns its id.
func (b *bundle) agent(t *testing.T, body map[string]any) string {
	t.Helper()
	full := map[string]any{"name": "Ada", "model": "openai/gpt-4o-mini"}
	for k, v := range body {
		full[k] = v
	}
	r := b.acct.Client.Do("POST", b.tenant+"/agents", full)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	return r.Map(t)["id"].(string)
}

// recorded are the tenant's events of a type, oldest first.
func (b *bundle) recorded(t *testing.T, typ string) []events.Event {
	t.Helper()
	rows, err := b.s.DB.Owner.Query(context.Background(), `SELECT id, type, subject, data, seq FROM outbound_events
		WHERE tenant_id = $1 AND type = $2 ORDER BY seq`, b.acct.TenantID, typ)
	require.NoError(t, err)
	defer rows.Close()
	var out []events.Event
	for rows.Next() {
		var e events.Event
		require.NoError(t, rows.Scan(&e.ID, &e.Type, &e.Subject, &e.Data, &e.Seq))
		out = append(out, e)
	}
	require.NoError(t, rows.Err())
	return out
}

// count runs a count query as the owner.
func (b *bundle) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(), query, args...).Scan(&n))
	return n
}

var tsSeq atomic.Int64

func nextTS() string { return fmt.Sprintf("%d.%06d", time.Now().Unix(), tsSeq.Add(1)) }

// ofType keeps the requests whose body has type typ.
func ofType(reqs []webhookfake.Request, typ string) []webhookfake.Request {
	var out []webhookfake.Request
	for _, r := range reqs {
		if r.Event().Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// repoRoot is the repository's root (tests run in api/events).
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	return root
}

// contract is openapi.yaml, loaded once.
var contract = struct {
	doc  *openapi3.T
	root map[string]any
}{}

func loadContract(t testing.TB) (*openapi3.T, map[string]any) {
	t.Helper()
	if contract.doc == nil {
		path := filepath.Join(repoRoot(t), "openapi.yaml")
		doc, err := openapi3.NewLoader().LoadFromFile(path)
		require.NoError(t, err)
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		var root map[string]any
		require.NoError(t, yaml.Unmarshal(raw, &root))
		contract.doc, contract.root = doc, root
	}
	return contract.doc, contract.root
}

// dataSchemas names each type's data schema under components.
var dataSchemas = map[string]string{
	events.TypeMessageReceived: "MessageReceivedData", events.TypeReplyDelivered: "ReplyDeliveredData",
	events.TypeTurnFailed: "TurnFailedData", events.TypeConversationHandedOver: "ConversationHandedOverData",
	events.TypeConversationReleased: "ConversationReleasedData", events.TypeChannelConnected: "ChannelConnectedData",
	events.TypeChannelRevoked: "ChannelRevokedData", events.TypeAgentCreated: "AgentEventData", events.TypeAgentUpdated: "AgentEventData",
	events.TypeAgentDeleted: "AgentEventData", events.TypeBudgetThresholdReached: "BudgetThresholdReachedData",
	events.TypeSubscriptionUpdated: "SubscriptionUpdatedData", events.TypeTest: "WebhookTestData",
	events.TypeKnowledgeSourceReady: "KnowledgeSourceReadyData", events.TypeKnowledgeSourceFailed: "KnowledgeSourceFailedData",
}

// requireDocumented checks a delivered body against the contract: the
// envelope and the type's data schema validate, and the data has no field
// the schema does not declare (so what integrators read is what we send).
func requireDocumented(t *testing.T, body []byte) {
	t.Helper()
	doc, _ := loadContract(t)
	var v map[string]any
	require.NoError(t, json.Unmarshal(body, &v))
	typ, _ := v["type"].(string)
	name, ok := dataSchemas[typ]
	require.True(t, ok, "type %q has no documented schema", typ)
	require.NoError(t, doc.Components.Schemas["WebhookEnvelope"].Value.VisitJSON(v), "envelope of %s", typ)
	data := doc.Components.Schemas[name].Value
	require.NoError(t, data.VisitJSON(v["data"]), "data of %s: %s", typ, body)
	requireDeclared(t, data, v["data"], typ+".data")
}

func requireDeclared(t *testing.T, s *openapi3.Schema, v any, at string) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		if len(s.Properties) == 0 {
			return
		}
		for k, val := range x {
			p, ok := s.Properties[k]
			require.True(t, ok, "%s.%s is sent but not documented", at, k)
			requireDeclared(t, p.Value, val, at+"."+k)
		}
	case []any:
		if s.Items != nil {
			for i, val := range x {
				requireDeclared(t, s.Items.Value, val, fmt.Sprintf("%s[%d]", at, i))
			}
		}
	}
}

// xWebhooks lists the event types documented under x-webhooks.
func xWebhooks(t *testing.T) []string {
	t.Helper()
	_, root := loadContract(t)
	m, ok := root["x-webhooks"].(map[string]any)
	require.True(t, ok, "openapi.yaml has no x-webhooks")
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

type webhookRequest = webhookfake.Request

// distinctIDs counts the different events among requests.
func distinctIDs(reqs []webhookRequest) int {
	seen := map[string]bool{}
	for _, r := range reqs {
		seen[r.ID] = true
	}
	return len(seen)
}

func mustField(t *testing.T, data json.RawMessage, key string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &m))
	v, ok := m[key]
	require.True(t, ok, "no %s in %s", key, data)
	return v
}

func mustConversation(t *testing.T, e events.Event) string {
	t.Helper()
	var id string
	require.NoError(t, json.Unmarshal(mustField(t, e.Data, "conversation_id"), &id))
	return id
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

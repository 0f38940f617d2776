package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/contract"
	"github.com/konstruct/konstruct/api/fakes/graphfake"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
	"github.com/konstruct/konstruct/api/fakes/stripemock"
	"github.com/konstruct/konstruct/api/knowledge"
	"github.com/konstruct/konstruct/api/store"
)

// notDrivable lists operations this test cannot drive to a success in-process,
// each with the reason. An operation on it is still probed for its error
// answers (credentials, ids, bodies), and every response it gives is still
// validated; it is only excused from needing a 2xx. Today every operation is
// driven, so the list is empty: add to it only what genuinely needs something
// outside the process (a human in a browser, a third party with no fake).
var notDrivable = map[string]string{}

// recorder validates every response the test sees against the contract and
// counts what was covered.
type recorder struct {
	spec *openapi3.T

	mu       sync.Mutex
	statuses map[string]map[int]int // operationId → status → responses
}

func newRecorder(t *testing.T) *recorder {
	spec, err := contract.Load()
	require.NoError(t, err)
	return &recorder{spec: spec, statuses: map[string]map[int]int{}}
}

// check validates one response of operation o and records it.
func (rec *recorder) check(t *testing.T, o specOp, req *http.Request, pathParams map[string]string, resp *apitest.Response) {
	t.Helper()
	for _, problem := range rec.problems(o, req, pathParams, resp) {
		t.Error(problem)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.statuses[o.op.OperationID] == nil {
		rec.statuses[o.op.OperationID] = map[int]int{}
	}
	rec.statuses[o.op.OperationID][resp.Status]++
}

// problems lists how a response of operation o breaks the contract: a status
// it does not declare (a 5xx may fall to `default`), headers or a body that
// do not match the declared response, or an error that is not the problem
// RFC 9457 and the conventions promise (a 400 or 422 lists errors[] with
// locations).
func (rec *recorder) problems(o specOp, req *http.Request, pathParams map[string]string, resp *apitest.Response) []string {
	var out []string
	if o.op.Responses.Status(resp.Status) == nil && (resp.Status < 500 || o.op.Responses.Default() == nil) {
		out = append(out, fmt.Sprintf("%s answered %d, which it does not declare: %s", o, resp.Status, resp.Body))
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: pathParams,
			Route:   &routers.Route{Spec: rec.spec, Path: o.path, PathItem: o.item, Method: o.method, Operation: o.op},
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: resp.Status, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(resp.Body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		out = append(out, fmt.Sprintf("%s: the %d response does not match the contract: %v\nbody: %s", o, resp.Status, err, resp.Body))
	}
	if resp.Status < 400 || o.webhook() && resp.Header.Get("Content-Type") != "application/problem+json" {
		return out
	}
	var p struct {
		Type, Title string
		Status      int
		Errors      []struct{ Location, Message string }
	}
	if err := json.Unmarshal(resp.Body, &p); err != nil || resp.Header.Get("Content-Type") != "application/problem+json" {
		return append(out, fmt.Sprintf("%s: the %d response is not a problem+json: %s", o, resp.Status, resp.Body))
	}
	if p.Status != resp.Status || p.Type == "" || p.Title == "" {
		out = append(out, fmt.Sprintf("%s: the %d problem lacks type, title or the status: %s", o, resp.Status, resp.Body))
	}
	if (resp.Status == 400 || resp.Status == 422) && !o.webhook() {
		if len(p.Errors) == 0 {
			out = append(out, fmt.Sprintf("%s: the %d problem has no errors[]: %s", o, resp.Status, resp.Body))
		}
		for _, e := range p.Errors {
			if !locationPattern.MatchString(e.Location) || e.Message == "" {
				out = append(out, fmt.Sprintf("%s: the %d problem has an unusable error %+v", o, resp.Status, e))
			}
		}
	}
	return out
}

// locationPattern is the shape of errors[].location the contract documents:
// body, query, path or header, then .name segments and [i] indexes.
var locationPattern = regexp.MustCompile(`^(body|query|path|header)(\.[^.\[\]]+|\[\d+\])*$`)

func (rec *recorder) succeeded(opID string) bool {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for status := range rec.statuses[opID] {
		if status >= 200 && status < 300 || status == http.StatusFound {
			return true
		}
	}
	return false
}

// caller is one way of calling the API: a browser's session (cookies and
// the portal's Origin), an API token, or nobody.
type caller struct {
	base   string
	http   *http.Client
	origin string
	token  string
	rec    *recorder
}

func newCaller(base string, rec *recorder) *caller {
	jar, _ := cookiejar.New(nil)
	return &caller{base: base, rec: rec, origin: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// call is one request to operation o. path is o.path with its parameters
// filled from params; body is sent as JSON unless it is already bytes.
func (c *caller) call(t *testing.T, o specOp, params map[string]string, query url.Values, body any, header http.Header) *apitest.Response {
	t.Helper()
	path := o.path
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", url.PathEscape(v))
	}
	require.NotContains(t, path, "{", "%s: a path parameter has no value", o)
	target := c.base + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var data []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		data = b
	default:
		var err error
		data, err = json.Marshal(b)
		require.NoError(t, err)
	}
	req, err := http.NewRequest(o.method, target, bytes.NewReader(data))
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.origin != "" {
		req.Header.Set("Origin", c.origin)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := c.http.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	r := &apitest.Response{Status: res.StatusCode, Header: res.Header, Body: got}
	// The validator reads the request again (for its parameters).
	vreq, _ := http.NewRequest(o.method, target, bytes.NewReader(data))
	vreq.Header = req.Header
	c.rec.check(t, o, vreq, params, r)
	return r
}

// world is one tenant with one of everything, made through the API.
type world struct {
	srv    *apitest.Server
	fakes  *apitest.Fakes
	stripe *stripemock.Server
	rec    *recorder
	ops    map[string]specOp // by operationId

	owner *caller           // the tenant's owner, signed in
	bot   *caller           // the owner's API token
	ids   map[string]string // fixture values by parameter (and body field) name

	slackTeam, slackBot string
	llmURL              string
	hooksURL            string // an integrator's webhook receiver
}

func (w *world) op(t *testing.T, id string) specOp {
	t.Helper()
	o, ok := w.ops[id]
	require.True(t, ok, "the contract has no operation %s", id)
	return o
}

// must calls o as the owner and requires a 2xx.
func (w *world) must(t *testing.T, id string, params map[string]string, query url.Values, body any) map[string]any {
	t.Helper()
	r := w.owner.call(t, w.op(t, id), params, query, body, nil)
	require.True(t, r.Status >= 200 && r.Status < 300, "%s answered %d: %s", id, r.Status, r.Body)
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	return m
}

func (w *world) tenant() map[string]string { return map[string]string{"tenant_id": w.ids["tenant_id"]} }

func with(m map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

const platformKey = "sk-platform-contract"

func newWorld(t *testing.T) *world {
	llm := llmfake.New(t)
	stripe := stripemock.Start(t)
	env := apitest.BillingEnv(stripe.URL)
	for k, v := range map[string]string{
		"BILLING_TRIAL_DAYS": "14", "OPENAI_API_URL": llm.URL + "/v1", "PLATFORM_OPENAI_API_KEY": platformKey,
		"TURN_DEBOUNCE": "0s", "LLM_MAX_RETRIES": "0", "ALLOW_PRIVATE_URLS": "true", "HTTP_BODY_LIMIT": "262144",
	} {
		env[k] = v
	}
	srv, fakes := apitest.WithFakes(t, apitest.Opts{Work: true, Env: env})
	w := &world{srv: srv, fakes: fakes, stripe: stripe, rec: newRecorder(t), ops: map[string]specOp{}, ids: map[string]string{}, llmURL: llm.URL}
	for _, o := range operations(t) {
		w.ops[o.op.OperationID] = o
	}

	// The owner signs up through the contract.
	w.owner = newCaller(srv.URL, w.rec)
	email := "owner-" + uuid.NewString()[:8] + "@example.com"
	me := w.must(t, "signUp", nil, nil, map[string]any{"email": email, "password": "correct horse battery staple", "name": "Olive Owner"})
	w.ids["tenant_id"] = me["memberships"].([]any)[0].(map[string]any)["tenant_id"].(string)
	tok := w.must(t, "createAPIToken", w.tenant(), nil, map[string]any{"name": "conformance", "role": "owner"})
	w.bot = newCaller(srv.URL, w.rec)
	w.bot.origin, w.bot.token = "", tok["secret"].(string)
	w.ids["token_id"] = w.must(t, "createAPIToken", w.tenant(), nil, map[string]any{"name": "to revoke", "role": "member"})["id"].(string)

	agent := w.must(t, "createAgent", w.tenant(), nil, map[string]any{"name": "Ada", "model": "openai/gpt-4o-mini",
		"escalation_rules": []string{"refund"}, "escalation_target": map[string]any{"type": "slack_channel", "id": "CHUMANS"}})
	w.ids["agent_id"] = agent["id"].(string)
	w.ids["member_id"] = w.must(t, "addMember", w.tenant(), nil, map[string]any{"email": "invitee-" + uuid.NewString()[:8] + "@example.com", "role": "member"})["id"].(string)
	w.ids["key_id"] = w.must(t, "createLLMKey", w.tenant(), nil, map[string]any{"provider": "openai", "label": "Own key", "api_key": "sk-own-" + uuid.NewString()})["id"].(string)

	// Slack through its OAuth flow, driven as the operations it is made of.
	install := w.must(t, "getSlackInstallURL", nil, url.Values{"tenant_id": {w.ids["tenant_id"]}}, nil)
	authorize, err := url.Parse(install["authorize_url"].(string))
	require.NoError(t, err)
	w.slackTeam, w.slackBot = "T"+uuid.NewString()[:8], "UBOT1"
	code := "code-" + uuid.NewString()
	fakes.Slack.AddInstall(code, slackfake.Install{TeamID: w.slackTeam, TeamName: "Acme", BotUserID: w.slackBot,
		AppID: "AKONSTRUCT", InstallerID: "UINSTALLER", Token: "xoxb-" + uuid.NewString()})
	r := w.owner.call(t, w.op(t, "slackOAuthCallback"), nil, url.Values{"code": {code}, "state": {authorize.Query().Get("state")}}, nil,
		http.Header{"Accept": {"application/json"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	w.ids["connection_id"] = r.Map(t)["connection_id"].(string)

	// A WhatsApp number, for the test message.
	n := graphfake.Number{PhoneNumberID: "106540352242922", WABAID: "102290129340398", Display: "+1 555-0100",
		VerifiedName: "Acme Support", Token: "EAAGm0PX4ZCpsBAKZC9yZBnZAx3ZCm1KZAaO7ZBbZBs"}
	fakes.Graph.AddNumber(n)

	// Two chat users talk to the agent: one is answered (and remembered),
	// one asks for a refund and is handed to a human.
	w.ids["participant_id"] = "UALICE"
	for i, ev := range []slackfake.Event{
		slackfake.Mention("UALICE", "C1", nextTS(), "<@"+w.slackBot+"> where is order 42?"),
		slackfake.Mention("UBOB", "C2", nextTS(), "<@"+w.slackBot+"> I want a refund"),
	} {
		body := slackfake.Envelope(w.slackTeam, "Ev"+strconv.Itoa(i)+uuid.NewString()[:6], ev)
		r := w.slackEvent(t, body)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}
	fakes.Slack.WaitCalls(t, "chat.update", 2, 15*time.Second)
	require.Eventually(t, func() bool {
		var list struct{ Items []map[string]any }
		_ = json.Unmarshal(w.owner.call(t, w.op(t, "listConversations"), w.tenant(), url.Values{"status": {"escalated"}}, nil, nil).Body, &list)
		if len(list.Items) == 1 {
			w.ids["conversation_id"] = list.Items[0]["id"].(string)
			return true
		}
		return false
	}, 15*time.Second, 50*time.Millisecond, "the refund conversation is handed over")
	srv.Settle(t)
	require.Eventually(t, func() bool {
		var list struct{ Items []map[string]any }
		_ = json.Unmarshal(w.owner.call(t, w.op(t, "listMemories"), with(w.tenant(), "agent_id", w.ids["agent_id"]),
			url.Values{"connection_id": {w.ids["connection_id"]}, "participant_id": {"UALICE"}}, nil, nil).Body, &list)
		if len(list.Items) > 0 {
			w.ids["memory_id"] = list.Items[0]["id"].(string)
			return true
		}
		return false
	}, 15*time.Second, 50*time.Millisecond, "Alice's messages are remembered")

	// An integrator's webhook endpoint (a local receiver) that got a test event.
	hooks := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) { rw.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(hooks.Close)
	w.hooksURL = hooks.URL + "/hooks"
	w.ids["endpoint_id"] = w.must(t, "createWebhookEndpoint", w.tenant(), nil, map[string]any{"url": w.hooksURL})["id"].(string)
	d := w.must(t, "sendWebhookTest", with(w.tenant(), "endpoint_id", w.ids["endpoint_id"]), nil, nil)
	w.ids["delivery_id"], w.ids["event_id"] = d["id"].(string), d["event_id"].(string)

	// A knowledge snippet, indexed, and a question nothing answered (a gap).
	w.ids["source_id"] = w.must(t, "createKnowledgeSource", w.tenant(), nil, map[string]any{"kind": "snippet",
		"question": "When are you open?", "text": "We are open from nine to five, Monday to Friday."})["id"].(string)
	w.waitSourceReady(t)
	require.NoError(t, srv.App.Store.WithTenant(context.Background(), uuid.MustParse(w.ids["tenant_id"]), func(ctx context.Context, tx store.Tx) error {
		return knowledge.RecordGap(ctx, tx, tx.TenantID, knowledge.Ask{AgentID: uuid.MustParse(w.ids["agent_id"]), Question: "Do you ship to Norway?"})
	}))
	var gaps struct{ Items []map[string]any }
	require.NoError(t, json.Unmarshal(w.owner.call(t, w.op(t, "listKnowledgeGaps"), w.tenant(), nil, nil, nil).Body, &gaps))
	require.Len(t, gaps.Items, 1)
	w.ids["gap_id"] = gaps.Items[0]["id"].(string)
	return w
}

// waitSourceReady waits until the world's knowledge source is indexed.
func (w *world) waitSourceReady(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		var src struct{ Status string }
		_ = json.Unmarshal(w.owner.call(t, w.op(t, "getKnowledgeSource"), with(w.tenant(), "source_id", w.ids["source_id"]), nil, nil, nil).Body, &src)
		return src.Status == "ready"
	}, 15*time.Second, 50*time.Millisecond, "the knowledge source is indexed")
}

// multipartFile is a multipart/form-data body with one file part.
func multipartFile(t *testing.T, name, contentType string, data []byte) ([]byte, http.Header) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, name))
	h.Set("Content-Type", contentType)
	part, err := mw.CreatePart(h)
	require.NoError(t, err)
	_, _ = part.Write(data)
	require.NoError(t, mw.WriteField("title", "Returns guide"))
	require.NoError(t, mw.Close())
	return buf.Bytes(), http.Header{"Content-Type": {mw.FormDataContentType()}}
}

var tsSeq struct {
	sync.Mutex
	n int
}

func nextTS() string {
	tsSeq.Lock()
	defer tsSeq.Unlock()
	tsSeq.n++
	return fmt.Sprintf("%d.%06d", time.Now().Unix(), tsSeq.n)
}

func (w *world) slackEvent(t *testing.T, body []byte) *apitest.Response {
	t.Helper()
	h := http.Header{}
	slackfake.Sign(h, w.fakes.SlackSigningSecret, body, time.Now())
	anon := newCaller(w.srv.URL, w.rec)
	anon.origin = ""
	return anon.call(t, w.op(t, "slackEvents"), nil, nil, body, h)
}

// scenarios drive operations the generic driver cannot (it fills path and
// query parameters from the world's ids and sends the documented example).
var scenarios = map[string]func(t *testing.T, w *world, o specOp){
	"signUp": func(t *testing.T, w *world, o specOp) {
		c := newCaller(w.srv.URL, w.rec)
		r := c.call(t, o, nil, nil, exampleOf(t, o, w), nil)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	},
	"signIn": func(t *testing.T, w *world, o specOp) {
		c := newCaller(w.srv.URL, w.rec)
		r := c.call(t, o, nil, nil, exampleOf(t, o, w), nil) // the signUp example's account
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		require.Equal(t, http.StatusUnauthorized, c.call(t, o, nil, nil, map[string]any{"email": "nobody@example.com", "password": "wrong password"}, nil).Status)
	},
	"signOut": func(t *testing.T, w *world, o specOp) {
		c := newCaller(w.srv.URL, w.rec)
		require.Equal(t, http.StatusNoContent, c.call(t, o, nil, nil, nil, nil).Status)
	},
	"getMe": func(t *testing.T, w *world, o specOp) {
		require.Equal(t, http.StatusOK, w.owner.call(t, o, nil, nil, nil, nil).Status)
		require.Equal(t, http.StatusOK, w.bot.call(t, o, nil, nil, nil, nil).Status, "a token's view: user is null")
	},
	"listTenants": func(t *testing.T, w *world, o specOp) {
		require.Equal(t, http.StatusOK, w.owner.call(t, o, nil, url.Values{"limit": {"1"}}, nil, nil).Status)
		require.Equal(t, http.StatusForbidden, w.owner.call(t, o, nil, url.Values{"all": {"true"}}, nil, nil).Status, "not a platform admin")
	},
	"slackOAuthCallback": func(t *testing.T, w *world, o specOp) {
		// Driven while the world was made; a browser is sent back to the portal.
		r := newCaller(w.srv.URL, w.rec).call(t, o, nil, url.Values{"error": {"access_denied"}}, nil, http.Header{"Accept": {"text/html"}})
		require.Equal(t, http.StatusFound, r.Status, "%s", r.Body)
	},
	"createWebhookEndpoint": func(t *testing.T, w *world, o specOp) {
		// The example's host must resolve to a public address; a local receiver stands in.
		body := exampleOf(t, o, w)
		body["url"] = w.hooksURL
		r := w.owner.call(t, o, w.tenant(), nil, body, http.Header{"Idempotency-Key": {uuid.NewString()}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	},
	"acceptInvitation": func(t *testing.T, w *world, o specOp) {
		// Someone signed in with the invited email follows the invitation's link.
		c := newCaller(w.srv.URL, w.rec)
		email := "joiner-" + uuid.NewString()[:8] + "@example.com"
		r := c.call(t, w.op(t, "signUp"), nil, nil, map[string]any{"email": email, "password": "correct horse battery staple", "name": "Jo Iner"}, nil)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		inv := w.must(t, "addMember", w.tenant(), nil, map[string]any{"email": email, "role": "member"})
		link, err := url.Parse(inv["invite_url"].(string))
		require.NoError(t, err)
		r = c.call(t, o, nil, nil, map[string]any{"token": link.Query().Get("token")}, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	},
	"createLLMKey": func(t *testing.T, w *world, o specOp) {
		// The example's base URL must resolve; the fake LLM server stands in.
		body := exampleOf(t, o, w)
		body["base_url"] = w.llmURL + "/v1"
		r := w.owner.call(t, o, w.tenant(), nil, body, http.Header{"Idempotency-Key": {uuid.NewString()}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	},
	"sendHumanReply": func(t *testing.T, w *world, o specOp) {
		params := with(w.tenant(), "conversation_id", w.ids["conversation_id"])
		r := w.owner.call(t, o, params, nil, exampleOf(t, o, w), http.Header{"Idempotency-Key": {uuid.NewString()}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	},
	"createBillingPortal": func(t *testing.T, w *world, o specOp) {
		body := map[string]any{"tenant_id": w.ids["tenant_id"]}
		r := w.owner.call(t, o, nil, nil, body, nil)
		if r.Status == http.StatusConflict { // no Stripe customer until a checkout
			w.must(t, "createBillingCheckout", nil, nil, body)
			r = w.owner.call(t, o, nil, nil, body, nil)
		}
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	},
	"stripeEvents": func(t *testing.T, w *world, o specOp) {
		body := apitest.StripeEvent(t, "evt_"+uuid.NewString()[:12], "invoice.created", time.Now(), map[string]any{"id": "in_1", "object": "invoice"})
		signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: apitest.StripeWebhookSecret, Timestamp: time.Now()})
		anon := newCaller(w.srv.URL, w.rec)
		anon.origin = ""
		r := anon.call(t, o, nil, nil, body, http.Header{"Stripe-Signature": {signed.Header}})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		require.Equal(t, http.StatusBadRequest, anon.call(t, o, nil, nil, body, http.Header{"Stripe-Signature": {"t=1,v1=00"}}).Status)
	},
	"slackEvents": func(t *testing.T, w *world, o specOp) {
		r := w.slackEvent(t, []byte(`{"type":"url_verification","challenge":"c-123","token":"x"}`))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		anon := newCaller(w.srv.URL, w.rec)
		anon.origin = ""
		require.Equal(t, http.StatusUnauthorized, anon.call(t, o, nil, nil, []byte(`{}`), nil).Status)
	},
	"uploadKnowledgeFile": func(t *testing.T, w *world, o specOp) {
		md := []byte("# Returns\n\nYou can return anything within 30 days.\n\n## Refunds\n\nRefunds reach your card in 5 days.\n")
		body, h := multipartFile(t, "returns.md", "text/markdown", md)
		r := w.owner.call(t, o, w.tenant(), nil, body, h)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		first := r.Map(t)["id"]
		body, h = multipartFile(t, "copy.md", "text/markdown", md)
		r = w.owner.call(t, o, w.tenant(), nil, body, h)
		require.Equal(t, http.StatusOK, r.Status, "the same bytes again: %s", r.Body)
		require.Equal(t, first, r.Map(t)["id"])
		body, h = multipartFile(t, "logo.png", "image/png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
		require.Equal(t, http.StatusUnsupportedMediaType, w.owner.call(t, o, w.tenant(), nil, body, h).Status)
		body, h = multipartFile(t, "empty.txt", "text/plain", nil)
		require.Equal(t, http.StatusUnprocessableEntity, w.owner.call(t, o, w.tenant(), nil, body, h).Status)
	},
	"syncKnowledgeSource": func(t *testing.T, w *world, o specOp) {
		w.waitSourceReady(t)
		r := w.owner.call(t, o, with(w.tenant(), "source_id", w.ids["source_id"]), nil, nil, http.Header{"Idempotency-Key": {uuid.NewString()}})
		require.Equal(t, http.StatusAccepted, r.Status, "%s", r.Body)
		w.waitSourceReady(t)
	},
	"putAgentKnowledge": func(t *testing.T, w *world, o specOp) {
		body := map[string]any{"source_ids": []string{w.ids["source_id"]}, "token_budget": 1500, "when_unknown": "handover"}
		r := w.owner.call(t, o, with(w.tenant(), "agent_id", w.ids["agent_id"]), nil, body, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		// Knowledge off again, so the turns other operations drive are plain.
		r = w.owner.call(t, o, with(w.tenant(), "agent_id", w.ids["agent_id"]), nil, map[string]any{"source_ids": []string{}}, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	},
	"whatsAppVerify": func(t *testing.T, w *world, o specOp) {
		anon := newCaller(w.srv.URL, w.rec)
		q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {w.fakes.WhatsAppVerify}, "hub.challenge": {"42"}}
		require.Equal(t, http.StatusOK, anon.call(t, o, nil, q, nil, nil).Status)
		q.Set("hub.verify_token", "wrong")
		require.Equal(t, http.StatusForbidden, anon.call(t, o, nil, q, nil, nil).Status)
	},
	"whatsAppEvents": func(t *testing.T, w *world, o specOp) {
		body := graphfake.Delivery(graphfake.Number{PhoneNumberID: "106540352242922", WABAID: "102290129340398", Display: "+1 555-0100"}, nil, nil)
		anon := newCaller(w.srv.URL, w.rec)
		anon.origin = ""
		r := anon.call(t, o, nil, nil, body, http.Header{"X-Hub-Signature-256": {graphfake.Sign(body, w.fakes.WhatsAppAppSecret)}})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		require.Equal(t, http.StatusUnauthorized, anon.call(t, o, nil, nil, body, http.Header{"X-Hub-Signature-256": {"sha256=00"}}).Status)
	},
}

// late are run after every other operation, in this order: they change or
// remove what the others read.
var late = []string{"releaseConversation", "deleteMemory", "eraseParticipant", "removeMember", "revokeAPIToken",
	"deleteLLMKey", "disconnectConnection", "deleteAgent", "updateWebhookEndpoint", "deleteWebhookEndpoint", "deleteKnowledgeSource"}

// exampleOf is the operation's documented request example, with the ids it
// names replaced by the world's (a tenant, agent or connection id in the
// example would not exist here).
func exampleOf(t *testing.T, o specOp, w *world) map[string]any {
	t.Helper()
	mt := o.jsonBody()
	require.NotNil(t, mt, "%s: no JSON request body", o)
	require.NotNil(t, mt.Example, "%s: document a request example in openapi.yaml (integrators read it, this test sends it)", o)
	raw, err := json.Marshal(mt.Example)
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(raw, &body))
	for k := range body {
		if v, ok := w.ids[k]; ok {
			body[k] = v
		}
	}
	return body
}

// fixtures are the parameter values the generic driver uses for o; an
// operation whose path or required query names a parameter the world has no
// value for cannot be driven generically and fails, asking for a scenario.
func (w *world) fixtures(t *testing.T, o specOp) (map[string]string, url.Values) {
	t.Helper()
	params, query := map[string]string{}, url.Values{}
	for _, p := range o.params() {
		if p.In != "path" && !(p.In == "query" && p.Required) {
			continue
		}
		v, ok := w.ids[p.Name]
		require.True(t, ok, "%s is not exercised: the world has no value for its %s parameter %q; "+
			"add it to newWorld or add a scenario in conformance_test.go", o, p.In, p.Name)
		if p.In == "path" {
			params[p.Name] = v
		} else {
			query.Set(p.Name, v)
		}
	}
	return params, query
}

func (w *world) drive(t *testing.T, o specOp) {
	if s, ok := scenarios[o.op.OperationID]; ok {
		s(t, w, o)
		return
	}
	params, query := w.fixtures(t, o)
	var body any
	var header http.Header
	if o.hasBody() {
		body = exampleOf(t, o, w)
	}
	for _, p := range o.params() {
		if p.In == "header" && p.Name == "Idempotency-Key" {
			header = http.Header{"Idempotency-Key": {uuid.NewString()}}
		}
	}
	r := w.owner.call(t, o, params, query, body, header)
	require.True(t, r.Status >= 200 && r.Status < 300, "%s answered %d: %s", o, r.Status, r.Body)
}

// probe sends each request every operation must refuse, and lets the
// recorder validate the answers: no credentials (401), a cookie change from
// another origin (403), a malformed id (422), a tenant that is not the
// caller's (404), an unknown field, malformed JSON and an integer written
// 2e1 (400), a body over the limit (413), and an Idempotency-Key reused with
// another body (409).
func (w *world) probe(t *testing.T, o specOp) {
	if o.webhook() || o.probe() {
		return
	}
	params, query := map[string]string{}, url.Values{}
	for _, p := range o.params() {
		if v, ok := w.ids[p.Name]; ok && (p.In == "path" || p.In == "query" && p.Required) {
			if p.In == "path" {
				params[p.Name] = v
			} else {
				query.Set(p.Name, v)
			}
		}
	}
	if len(params) != strings.Count(o.path, "{") {
		return // not drivable generically: its scenario covers it
	}
	var body map[string]any
	if mt := o.jsonBody(); mt != nil && mt.Example != nil {
		body = exampleOf(t, o, w)
	}
	// An upload is probed with a real file, so only what is probed is wrong.
	var upload []byte
	var uploadHeader http.Header
	if o.hasBody() && o.op.RequestBody.Value.Content.Get("multipart/form-data") != nil {
		upload, uploadHeader = multipartFile(t, "probe.md", "text/markdown", []byte("# Probe\n\nA probe's file.\n"))
	}
	send := func(c *caller, params map[string]string, b any, h http.Header) *apitest.Response {
		if b == nil && body != nil {
			b = body
		}
		if b == nil && upload != nil {
			b, h = upload, uploadHeader.Clone()
		}
		return c.call(t, o, params, query, b, h)
	}

	if !o.public() {
		anon := newCaller(w.srv.URL, w.rec)
		require.Equal(t, http.StatusUnauthorized, send(anon, params, nil, nil).Status, "%s without credentials", o)
	}
	if o.method != http.MethodGet {
		evil := newCaller(w.srv.URL, w.rec)
		evil.http.Jar = w.owner.http.Jar
		evil.origin = "https://evil.example"
		require.Equal(t, http.StatusForbidden, send(evil, params, nil, nil).Status, "%s: a cookie change from another origin", o)
	}
	for name := range params {
		if strings.HasSuffix(name, "_id") {
			r := send(w.bot, with(params, name, "not-a-uuid"), nil, nil)
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s with a malformed %s: %s", o, name, r.Body)
		}
	}
	if _, ok := params["tenant_id"]; ok {
		r := send(w.bot, with(params, "tenant_id", uuid.NewString()), nil, nil)
		require.Equal(t, http.StatusNotFound, r.Status, "%s in a tenant that is not the caller's: %s", o, r.Body)
	}
	for _, p := range o.params() {
		if p.In == "query" && p.Name == "limit" {
			q := url.Values{"limit": {"0"}}
			for k, v := range query {
				q[k] = v
			}
			r := w.bot.call(t, o, params, q, nil, nil)
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s with limit=0: %s", o, r.Body)
		}
	}
	if o.hasBody() && body != nil {
		withUnknown := map[string]any{"no_such_field": 1}
		for k, v := range body {
			withUnknown[k] = v
		}
		r := send(w.bot, params, withUnknown, nil)
		require.Equal(t, http.StatusBadRequest, r.Status, "%s with an unknown field: %s", o, r.Body)
		require.Contains(t, string(r.Body), `"location":"body.no_such_field"`)
		require.Equal(t, http.StatusBadRequest, send(w.bot, params, []byte(`{"unterminated":`), nil).Status, "%s with malformed JSON", o)
		big := map[string]any{"padding": strings.Repeat("x", 300<<10)}
		require.Equal(t, http.StatusRequestEntityTooLarge, send(w.bot, params, big, nil).Status, "%s with a body over the limit", o)
	}
	for _, p := range o.params() {
		if p.In == "header" && p.Name == "Idempotency-Key" && body != nil {
			key := uuid.NewString()
			first := send(w.bot, params, nil, http.Header{"Idempotency-Key": {key}})
			if first.Status >= 200 && first.Status < 300 {
				other := map[string]any{"no_such_field": 1}
				r := send(w.bot, params, other, http.Header{"Idempotency-Key": {key}})
				require.Contains(t, []int{http.StatusBadRequest, http.StatusConflict}, r.Status, "%s", o)
				other = map[string]any{}
				for k, v := range body {
					other[k] = v
				}
				changeOneString(o, other)
				r = send(w.bot, params, other, http.Header{"Idempotency-Key": {key}})
				require.Equal(t, http.StatusConflict, r.Status, "%s: a key reused with another body: %s", o, r.Body)
			}
		}
	}
}

// changeOneString alters one free-text string of a body (no pattern, format
// or enum), so the same key is reused with a different, still valid request.
func changeOneString(o specOp, m map[string]any) {
	props := o.jsonBody().Schema.Value.Properties
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s, ok := m[k].(string)
		p := props[k]
		if ok && p != nil && p.Value != nil && p.Value.Pattern == "" && p.Value.Format == "" && len(p.Value.Enum) == 0 {
			m[k] = s + " (again)"
			return
		}
	}
	// A body without free text (a replay window, a rotation's overlap):
	// flip a boolean instead.
	for _, k := range keys {
		if b, ok := m[k].(bool); ok {
			m[k] = !b
			return
		}
	}
	// Or move a number by one (within its bounds).
	for _, k := range keys {
		if n, ok := m[k].(float64); ok {
			if p := props[k]; p != nil && p.Value != nil && p.Value.Max != nil && n+1 > *p.Value.Max {
				m[k] = n - 1
			} else {
				m[k] = n + 1
			}
			return
		}
	}
	// Or drop an optional field.
	for _, k := range keys {
		if !slices.Contains(o.jsonBody().Schema.Value.Required, k) {
			delete(m, k)
			return
		}
	}
}

// TestConformance drives every operation of the contract through the real
// server (read from the contract, so operations added later are included)
// and validates every response it gets; it fails when an operation is never
// driven to a success, unless notDrivable excuses it.
func TestConformance(t *testing.T) {
	t.Parallel()
	w := newWorld(t)

	var order []specOp
	for _, o := range operations(t) {
		if !slices.Contains(late, o.op.OperationID) {
			order = append(order, o)
		}
	}
	// Sign-up before sign-in (signIn uses signUp's example account).
	sort.SliceStable(order, func(i, j int) bool { return order[i].op.OperationID == "signUp" })
	for _, id := range late {
		order = append(order, w.op(t, id))
	}
	for _, o := range order {
		t.Run("Drive_"+o.op.OperationID, func(t *testing.T) { w.drive(t, o) })
		t.Run("Probe_"+o.op.OperationID, func(t *testing.T) { w.probe(t, o) })
	}

	var undriven []string
	for _, o := range order {
		if _, excused := notDrivable[o.op.OperationID]; !excused && !w.rec.succeeded(o.op.OperationID) {
			undriven = append(undriven, o.String())
		}
	}
	require.Empty(t, undriven, "operations never driven to a success (add a scenario, or a reasoned notDrivable entry)")

	responses, pairs := 0, 0
	for _, byStatus := range w.rec.statuses {
		pairs += len(byStatus)
		for _, n := range byStatus {
			responses += n
		}
	}
	t.Logf("conformance: %d operations driven, %d responses validated, %d distinct (operation, status) pairs", len(w.rec.statuses), responses, pairs)
}

// 429 is validated on its own server, with a budget of two requests.
func TestConformanceRateLimited(t *testing.T) {
	t.Parallel()
	srv := apitest.New(t, apitest.Opts{Env: map[string]string{"API_RATE_LIMIT": "2"}})
	rec := newRecorder(t)
	ops := map[string]specOp{}
	for _, o := range operations(t) {
		ops[o.op.OperationID] = o
	}
	c := newCaller(srv.URL, rec)
	me := c.call(t, ops["signUp"], nil, nil, map[string]any{"email": "rl-" + uuid.NewString()[:8] + "@example.com", "password": "correct horse battery staple", "name": "R"}, nil)
	require.Equal(t, http.StatusCreated, me.Status)
	statuses := []int{}
	for range 4 {
		statuses = append(statuses, c.call(t, ops["getMe"], nil, nil, nil, nil).Status)
	}
	require.Contains(t, statuses, http.StatusTooManyRequests)
}

// The validator has teeth: an undeclared status, a body that breaks its
// schema, a missing required header and a problem without errors[] are
// each reported.
func TestRecorderFindsBreaches(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	ops := map[string]specOp{}
	for _, o := range operations(t) {
		ops[o.op.OperationID] = o
	}
	getAgent := ops["getAgent"]
	params := map[string]string{"tenant_id": uuid.NewString(), "agent_id": uuid.NewString()}
	req, _ := http.NewRequest("GET", "http://x/api/portal/tenants/"+params["tenant_id"]+"/agents/"+params["agent_id"], nil)
	problem := func(status int, body string) *apitest.Response {
		return &apitest.Response{Status: status, Header: http.Header{"Content-Type": {"application/problem+json"}}, Body: []byte(body)}
	}
	for name, resp := range map[string]*apitest.Response{
		"UndeclaredStatus": problem(http.StatusTeapot, `{"type":"about:blank","title":"Teapot","status":418}`),
		"BodyBreaksSchema": {Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"id":"x"}`)},
		"NoErrors":         problem(422, `{"type":"about:blank","title":"Unprocessable Entity","status":422}`),
		"BadLocation":      problem(422, `{"type":"about:blank","title":"Unprocessable Entity","status":422,"errors":[{"location":"name","message":"m"}]}`),
		"NotAProblem":      {Status: 404, Header: http.Header{"Content-Type": {"text/plain"}}, Body: []byte("not found")},
	} {
		require.NotEmpty(t, rec.problems(getAgent, req, params, resp), name)
	}
	ok := problem(404, `{"type":"about:blank","title":"Not Found","status":404}`)
	require.Empty(t, rec.problems(getAgent, req, params, ok))

	// A declared required header is enforced (the 429's Retry-After, say),
	// whatever headers the contract declares later. This edits a private copy
	// of the contract, not the one the server runs on.
	spec, err := contract.Parse(contract.YAML())
	require.NoError(t, err)
	private := &recorder{spec: spec, statuses: map[string]map[int]int{}}
	item := spec.Paths.Find("/api/portal/me")
	me := specOp{method: "GET", path: "/api/portal/me", item: item, op: item.Get}
	tooMany := me.op.Responses.Status(429).Value
	require.NotEmpty(t, tooMany.Headers)
	for _, h := range tooMany.Headers {
		h.Value.Required = true
	}
	reqMe, _ := http.NewRequest("GET", "http://x/api/portal/me", nil)
	r := problem(429, `{"type":"about:blank","title":"Too Many Requests","status":429}`)
	require.NotEmpty(t, private.problems(me, reqMe, nil, r))
}

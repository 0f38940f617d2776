package apitest

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/fakes/graphfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
)

// Fakes are a fake Slack and a fake Graph API with the secrets a server
// needs to talk to them.
type Fakes struct {
	Slack              *slackfake.Server
	Graph              *graphfake.Server
	SlackSigningSecret string
	WhatsAppAppSecret  string
	WhatsAppVerify     string
}

// NewFakes starts the fakes.
func NewFakes(t testing.TB) *Fakes {
	return &Fakes{Slack: slackfake.New(t), Graph: graphfake.New(t),
		SlackSigningSecret: "slack-signing-" + uuid.NewString(), WhatsAppAppSecret: "meta-app-" + uuid.NewString(),
		WhatsAppVerify: "verify-" + uuid.NewString()}
}

// Env configures a server to use the fakes.
func (f *Fakes) Env() map[string]string {
	return map[string]string{
		"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "slack-client-secret", "SLACK_SIGNING_SECRET": f.SlackSigningSecret,
		"SLACK_API_URL": f.Slack.APIURL(), "SLACK_AUTHORIZE_URL": f.Slack.AuthorizeURL(),
		"WHATSAPP_APP_SECRET": f.WhatsAppAppSecret, "WHATSAPP_VERIFY_TOKEN": f.WhatsAppVerify, "WHATSAPP_APP_ID": f.Graph.AppID,
		"GRAPH_API_URL": f.Graph.URL, "GRAPH_API_VERSION": graphfake.Version, "OUTBOUND_TIMEOUT": "5s",
	}
}

// WithFakes starts a server wired to new fakes (with workers unless
// opts says otherwise).
func WithFakes(t testing.TB, opts Opts) (*Server, *Fakes) {
	f := NewFakes(t)
	env := f.Env()
	for k, v := range opts.Env {
		env[k] = v
	}
	opts.Env = env
	return New(t, opts), f
}

// SlackWorkspace is a workspace installed through the fake OAuth flow.
type SlackWorkspace struct {
	TeamID, BotUserID, InstallerID, Token string
	ConnectionID                          uuid.UUID
}

// InstallSlack runs install → authorize → callback for the account.
func (s *Server) InstallSlack(t testing.TB, a *Account, f *Fakes) SlackWorkspace {
	t.Helper()
	ws := SlackWorkspace{TeamID: "T" + uuid.NewString()[:8], BotUserID: "UBOT" + uuid.NewString()[:4],
		InstallerID: "UINST" + uuid.NewString()[:4], Token: "xoxb-" + uuid.NewString()}
	r := a.Client.Do("GET", "/api/portal/channels/slack/install?tenant_id="+a.TenantID.String(), nil)
	require.Equal(t, http.StatusOK, r.Status, "install: %s", r.Body)
	var install struct {
		AuthorizeURL string `json:"authorize_url"`
	}
	r.JSON(t, &install)
	code := "code-" + uuid.NewString()
	f.Slack.AddInstall(code, slackfake.Install{TeamID: ws.TeamID, TeamName: "Acme " + ws.TeamID, BotUserID: ws.BotUserID,
		AppID: "AKONSTRUCT", InstallerID: ws.InstallerID, Token: ws.Token})
	state := queryParam(t, install.AuthorizeURL, "state")
	r = a.Client.Do("GET", "/api/portal/channels/slack/callback?code="+code+"&state="+state, nil, "Accept", "application/json")
	require.Equal(t, http.StatusOK, r.Status, "callback: %s", r.Body)
	var done struct {
		ConnectionID uuid.UUID `json:"connection_id"`
	}
	r.JSON(t, &done)
	ws.ConnectionID = done.ConnectionID
	return ws
}

// WhatsAppNumber is a number connected through the API.
type WhatsAppNumber struct {
	graphfake.Number
	ConnectionID uuid.UUID
}

// ConnectWhatsApp registers a number with the fake Graph API and connects it.
func (s *Server) ConnectWhatsApp(t testing.TB, a *Account, f *Fakes) WhatsAppNumber {
	t.Helper()
	n := graphfake.Number{PhoneNumberID: "10" + digits(13), WABAID: "20" + digits(13), Display: "+1 555-" + digits(7),
		VerifiedName: "Acme Support", Token: "EAAG" + uuid.NewString()}
	f.Graph.AddNumber(n)
	r := a.Client.Do("POST", "/api/portal/channels/whatsapp/connect", map[string]any{"tenant_id": a.TenantID,
		"phone_number_id": n.PhoneNumberID, "waba_id": n.WABAID, "system_user_token": n.Token})
	require.Equal(t, http.StatusCreated, r.Status, "connect: %s", r.Body)
	var conn struct {
		ID uuid.UUID `json:"id"`
	}
	r.JSON(t, &conn)
	return WhatsAppNumber{Number: n, ConnectionID: conn.ID}
}

// SlackEvent delivers a signed Events API request.
func (s *Server) SlackEvent(t testing.TB, f *Fakes, body []byte, header ...string) *Response {
	t.Helper()
	h := http.Header{}
	slackfake.Sign(h, f.SlackSigningSecret, body, time.Now())
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return s.raw(t, "POST", "/api/webhooks/slack/events", body, h)
}

// WhatsAppEvent delivers a signed webhook request.
func (s *Server) WhatsAppEvent(t testing.TB, f *Fakes, body []byte) *Response {
	t.Helper()
	h := http.Header{}
	h.Set("X-Hub-Signature-256", graphfake.Sign(body, f.WhatsAppAppSecret))
	return s.raw(t, "POST", "/api/webhooks/whatsapp", body, h)
}

// Raw sends exactly these bytes and headers (webhooks).
func (s *Server) Raw(t testing.TB, method, path string, body []byte, h http.Header) *Response {
	return s.raw(t, method, path, body, h)
}

func (s *Server) raw(t testing.TB, method, path string, body []byte, h http.Header) *Response {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header = h
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	c := s.Client(t)
	c.Origin = ""
	resp, err := c.http.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data := new(bytes.Buffer)
	_, _ = data.ReadFrom(resp.Body)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data.Bytes()}
}

func digits(n int) string {
	id := uuid.New()
	out := make([]byte, n)
	for i := range out {
		out[i] = '0' + id[i%16]%10
	}
	return string(out)
}

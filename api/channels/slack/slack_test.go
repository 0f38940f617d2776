package slack_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// counts returns the tenant's message rows and agent-turn jobs.
func counts(t *testing.T, s *apitest.Server, tenantID uuid.UUID) (messages, jobs int) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, s.DB.Owner.QueryRow(ctx, "SELECT count(*) FROM messages WHERE tenant_id = $1", tenantID).Scan(&messages))
	require.NoError(t, s.DB.Owner.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = 'agent.turn' AND args->>'tenant_id' = $1", tenantID.String()).Scan(&jobs))
	return messages, jobs
}

func TestInstallStoresTheTokenEncrypted(t *testing.T) {
	t.Parallel()
	s, f := apitest.WithFakes(t, apitest.Opts{})
	acct := s.SignUp(t)

	r := acct.Client.Do("GET", "/api/portal/channels/slack/install?tenant_id="+acct.TenantID.String(), nil)
	require.Equal(t, http.StatusOK, r.Status)
	u, err := url.Parse(r.Map(t)["authorize_url"].(string))
	require.NoError(t, err)
	require.Equal(t, f.Slack.AuthorizeURL(), u.Scheme+"://"+u.Host+u.Path)
	require.Equal(t, "111.222", u.Query().Get("client_id"))
	require.Equal(t, "app_mentions:read,chat:write,im:history,im:write,files:read,metadata.message:read,users:read", u.Query().Get("scope"))
	require.Equal(t, s.URL+"/api/portal/channels/slack/callback", u.Query().Get("redirect_uri"))
	require.NotEmpty(t, u.Query().Get("state"))

	ws := s.InstallSlack(t, acct, f)
	var ciphertext []byte
	var team, display string
	require.NoError(t, s.DB.Owner.QueryRow(context.Background(),
		"SELECT secret_ciphertext, external_id, display_name FROM channel_connections WHERE id = $1", ws.ConnectionID).Scan(&ciphertext, &team, &display))
	require.Equal(t, ws.TeamID, team)
	require.NotEmpty(t, ciphertext)
	require.False(t, bytes.Contains(ciphertext, []byte(ws.Token)), "the bot token is stored in plaintext")
	// Nowhere in the database, not only not in that column.
	var leaks int
	require.NoError(t, s.DB.Owner.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM channel_connections WHERE config::text LIKE '%' || $1 || '%') +
		(SELECT count(*) FROM audit_events WHERE metadata::text LIKE '%' || $1 || '%')`, ws.Token).Scan(&leaks))
	require.Zero(t, leaks)

	r = acct.Client.Do("GET", "/api/portal/tenants/"+acct.TenantID.String()+"/channels", nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.NotContains(t, string(r.Body), ws.Token)
	var list struct {
		Items []struct {
			Type, Status string
			DisplayName  string `json:"display_name"`
			Details      map[string]string
		}
	}
	r.JSON(t, &list)
	require.Len(t, list.Items, 1)
	require.Equal(t, ws.BotUserID, list.Items[0].Details["bot_user_id"])

	r = acct.Client.Do("GET", "/api/portal/tenants/"+acct.TenantID.String()+"/audit-events?action=channel.connected", nil)
	require.Contains(t, string(r.Body), ws.TeamID)

	// Installing again updates the same connection.
	r = acct.Client.Do("GET", "/api/portal/channels/slack/install?tenant_id="+acct.TenantID.String(), nil)
	f.Slack.AddInstall("again", slackfake.Install{TeamID: ws.TeamID, TeamName: "Acme renamed", BotUserID: ws.BotUserID, InstallerID: ws.InstallerID, Token: "xoxb-rotated"})
	r = acct.Client.Do("GET", "/api/portal/channels/slack/callback?code=again&state="+stateOf(t, r.Map(t)["authorize_url"].(string)), nil, "Accept", "application/json")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, ws.ConnectionID.String(), r.Map(t)["connection_id"])
	require.Equal(t, "Acme renamed", r.Map(t)["workspace_name"])

	// Another tenant cannot take a workspace that is connected.
	other := s.SignUp(t)
	r = other.Client.Do("GET", "/api/portal/channels/slack/install?tenant_id="+other.TenantID.String(), nil)
	state := stateOf(t, r.Map(t)["authorize_url"].(string))
	f.Slack.AddInstall("taken", slackfake.Install{TeamID: ws.TeamID, TeamName: "Acme", BotUserID: "UB", InstallerID: "UI", Token: "xoxb-other"})
	r = other.Client.Do("GET", "/api/portal/channels/slack/callback?code=taken&state="+state, nil, "Accept", "application/json")
	require.Equal(t, http.StatusConflict, r.Status, "%s", r.Body)
}

func stateOf(t *testing.T, authorizeURL string) string {
	u, err := url.Parse(authorizeURL)
	require.NoError(t, err)
	return url.QueryEscape(u.Query().Get("state"))
}

func TestCallbackStateRules(t *testing.T) {
	t.Parallel()
	s, f := apitest.WithFakes(t, apitest.Opts{})
	acct := s.SignUp(t)
	start := func() string {
		r := acct.Client.Do("GET", "/api/portal/channels/slack/install?tenant_id="+acct.TenantID.String(), nil)
		require.Equal(t, http.StatusOK, r.Status)
		return stateOf(t, r.Map(t)["authorize_url"].(string))
	}
	grant := func() string {
		code := "c-" + uuid.NewString()
		f.Slack.AddInstall(code, slackfake.Install{TeamID: "T" + uuid.NewString()[:6], TeamName: "X", BotUserID: "UB", InstallerID: "UI", Token: "xoxb-" + uuid.NewString()})
		return code
	}

	t.Run("BrowserSuccessRedirectsToStep2", func(t *testing.T) {
		r := acct.Client.Do("GET", "/api/portal/channels/slack/callback?code="+grant()+"&state="+start(), nil, "Accept", "text/html")
		require.Equal(t, http.StatusFound, r.Status)
		require.Equal(t, s.URL+"/onboarding?channel=slack&connected=true&step=2", r.Header.Get("Location"))
	})
	t.Run("StateIsSingleUse", func(t *testing.T) {
		st := start()
		r := acct.Client.Do("GET", "/api/portal/channels/slack/callback?code="+grant()+"&state="+st, nil, "Accept", "application/json")
		require.Equal(t, http.StatusOK, r.Status)
		r = acct.Client.Do("GET", "/api/portal/channels/slack/callback?code="+grant()+"&state="+st, nil, "Accept", "application/json")
		require.Equal(t, http.StatusUnprocessableEntity, r.Status)
		require.Contains(t, r.Problem(t).Detail, "already used")
	})
	t.Run("TamperedState", func(t *testing.T) {
		st, _ := url.QueryUnescape(start())
		parts := strings.Split(st, ".")
		parts[0] = parts[0][:len(parts[0])-2] + "AA"
		r := acct.Client.Do("GET", "/api/portal/channels/slack/callback?code="+grant()+"&state="+url.QueryEscape(strings.Join(parts, ".")), nil, "Accept", "application/json")
		require.Equal(t, http.StatusUnprocessableEntity, r.Status)
		require.Equal(t, []string{"query.state"}, r.Problem(t).Locations())
	})
	t.Run("BrowserFailureRedirectsToStep1", func(t *testing.T) {
		r := acct.Client.Do("GET", "/api/portal/channels/slack/callback?code=bad&state=garbage", nil, "Accept", "text/html")
		require.Equal(t, http.StatusFound, r.Status)
		require.Equal(t, s.URL+"/onboarding?error=slack_auth_failed&step=1", r.Header.Get("Location"))
	})
	t.Run("UserCancelled", func(t *testing.T) {
		r := acct.Client.Do("GET", "/api/portal/channels/slack/callback?error=access_denied&state="+start(), nil, "Accept", "text/html")
		require.Equal(t, http.StatusFound, r.Status)
		require.Contains(t, r.Header.Get("Location"), "error=slack_auth_failed")
	})
	t.Run("BadCode", func(t *testing.T) {
		r := acct.Client.Do("GET", "/api/portal/channels/slack/callback?code=unknown&state="+start(), nil, "Accept", "application/json")
		require.Equal(t, http.StatusBadGateway, r.Status, "%s", r.Body)
		require.Equal(t, "invalid_code", r.Problem(t).Code)
	})
	t.Run("AnotherSessionCannotFinish", func(t *testing.T) {
		st := start()
		mallory := s.SignUp(t)
		r := mallory.Client.Do("GET", "/api/portal/channels/slack/callback?code="+grant()+"&state="+st, nil, "Accept", "application/json")
		require.Equal(t, http.StatusUnprocessableEntity, r.Status)
		require.Contains(t, r.Problem(t).Detail, "someone else")
	})
	t.Run("MembersCannotInstall", func(t *testing.T) {
		member := s.WithToken(t, acct.Token(t, "member"))
		r := member.Do("GET", "/api/portal/channels/slack/install?tenant_id="+acct.TenantID.String(), nil)
		require.Equal(t, http.StatusForbidden, r.Status)
	})
}

func TestEventsWebhook(t *testing.T) {
	t.Parallel()
	s, f := apitest.WithFakes(t, apitest.Opts{})
	acct := s.SignUp(t)
	ws := s.InstallSlack(t, acct, f)
	ts := func() string { return fmt.Sprintf("%d.%06d", time.Now().Unix(), time.Now().Nanosecond()/1000) }

	t.Run("URLVerification", func(t *testing.T) {
		r := s.SlackEvent(t, f, []byte(`{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`))
		require.Equal(t, http.StatusOK, r.Status)
		require.Equal(t, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", string(r.Body))
	})

	t.Run("MentionBecomesOneMessageAndOneJob", func(t *testing.T) {
		before, beforeJobs := counts(t, s, acct.TenantID)
		body := slackfake.Envelope(ws.TeamID, "Ev"+uuid.NewString()[:8], slackfake.Mention("UALICE", "C1", ts(), "<@"+ws.BotUserID+"> where is my order?"))
		r := s.SlackEvent(t, f, body)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		// Slack retries the same delivery; it is acknowledged and dropped.
		r = s.SlackEvent(t, f, body, "X-Slack-Retry-Num", "1", "X-Slack-Retry-Reason", "http_timeout")
		require.Equal(t, http.StatusOK, r.Status)
		after, afterJobs := counts(t, s, acct.TenantID)
		require.Equal(t, before+1, after)
		require.Equal(t, beforeJobs+1, afterJobs)

		var text, thread string
		require.NoError(t, s.DB.Owner.QueryRow(context.Background(), `SELECT m.body, c.thread_ref FROM messages m JOIN conversations c ON c.id = m.conversation_id
			WHERE m.tenant_id = $1 ORDER BY m.created_at DESC LIMIT 1`, acct.TenantID).Scan(&text, &thread))
		require.Equal(t, "where is my order?", text, "the bot mention is stripped")
		require.NotEmpty(t, thread)
	})

	t.Run("MentionAndDirectMessageOfOneMessageCountOnce", func(t *testing.T) {
		before, beforeJobs := counts(t, s, acct.TenantID)
		at := ts()
		mention := slackfake.Mention("UBOB", "D42", at, "<@"+ws.BotUserID+"> hi")
		dm := slackfake.DirectMessage("UBOB", "D42", at, "<@"+ws.BotUserID+"> hi")
		require.Equal(t, http.StatusOK, s.SlackEvent(t, f, slackfake.Envelope(ws.TeamID, "EvA"+at, mention)).Status)
		require.Equal(t, http.StatusOK, s.SlackEvent(t, f, slackfake.Envelope(ws.TeamID, "EvB"+at, dm)).Status)
		after, afterJobs := counts(t, s, acct.TenantID)
		require.Equal(t, before+1, after)
		require.Equal(t, beforeJobs+1, afterJobs)
	})

	t.Run("IgnoredAndRefused", func(t *testing.T) {
		botMsg := slackfake.DirectMessage("UBOB", "D1", ts(), "I am a bot")
		botMsg["bot_id"] = "B999"
		ownReply := slackfake.DirectMessage(ws.BotUserID, "D1", ts(), "our own reply")
		edited := slackfake.Mention("UBOB", "C1", ts(), "<@"+ws.BotUserID+"> edited")
		edited["edited"] = map[string]any{"user": "UBOB", "ts": ts()}
		join := slackfake.DirectMessage("UBOB", "D1", ts(), "joined")
		join["subtype"] = "channel_join"
		channelMsg := slackfake.DirectMessage("UBOB", "C1", ts(), "a channel message")
		channelMsg["channel_type"] = "channel"
		signedGarbage := []byte(`{"type": "event_callback", "event": `)
		unknownTeam := slackfake.Envelope("TNOBODY", "EvX", slackfake.Mention("UBOB", "C1", ts(), "hello"))

		stale := slackfake.Envelope(ws.TeamID, "EvStale", slackfake.Mention("UBOB", "C1", ts(), "old"))
		staleHeader := http.Header{}
		slackfake.Sign(staleHeader, f.SlackSigningSecret, stale, time.Now().Add(-6*time.Minute))
		forged := slackfake.Envelope(ws.TeamID, "EvForged", slackfake.Mention("UBOB", "C1", ts(), "forged"))
		forgedHeader := http.Header{}
		slackfake.Sign(forgedHeader, "not-the-secret", forged, time.Now())
		huge := slackfake.Envelope(ws.TeamID, "EvHuge", slackfake.Mention("UBOB", "C1", ts(), strings.Repeat("x", 2<<20)))

		before, beforeJobs := counts(t, s, acct.TenantID)
		for name, body := range map[string][]byte{
			"BotMessage": slackfake.Envelope(ws.TeamID, "Ev1", botMsg), "OwnReply": slackfake.Envelope(ws.TeamID, "Ev2", ownReply),
			"Edited": slackfake.Envelope(ws.TeamID, "Ev3", edited), "Join": slackfake.Envelope(ws.TeamID, "Ev4", join),
			"ChannelMessage": slackfake.Envelope(ws.TeamID, "Ev5", channelMsg), "UnknownTeam": unknownTeam,
			"UnknownEvent": slackfake.Envelope(ws.TeamID, "Ev6", slackfake.Event{"type": "reaction_added", "user": "UBOB"}),
		} {
			r := s.SlackEvent(t, f, body)
			require.Equal(t, http.StatusOK, r.Status, "%s: %s", name, r.Body)
		}
		require.Equal(t, http.StatusBadRequest, s.SlackEvent(t, f, signedGarbage).Problem(t).Status)
		require.Equal(t, http.StatusUnauthorized, s.Raw(t, "POST", "/api/webhooks/slack/events", stale, staleHeader).Status)
		require.Equal(t, http.StatusUnauthorized, s.Raw(t, "POST", "/api/webhooks/slack/events", forged, forgedHeader).Status)
		require.Equal(t, http.StatusUnauthorized, s.Raw(t, "POST", "/api/webhooks/slack/events", forged, http.Header{}).Status)
		require.Equal(t, http.StatusRequestEntityTooLarge, s.SlackEvent(t, f, huge).Status)
		after, afterJobs := counts(t, s, acct.TenantID)
		require.Equal(t, before, after, "an ignored or refused event wrote a message")
		require.Equal(t, beforeJobs, afterJobs)
	})
}

func TestUninstallRevokesTheConnection(t *testing.T) {
	t.Parallel()
	s, f := apitest.WithFakes(t, apitest.Opts{})
	acct := s.SignUp(t)
	ws := s.InstallSlack(t, acct, f)
	r := s.SlackEvent(t, f, slackfake.Envelope(ws.TeamID, "EvU", slackfake.Event{"type": "app_uninstalled"}))
	require.Equal(t, http.StatusOK, r.Status)
	r = acct.Client.Do("GET", "/api/portal/tenants/"+acct.TenantID.String()+"/channels/"+ws.ConnectionID.String(), nil)
	require.Equal(t, "revoked", r.Map(t)["status"])

	// Messages to a revoked connection are not answered…
	before, _ := counts(t, s, acct.TenantID)
	s.SlackEvent(t, f, slackfake.Envelope(ws.TeamID, "EvAfter", slackfake.Mention("UBOB", "C1", "1700000000.000001", "hello?")))
	after, _ := counts(t, s, acct.TenantID)
	require.Equal(t, before, after)

	// …and another tenant may now install the workspace.
	other := s.SignUp(t)
	taken := other.Client.Do("GET", "/api/portal/channels/slack/install?tenant_id="+other.TenantID.String(), nil)
	f.Slack.AddInstall("takeover", slackfake.Install{TeamID: ws.TeamID, TeamName: "Acme", BotUserID: "UB2", InstallerID: "UI2", Token: "xoxb-new"})
	r = other.Client.Do("GET", "/api/portal/channels/slack/callback?code=takeover&state="+stateOf(t, taken.Map(t)["authorize_url"].(string)), nil, "Accept", "application/json")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// The message row and its job commit together or not at all, through the
// real webhook path: the job insert is made to fail for this tenant, the
// webhook answers 500 and stores nothing; Slack's retry then stores both once.
func TestIngestIsAtomic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, f := apitest.WithFakes(t, apitest.Opts{})
	acct := s.SignUp(t)
	ws := s.InstallSlack(t, acct, f)
	fn, trigger := "fail_jobs_"+strings.ReplaceAll(acct.TenantID.String(), "-", ""), "t_"+strings.ReplaceAll(acct.TenantID.String(), "-", "")
	_, err := s.DB.Owner.Exec(ctx, fmt.Sprintf(`CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.args->>'tenant_id' = '%s' THEN RAISE EXCEPTION 'simulated crash before commit'; END IF; RETURN NEW; END $$;
		CREATE TRIGGER %s BEFORE INSERT ON river_job FOR EACH ROW EXECUTE FUNCTION %s();`, fn, acct.TenantID, trigger, fn))
	require.NoError(t, err)

	body := slackfake.Envelope(ws.TeamID, "EvAtomic", slackfake.Mention("UALICE", "C9", "1700000123.000100", "<@"+ws.BotUserID+"> hello"))
	r := s.SlackEvent(t, f, body)
	require.Equal(t, http.StatusInternalServerError, r.Status)
	messages, jobs := counts(t, s, acct.TenantID)
	require.Zero(t, messages, "the message was stored without its job")
	require.Zero(t, jobs)

	_, err = s.DB.Owner.Exec(ctx, fmt.Sprintf("DROP TRIGGER %s ON river_job; DROP FUNCTION %s();", trigger, fn))
	require.NoError(t, err)
	r = s.SlackEvent(t, f, body, "X-Slack-Retry-Num", "1", "X-Slack-Retry-Reason", "http_error")
	require.Equal(t, http.StatusOK, r.Status)
	messages, jobs = counts(t, s, acct.TenantID)
	require.Equal(t, 1, messages)
	require.Equal(t, 1, jobs)
}

func TestTestMessageAndCheck(t *testing.T) {
	t.Parallel()
	s, f := apitest.WithFakes(t, apitest.Opts{})
	acct := s.SignUp(t)
	ws := s.InstallSlack(t, acct, f)
	test := "/api/portal/channels/" + acct.TenantID.String() + "/test"

	r := acct.Client.Do("POST", test, map[string]any{"channel_type": "slack"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, true, r.Map(t)["success"])
	open := f.Slack.Calls("conversations.open")
	require.Len(t, open, 1)
	require.Equal(t, ws.InstallerID, open[0].Form.Get("users"))
	require.Equal(t, ws.Token, open[0].Token, "the stored token is the one Slack issued")
	posts := f.Slack.Calls("chat.postMessage")
	require.Len(t, posts, 1)
	require.Equal(t, "D"+strings.ToUpper(ws.InstallerID), posts[0].Form.Get("channel"))

	conn := "/api/portal/tenants/" + acct.TenantID.String() + "/channels/" + ws.ConnectionID.String()
	lastTest := acct.Client.Do("GET", conn, nil).Map(t)["last_test"].(map[string]any)
	require.Equal(t, true, lastTest["ok"])

	f.Slack.Fail("chat.postMessage", slackfake.Failure{Error: "channel_not_found", Times: 1})
	r = acct.Client.Do("POST", test, map[string]any{"channel_type": "slack"})
	require.Equal(t, http.StatusBadGateway, r.Status)
	p := r.Problem(t)
	require.Equal(t, "channel_not_found", p.Code)
	require.Contains(t, p.Detail, "Slack refused")

	f.Slack.Fail("chat.postMessage", slackfake.Failure{RetryAfter: 7, Times: 1})
	r = acct.Client.Do("POST", test, map[string]any{"channel_type": "slack"})
	require.Equal(t, http.StatusTooManyRequests, r.Status)
	require.Equal(t, "7", r.Header.Get("Retry-After"))

	r = acct.Client.Do("POST", conn+"/check", nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	statuses := checkStatuses(t, r)
	require.Equal(t, map[string]string{"token_valid": "pass", "scopes": "pass", "events_received": "warn"}, statuses)

	f.Slack.Revoke(ws.Token)
	r = acct.Client.Do("POST", conn+"/check", nil)
	require.Equal(t, "fail", checkStatuses(t, r)["token_valid"])
	// The list shows the last check.
	r = acct.Client.Do("GET", conn, nil)
	require.Contains(t, string(r.Body), `"token_valid"`)
}

func checkStatuses(t *testing.T, r *apitest.Response) map[string]string {
	var out struct {
		Results []struct{ Name, Status string }
	}
	r.JSON(t, &out)
	m := map[string]string{}
	for _, c := range out.Results {
		m[c.Name] = c.Status
	}
	return m
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

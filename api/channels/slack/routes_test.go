package slack_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/channels"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
	"github.com/konstruct/konstruct/api/store"
)

// TestRememberedRouteFollowsTheConnection: after its first event a
// workspace's route is remembered, so the next events are not routed in a
// round trip of their own; yet the very next event after a change to the
// connection is handled as a freshly routed one would be: a new conversation
// gets the agent just chosen, and once the workspace is disconnected and
// connected by another tenant, its messages are that tenant's, none the old
// one's.
func TestRememberedRouteFollowsTheConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	counter := &store.StepCounter{}
	s, f := apitest.WithFakes(t, apitest.Opts{DBTracer: counter})
	acct := s.SignUp(t)
	acct.CreateAgent(t, "Ada")
	bea := acct.CreateAgent(t, "Bea")
	ws := s.InstallSlack(t, acct, f)

	n := 0
	// mention posts a mention in a new channel (a new conversation) and
	// returns the channel and the ingest's round trips.
	mention := func(t *testing.T) (string, int64) {
		t.Helper()
		n++
		channel := fmt.Sprintf("CR%d", n)
		before := counter.Steps()[channels.StepIngest]
		r := s.SlackEvent(t, f, slackfake.Envelope(ws.TeamID, fmt.Sprintf("EvRoute%d", n),
			slackfake.Mention("UALICE", channel, fmt.Sprintf("1700000500.%06d", n), "<@"+ws.BotUserID+"> hello")))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		return channel, counter.Steps()[channels.StepIngest] - before
	}
	agentOf := func(t *testing.T, tenant uuid.UUID, channel string) *string {
		t.Helper()
		var agent *string
		require.NoError(t, s.DB.Owner.QueryRow(ctx, "SELECT agent_id::text FROM conversations WHERE tenant_id = $1 AND channel_ref = $2",
			tenant, channel).Scan(&agent))
		return agent
	}
	messagesOf := func(t *testing.T, tenant uuid.UUID) int {
		m, _ := counts(t, s, tenant)
		return m
	}

	// The first event also records the connection's last-event time, a new
	// version of its row: the second is routed afresh, and remembered.
	mention(t)
	mention(t)
	_, trips := mention(t)
	require.Equal(t, int64(1), trips, "a remembered route: the message, its job and the commit in one round trip — no routing round trip")

	acct.ChooseAgent(t, ws.ConnectionID, bea)
	channel, _ := mention(t)
	require.NotNil(t, agentOf(t, acct.TenantID, channel))
	require.Equal(t, bea, *agentOf(t, acct.TenantID, channel), "the agent chosen a moment ago answers the next conversation")
	_, trips = mention(t)
	require.Equal(t, int64(1), trips, "the fresh route is remembered in turn")

	// Disconnected, and connected by another tenant, with the first
	// tenant's route still remembered.
	acct.Disconnect(t, ws.ConnectionID)
	other := s.SignUp(t)
	install := other.Client.Do("GET", "/api/portal/channels/slack/install?tenant_id="+other.TenantID.String(), nil)
	f.Slack.AddInstall("route-takeover", slackfake.Install{TeamID: ws.TeamID, TeamName: "Acme", BotUserID: ws.BotUserID, InstallerID: "UI2", Token: "xoxb-other"})
	r := other.Client.Do("GET", "/api/portal/channels/slack/callback?code=route-takeover&state="+stateOf(t, install.Map(t)["authorize_url"].(string)), nil,
		"Accept", "application/json")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	before := messagesOf(t, acct.TenantID)
	channel, _ = mention(t)
	require.Equal(t, before, messagesOf(t, acct.TenantID), "nothing more for the tenant that disconnected")
	require.Equal(t, 1, messagesOf(t, other.TenantID), "the message is the new tenant's")
	require.Nil(t, agentOf(t, other.TenantID, channel), "with the new connection's agent (none chosen)")
}

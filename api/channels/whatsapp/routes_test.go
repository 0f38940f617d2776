package whatsapp_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/channels"
	"github.com/konstruct/konstruct/api/fakes/graphfake"
	"github.com/konstruct/konstruct/api/store"
)

// TestRememberedRouteFollowsTheConnection: after its first deliveries a
// number's route is remembered, so the next are not routed in a round trip
// of their own; yet the very next delivery after a change to the connection
// is handled as a freshly routed one would be: a new person's conversation
// gets the agent just chosen, a disconnected number's messages are not
// stored, and once another tenant connects the number they are that
// tenant's.
func TestRememberedRouteFollowsTheConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	counter := &store.StepCounter{}
	s, f := apitest.WithFakes(t, apitest.Opts{DBTracer: counter})
	acct := s.SignUp(t)
	acct.CreateAgent(t, "Ada")
	bea := acct.CreateAgent(t, "Bea")
	num := s.ConnectWhatsApp(t, acct, f)

	n := 0
	// message delivers a message from a new person (a new conversation)
	// and returns the person's number and the ingest's round trips.
	message := func(t *testing.T) (string, int64) {
		t.Helper()
		n++
		from := fmt.Sprintf("1650555%04d", n)
		before := counter.Steps()[channels.StepIngest]
		r := s.WhatsAppEvent(t, f, graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Text(from, "wamid.route"+uuid.NewString(), "hello")}, nil))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		return from, counter.Steps()[channels.StepIngest] - before
	}
	agentOf := func(t *testing.T, tenant uuid.UUID, from string) *string {
		t.Helper()
		var agent *string
		require.NoError(t, s.DB.Owner.QueryRow(ctx, "SELECT agent_id::text FROM conversations WHERE tenant_id = $1 AND participant_phone = $2",
			tenant, from).Scan(&agent))
		return agent
	}
	messagesOf := func(t *testing.T, tenant uuid.UUID) int {
		m, _ := counts(t, s, tenant)
		return m
	}

	// The first delivery also records the connection's last-event time, a
	// new version of its row: the second is routed afresh, and remembered.
	message(t)
	_, fresh := message(t)
	_, remembered := message(t)
	require.Equal(t, fresh-1, remembered, "a remembered route saves the routing round trip (fresh: %d)", fresh)

	acct.ChooseAgent(t, num.ConnectionID, bea)
	from, _ := message(t)
	require.NotNil(t, agentOf(t, acct.TenantID, from))
	require.Equal(t, bea, *agentOf(t, acct.TenantID, from), "the agent chosen a moment ago answers the next conversation")

	// Disconnected, and connected by another tenant, with the first
	// tenant's route still remembered.
	acct.Disconnect(t, num.ConnectionID)
	other := s.SignUp(t)
	r := other.Client.Do("POST", "/api/portal/channels/whatsapp/connect", map[string]any{"tenant_id": other.TenantID,
		"phone_number_id": num.PhoneNumberID, "waba_id": num.WABAID, "system_user_token": num.Token})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	var conn struct {
		ID uuid.UUID `json:"id"`
	}
	r.JSON(t, &conn)
	before := messagesOf(t, acct.TenantID)
	message(t)
	message(t)
	require.Equal(t, before, messagesOf(t, acct.TenantID), "nothing more for the tenant that disconnected")
	require.Equal(t, 2, messagesOf(t, other.TenantID), "the messages are the new tenant's")

	// Disconnected with its route remembered: nothing is stored.
	other.Disconnect(t, conn.ID)
	message(t)
	require.Equal(t, 2, messagesOf(t, other.TenantID), "a disconnected number's message is not stored")
	require.Equal(t, before, messagesOf(t, acct.TenantID))
}

package conversations_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/fakes/graphfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

type listed struct {
	Items []struct {
		ID          string
		ChannelType string `json:"channel_type"`
		Participant struct{ ID, Name string }
		LastMessage *struct {
			Role, Preview string
			State         string `json:"delivery_state"`
		} `json:"last_message"`
	}
}

func list(t *testing.T, a *apitest.Account) listed {
	t.Helper()
	r := a.Client.Do("GET", "/api/portal/tenants/"+a.TenantID.String()+"/conversations", nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var l listed
	r.JSON(t, &l)
	return l
}

// The list names people (WhatsApp's profile name as it arrived, Slack's from
// users.info, looked up once and kept) and shows the newest message.
func TestListNamesPeopleAndPreviewsTheLastMessage(t *testing.T) {
	t.Parallel()
	s, f := apitest.WithFakes(t, apitest.Opts{})
	acct := s.SignUp(t)
	ws := s.InstallSlack(t, acct, f)
	num := s.ConnectWhatsApp(t, acct, f)
	f.Slack.AddUser(slackfake.User{ID: "UCUSTOMER1", RealName: "Ada Lovelace", DisplayName: "ada"})
	ts := func() string { return fmt.Sprintf("%d.%06d", time.Now().Unix(), time.Now().Nanosecond()/1000) }

	long := strings.Repeat("word ", 60)
	for _, ev := range []slackfake.Event{
		slackfake.DirectMessage("UCUSTOMER1", "D1", ts(), "Hello from Slack"),
		slackfake.DirectMessage("UGONE", "D2", ts(), long),
	} {
		require.Equal(t, http.StatusOK, s.SlackEvent(t, f, slackfake.Envelope(ws.TeamID, "Ev"+uuid.NewString()[:8], ev)).Status)
	}
	body := graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Image("15550001111", "wamid."+uuid.NewString(), "media-1", "")}, nil)
	require.Equal(t, http.StatusOK, s.WhatsAppEvent(t, f, body).Status)

	byID := func(l listed) map[string]int {
		out := map[string]int{}
		for i, c := range l.Items {
			out[c.Participant.ID] = i
		}
		return out
	}
	l := list(t, acct)
	require.Len(t, l.Items, 3)
	at := byID(l)
	ada := l.Items[at["UCUSTOMER1"]]
	require.Equal(t, "ada", ada.Participant.Name, "the Slack display name, not UCUSTOMER1")
	require.Equal(t, "user", ada.LastMessage.Role)
	require.Equal(t, "Hello from Slack", ada.LastMessage.Preview)
	gone := l.Items[at["UGONE"]]
	require.Empty(t, gone.Participant.Name, "users.info does not know them")
	require.Len(t, []rune(gone.LastMessage.Preview), 140)
	require.True(t, strings.HasSuffix(gone.LastMessage.Preview, "…"))
	wa := l.Items[at["15550001111"]]
	require.Equal(t, "Chat User", wa.Participant.Name, "WhatsApp's profile name from the webhook")
	require.Equal(t, "(image)", wa.LastMessage.Preview)

	// Both lookups happened once: the name is kept, the miss remembered.
	calls := len(f.Slack.Calls("users.info"))
	require.Equal(t, 2, calls)
	l = list(t, acct)
	require.Equal(t, "ada", l.Items[byID(l)["UCUSTOMER1"]].Participant.Name)
	require.Len(t, f.Slack.Calls("users.info"), calls, "no second lookup")

	r := acct.Client.Do("GET", "/api/portal/tenants/"+acct.TenantID.String()+"/conversations/"+ada.ID, nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Contains(t, string(r.Body), `"preview":"Hello from Slack"`)
	require.Contains(t, string(r.Body), `"name":"ada"`)
}

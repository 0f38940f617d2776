package whatsapp_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/fakes/graphfake"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func counts(t *testing.T, s *apitest.Server, tenantID uuid.UUID) (messages, jobs int) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, s.DB.Owner.QueryRow(ctx, "SELECT count(*) FROM messages WHERE tenant_id = $1 AND role = 'user'", tenantID).Scan(&messages))
	require.NoError(t, s.DB.Owner.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = 'agent.turn' AND args->>'tenant_id' = $1", tenantID.String()).Scan(&jobs))
	return messages, jobs
}

func TestConnectValidatesBeforeStoring(t *testing.T) {
	t.Parallel()
	s, f := apitest.WithFakes(t, apitest.Opts{})
	acct := s.SignUp(t)
	n := graphfake.Number{PhoneNumberID: "1065403522429", WABAID: "1022901293403", Display: "+1 555-0100", VerifiedName: "Acme", Token: "EAAG" + uuid.NewString()}
	f.Graph.AddNumber(n)
	other := graphfake.Number{PhoneNumberID: "2065403522429", WABAID: "2022901293403", Display: "+1 555-0200", VerifiedName: "Other", Token: n.Token}
	f.Graph.AddNumber(other)
	connect := func(body map[string]any) *apitest.Response {
		body["tenant_id"] = acct.TenantID
		return acct.Client.Do("POST", "/api/portal/channels/whatsapp/connect", body)
	}

	for name, tc := range map[string]struct {
		body     map[string]any
		location string
	}{
		"BadToken":         {map[string]any{"phone_number_id": n.PhoneNumberID, "waba_id": n.WABAID, "system_user_token": "EAAG-not-a-valid-token-at-all"}, "body.system_user_token"},
		"UnknownNumber":    {map[string]any{"phone_number_id": "999999999", "waba_id": n.WABAID, "system_user_token": n.Token}, "body.phone_number_id"},
		"UnknownAccount":   {map[string]any{"phone_number_id": n.PhoneNumberID, "waba_id": "888888888", "system_user_token": n.Token}, "body.waba_id"},
		"NumberNotInThere": {map[string]any{"phone_number_id": other.PhoneNumberID, "waba_id": n.WABAID, "system_user_token": n.Token}, "body.phone_number_id"},
		"NotDigits":        {map[string]any{"phone_number_id": "abc", "waba_id": n.WABAID, "system_user_token": n.Token}, "body.phone_number_id"},
	} {
		r := connect(tc.body)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s: %s", name, r.Body)
		require.Equal(t, []string{tc.location}, r.Problem(t).Locations(), name)
	}
	var stored int
	require.NoError(t, s.DB.Owner.QueryRow(context.Background(), "SELECT count(*) FROM channel_connections WHERE tenant_id = $1", acct.TenantID).Scan(&stored))
	require.Zero(t, stored, "a failed connect stored something")
	require.False(t, f.Graph.Subscribed(n.WABAID))

	r := connect(map[string]any{"phone_number_id": n.PhoneNumberID, "waba_id": n.WABAID, "system_user_token": n.Token})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	conn := r.Map(t)
	require.Equal(t, "+1 555-0100", conn["display_name"])
	require.Equal(t, "Acme", conn["details"].(map[string]any)["verified_name"])
	require.True(t, f.Graph.Subscribed(n.WABAID), "connect subscribes the app to the account's webhooks")

	var ct []byte
	require.NoError(t, s.DB.Owner.QueryRow(context.Background(), "SELECT secret_ciphertext FROM channel_connections WHERE id = $1", conn["id"]).Scan(&ct))
	require.False(t, bytes.Contains(ct, []byte(n.Token)))
	require.NotContains(t, string(acct.Client.Do("GET", "/api/portal/tenants/"+acct.TenantID.String()+"/channels", nil).Body), n.Token)
}

func TestVerifyHandshake(t *testing.T) {
	t.Parallel()
	s, f := apitest.WithFakes(t, apitest.Opts{})
	r := s.Client(t).Do("GET", "/api/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token="+f.WhatsAppVerify, nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, "1158201444", string(r.Body))
	r = s.Client(t).Do("GET", "/api/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong", nil)
	require.Equal(t, http.StatusForbidden, r.Status)
}

func TestWebhook(t *testing.T) {
	t.Parallel()
	s, f := apitest.WithFakes(t, apitest.Opts{})
	acct := s.SignUp(t)
	num := s.ConnectWhatsApp(t, acct, f)

	t.Run("MessagesOnceEach", func(t *testing.T) {
		before, beforeJobs := counts(t, s, acct.TenantID)
		now := unix(time.Now()) // older entries are outside the replay window
		body := graphfake.Delivery(num.Number, []graphfake.Message{
			graphfake.Text("16505551234", "wamid.A"+uuid.NewString(), "hi there"),
			graphfake.Image("16505551234", "wamid.B"+uuid.NewString(), "media-1", "what is this?"),
			{"from": "16505551234", "id": "wamid.C" + uuid.NewString(), "timestamp": now, "type": "interactive",
				"interactive": map[string]any{"type": "button_reply", "button_reply": map[string]string{"id": "yes", "title": "Yes please"}}},
			{"from": "16505551234", "id": "wamid.D" + uuid.NewString(), "timestamp": now, "type": "location",
				"location": map[string]any{"latitude": 52.52, "longitude": 13.405, "name": "Office"}},
			{"from": "16505551234", "id": "wamid.E" + uuid.NewString(), "timestamp": now, "type": "reaction",
				"reaction": map[string]any{"message_id": "wamid.x", "emoji": "👍"}},
		}, nil)
		r := s.WhatsAppEvent(t, f, body)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		require.Equal(t, http.StatusOK, s.WhatsAppEvent(t, f, body).Status, "a redelivery is acknowledged")
		after, afterJobs := counts(t, s, acct.TenantID)
		require.Equal(t, before+4, after, "text, image, button and location are stored once; the reaction is not")
		require.Equal(t, beforeJobs+4, afterJobs)

		rows, err := s.DB.Owner.Query(context.Background(), "SELECT kind, body FROM messages WHERE tenant_id = $1 AND role = 'user' ORDER BY seq", acct.TenantID)
		require.NoError(t, err)
		var kinds, bodies []string
		for rows.Next() {
			var k, b string
			require.NoError(t, rows.Scan(&k, &b))
			kinds, bodies = append(kinds, k), append(bodies, b)
		}
		require.Equal(t, []string{"text", "image", "interactive", "location"}, kinds)
		require.Equal(t, "what is this?", bodies[1])
		require.Equal(t, "Yes please", bodies[2])
		require.Contains(t, bodies[3], "Office")
	})

	t.Run("StatusesNeverStartATurn", func(t *testing.T) {
		_, beforeJobs := counts(t, s, acct.TenantID)
		body := graphfake.Delivery(num.Number, nil, []map[string]any{{"id": "wamid.ours", "status": "delivered", "timestamp": unix(time.Now()), "recipient_id": "16505551234"}})
		require.Equal(t, http.StatusOK, s.WhatsAppEvent(t, f, body).Status)
		_, afterJobs := counts(t, s, acct.TenantID)
		require.Equal(t, beforeJobs, afterJobs)
	})

	t.Run("RefusedAndIgnored", func(t *testing.T) {
		before, beforeJobs := counts(t, s, acct.TenantID)
		good := graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Text("16505550000", "wamid.F"+uuid.NewString(), "hello")}, nil)
		h := http.Header{}
		h.Set("X-Hub-Signature-256", graphfake.Sign(good, "wrong-secret"))
		require.Equal(t, http.StatusUnauthorized, s.Raw(t, "POST", "/api/webhooks/whatsapp", good, h).Status)
		require.Equal(t, http.StatusUnauthorized, s.Raw(t, "POST", "/api/webhooks/whatsapp", good, http.Header{}).Status)

		unknown := graphfake.Delivery(graphfake.Number{PhoneNumberID: "5550001", WABAID: "1"}, []graphfake.Message{graphfake.Text("1", "wamid.G", "hello")}, nil)
		require.Equal(t, http.StatusOK, s.WhatsAppEvent(t, f, unknown).Status, "numbers nobody connected are acknowledged")
		require.Equal(t, http.StatusBadRequest, s.WhatsAppEvent(t, f, []byte(`{"object": "whatsapp_business_account", "entry": [`)).Status)
		huge := graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Text("16505550000", "wamid.H", strings.Repeat("x", 4<<20))}, nil)
		require.Equal(t, http.StatusRequestEntityTooLarge, s.WhatsAppEvent(t, f, huge).Status)
		after, afterJobs := counts(t, s, acct.TenantID)
		require.Equal(t, before, after)
		require.Equal(t, beforeJobs, afterJobs)
	})
}

func TestTestMessageAndCheck(t *testing.T) {
	t.Parallel()
	s, f := apitest.WithFakes(t, apitest.Opts{})
	acct := s.SignUp(t)
	num := s.ConnectWhatsApp(t, acct, f)
	test := "/api/portal/channels/" + acct.TenantID.String() + "/test"

	r := acct.Client.Do("POST", test, map[string]any{"channel_type": "whatsapp"})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	require.Equal(t, []string{"body.to"}, r.Problem(t).Locations())

	r = acct.Client.Do("POST", test, map[string]any{"channel_type": "whatsapp", "to": "+16505551234"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	sent := f.Graph.Sent(false)
	require.Len(t, sent, 1)
	require.Equal(t, num.PhoneNumberID, sent[0].PhoneNumberID)
	require.Equal(t, num.Token, sent[0].Token)
	require.Equal(t, "16505551234", sent[0].Body["to"])
	require.Equal(t, "template", sent[0].Body["type"])
	require.Equal(t, "hello_world", sent[0].Body["template"].(map[string]any)["name"])

	f.Graph.FailSends(graphfake.Failure{Status: 400, Code: 131026, Message: "Message undeliverable", Times: 1})
	r = acct.Client.Do("POST", test, map[string]any{"channel_type": "whatsapp", "to": "16505551234"})
	require.Equal(t, http.StatusBadGateway, r.Status)
	require.Equal(t, "131026", r.Problem(t).Code)

	conn := "/api/portal/tenants/" + acct.TenantID.String() + "/channels/" + num.ConnectionID.String()
	r = acct.Client.Do("POST", conn+"/check", nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var check struct {
		Results []struct{ Name, Status, Hint string }
	}
	r.JSON(t, &check)
	got := map[string]string{}
	for _, c := range check.Results {
		got[c.Name] = c.Status
	}
	require.Equal(t, map[string]string{"token_valid": "pass", "number_in_account": "pass", "webhooks_subscribed": "pass", "webhooks_received": "warn"}, got)

	f.Graph.Unsubscribe(num.WABAID)
	r = acct.Client.Do("POST", conn+"/check", nil)
	r.JSON(t, &check)
	for _, c := range check.Results {
		if c.Name == "webhooks_subscribed" {
			require.Equal(t, "fail", c.Status)
			require.NotEmpty(t, c.Hint)
		}
	}
}

func TestDisconnectFreesTheNumber(t *testing.T) {
	t.Parallel()
	s, f := apitest.WithFakes(t, apitest.Opts{})
	a, b := s.SignUp(t), s.SignUp(t)
	num := s.ConnectWhatsApp(t, a, f)
	taken := b.Client.Do("POST", "/api/portal/channels/whatsapp/connect", map[string]any{"tenant_id": b.TenantID,
		"phone_number_id": num.PhoneNumberID, "waba_id": num.WABAID, "system_user_token": num.Token})
	require.Equal(t, http.StatusConflict, taken.Status)

	conn := "/api/portal/tenants/" + a.TenantID.String() + "/channels/" + num.ConnectionID.String()
	require.Equal(t, http.StatusNoContent, a.Client.Do("DELETE", conn, nil).Status)
	got := a.Client.Do("GET", conn, nil).Map(t)
	require.Equal(t, "disconnected", got["status"])
	require.Equal(t, num.PhoneNumberID, got["external_id"])
	var ct []byte
	require.NoError(t, s.DB.Owner.QueryRow(context.Background(), "SELECT secret_ciphertext FROM channel_connections WHERE id = $1", num.ConnectionID).Scan(&ct))
	require.Empty(t, ct, "the credential is erased")

	r := b.Client.Do("POST", "/api/portal/channels/whatsapp/connect", map[string]any{"tenant_id": b.TenantID,
		"phone_number_id": num.PhoneNumberID, "waba_id": num.WABAID, "system_user_token": num.Token})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	// Assigning an agent: only this tenant's agents.
	agent := b.Client.Do("POST", "/api/portal/tenants/"+b.TenantID.String()+"/agents", map[string]any{"name": "B", "model": "openai/gpt-4o-mini"}).Map(t)
	foreign := a.Client.Do("POST", "/api/portal/tenants/"+a.TenantID.String()+"/agents", map[string]any{"name": "A", "model": "openai/gpt-4o-mini"}).Map(t)
	bconn := "/api/portal/tenants/" + b.TenantID.String() + "/channels/" + r.Map(t)["id"].(string)
	require.Equal(t, http.StatusUnprocessableEntity, b.Client.Do("PATCH", bconn, map[string]any{"agent_id": foreign["id"]}).Status)
	r = b.Client.Do("PATCH", bconn, map[string]any{"agent_id": agent["id"]})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, agent["id"], r.Map(t)["agent_id"])
	r = b.Client.Do("PATCH", bconn, map[string]any{"agent_id": nil})
	require.Nil(t, r.Map(t)["agent_id"])
}

// A message PostgreSQL cannot store as delivered (a NUL character, a
// timestamp out of range) must not fail its whole batch: Meta would redeliver
// the batch for days and every message in it would be lost.
func TestUnstorableTextDoesNotPoisonTheBatch(t *testing.T) {
	t.Parallel()
	s, f := apitest.WithFakes(t, apitest.Opts{})
	acct := s.SignUp(t)
	num := s.ConnectWhatsApp(t, acct, f)

	before, beforeJobs := counts(t, s, acct.TenantID)
	nul := graphfake.Text("16505551234", "wamid.N"+uuid.NewString(), "a\x00b")
	nul["image"] = map[string]string{"caption": "x\x00"}
	future := graphfake.Text("16505551234", "wamid.T"+uuid.NewString(), "from the far future")
	future["timestamp"] = "99999999999999"
	body := graphfake.Delivery(num.Number, []graphfake.Message{nul, future,
		graphfake.Text("16505551234", "wamid.O"+uuid.NewString(), "ordinary")},
		[]map[string]any{{"id": "wamid.ours\x00", "status": "failed\x00", "timestamp": "99999999999999",
			"errors": []map[string]any{{"code": 131047, "title": "Re-engagement\x00"}}}})
	r := s.WhatsAppEvent(t, f, body)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	after, afterJobs := counts(t, s, acct.TenantID)
	require.Equal(t, before+3, after)
	require.Equal(t, beforeJobs+3, afterJobs)
	var stored string
	require.NoError(t, s.DB.Owner.QueryRow(context.Background(),
		"SELECT body FROM messages WHERE tenant_id = $1 AND external_id = $2", acct.TenantID, nul["id"]).Scan(&stored))
	require.Equal(t, "ab", stored)
}

package turns_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/channels/whatsapp"
	"github.com/konstruct/konstruct/api/fakes/graphfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
	"github.com/konstruct/konstruct/api/turns"
)

// waitReply waits until the tenant's newest assistant message reaches state.
func waitReply(t *testing.T, b *bundle, state string) {
	t.Helper()
	require.Eventually(t, func() bool {
		var got string
		_ = b.s.DB.Owner.QueryRow(context.Background(), `SELECT delivery_state FROM messages WHERE tenant_id = $1 AND role = 'assistant'
			ORDER BY seq DESC LIMIT 1`, b.acct.TenantID).Scan(&got)
		return got == state
	}, 30*time.Second, 20*time.Millisecond, "the reply never became %s", state)
}

type part struct {
	Kind, State, Evidence string
	Seq, Attempts         int
	Ref                   *string
}

func parts(t *testing.T, b *bundle) []part {
	t.Helper()
	rows, err := b.s.DB.Owner.Query(context.Background(), `SELECT kind, seq, state, attempts, evidence, provider_ref FROM outbound_parts
		WHERE tenant_id = $1 ORDER BY created_at`, b.acct.TenantID)
	require.NoError(t, err)
	defer rows.Close()
	var out []part
	for rows.Next() {
		var p part
		require.NoError(t, rows.Scan(&p.Kind, &p.Seq, &p.State, &p.Attempts, &p.Evidence, &p.Ref))
		out = append(out, p)
	}
	require.NoError(t, rows.Err())
	return out
}

func deliveryCount(b *bundle, channel, outcome string) float64 {
	var m dto.Metric
	_ = b.s.App.Metrics.DeliveryParts.WithLabelValues(channel, outcome).Write(&m)
	return m.GetCounter().GetValue()
}

func flag(t *testing.T, b *bundle) string {
	t.Helper()
	var reason string
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(), `SELECT coalesce(max(flag_reason), '') FROM conversations
		WHERE tenant_id = $1 AND flagged_at IS NOT NULL`, b.acct.TenantID).Scan(&reason))
	return reason
}

func whatsappStatuses(b *bundle) {
	b.f.Graph.DeliverStatuses(b.s.URL+"/api/webhooks/whatsapp", b.f.WhatsAppAppSecret)
}

// Meta accepts the reply but answers after the client's timeout. The status
// webhook, which carries the part's id as biz_opaque_callback_data, is the
// evidence that it went out: the turn records its wamid and does not send it
// again. (Before outbound parts, the timed-out send was retried by River and
// the user got the reply twice.)
func TestStatusWebhookResolvesAnInDoubtPart(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, map[string]string{"OUTBOUND_TIMEOUT": "1s"})
	num := b.s.ConnectWhatsApp(t, b.acct, b.f)
	whatsappStatuses(b)
	b.f.Graph.FailSends(graphfake.Failure{Delay: 3 * time.Second, Times: 1})

	r := b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Text("16505550101", "wamid."+uuid.NewString(), "late?")}, nil))
	require.Equal(t, http.StatusOK, r.Status)
	waitReply(t, b, "delivered")

	accepted := b.f.Graph.Accepted()
	require.Len(t, accepted, 1, "one reply reached the user")
	require.Len(t, b.f.Graph.Sent(false), 1, "and it was sent once")
	ps := parts(t, b)
	require.Len(t, ps, 1)
	require.Equal(t, part{Kind: "reply", Seq: 0, State: "sent", Attempts: 1, Evidence: "status", Ref: &accepted[0].WAMID}, ps[0])
	require.Equal(t, ps[0].Ref, mustExternalID(t, b), "the reply is known by its wamid, for later statuses")
	require.InDelta(t, 1, deliveryCount(b, "whatsapp", "in_doubt"), 0)
	require.InDelta(t, 1, deliveryCount(b, "whatsapp", "duplicate_suppressed"), 0)
}

func mustExternalID(t *testing.T, b *bundle) *string {
	t.Helper()
	var id *string
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(), `SELECT external_id FROM messages WHERE tenant_id = $1 AND role = 'assistant'
		ORDER BY seq DESC LIMIT 1`, b.acct.TenantID).Scan(&id))
	return id
}

// Meta answers 500 without having sent anything. No status comes for the
// part while the number's statuses keep arriving, so after the evidence wait
// the silence counts as proof and the part is sent again, once.
func TestNoStatusMeansNotSentAndSendsAgain(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, map[string]string{"DELIVERY_EVIDENCE_WAIT": "1s"})
	num := b.s.ConnectWhatsApp(t, b.acct, b.f)
	whatsappStatuses(b)
	send := func(text string) {
		r := b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Text("16505550102", "wamid."+uuid.NewString(), text)}, nil))
		require.Equal(t, http.StatusOK, r.Status)
	}
	send("first") // its statuses show the number's webhooks work
	waitReply(t, b, "delivered")
	require.Eventually(t, func() bool { return parts(t, b)[0].Evidence != "" && len(b.f.Graph.Accepted()) == 1 }, 10*time.Second, 20*time.Millisecond)

	b.f.Graph.FailSends(graphfake.Failure{Status: http.StatusInternalServerError, Code: 1, Message: "An unknown error occurred", Times: 1})
	send("second")
	require.Eventually(t, func() bool { return len(b.f.Graph.Accepted()) == 2 }, 20*time.Second, 20*time.Millisecond)
	waitReply(t, b, "delivered")
	require.Len(t, b.f.Graph.Sent(false), 3, "the refused send, then the resend")
	require.Equal(t, "You said: second", b.f.Graph.Accepted()[1].Text())
	ps := parts(t, b)
	require.Equal(t, 2, ps[1].Attempts)
	require.Equal(t, "sent", ps[1].State)
	require.InDelta(t, 1, deliveryCount(b, "whatsapp", "resent_without_evidence"), 0)
	require.Empty(t, flag(t, b))
}

// Meta sent the reply, then answered 500, and this number's status webhooks
// never arrive (not subscribed): nothing can prove the part went out or not.
// It is resolved toward at most one copy: not sent again, the conversation
// flagged with the reason, and an audit event.
func TestUnprovablePartIsNotSentTwiceAndIsFlagged(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, map[string]string{"DELIVERY_EVIDENCE_WAIT": "1s"})
	num := b.s.ConnectWhatsApp(t, b.acct, b.f)
	b.f.Graph.FailSends(graphfake.Failure{Status: http.StatusInternalServerError, Accepted: true, Times: 1})
	r := b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Text("16505550103", "wamid."+uuid.NewString(), "hello")}, nil))
	require.Equal(t, http.StatusOK, r.Status)
	waitReply(t, b, "delivered")

	require.Len(t, b.f.Graph.Sent(false), 1, "never sent twice")
	require.Len(t, b.f.Graph.Accepted(), 1)
	ps := parts(t, b)
	require.Equal(t, "abandoned", ps[0].State)
	require.Contains(t, flag(t, b), "may not have reached the user")
	r = b.acct.Client.Do("GET", "/api/portal/tenants/"+b.acct.TenantID.String()+"/audit-events?action=turn.delivery_unproven", nil)
	require.Contains(t, string(r.Body), "turn.delivery_unproven")
	require.InDelta(t, 1, deliveryCount(b, "whatsapp", "abandoned"), 0)
}

// Slack posts the placeholder but answers after the client's timeout. Its
// message_metadata_posted event names the part: the turn edits that
// placeholder instead of posting another.
func TestSlackMetadataEventResolvesAnInDoubtPlaceholder(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, map[string]string{"OUTBOUND_TIMEOUT": "1s"})
	ws := b.s.InstallSlack(t, b.acct, b.f)
	b.f.Slack.DeliverEvents(b.s.URL+"/api/webhooks/slack/events", b.f.SlackSigningSecret)
	b.f.Slack.Fail("chat.postMessage", slackfake.Failure{Delay: 3 * time.Second, Times: 1})

	r := b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev"+uuid.NewString(), slackfake.Mention("UALICE", "C42", nextTS(), "<@"+ws.BotUserID+"> late?")))
	require.Equal(t, http.StatusOK, r.Status)
	waitReply(t, b, "delivered")

	msgs := b.f.Slack.Messages()
	require.Len(t, msgs, 1, "one message in the thread")
	require.Equal(t, "You said: late?", msgs[0].Text)
	require.Len(t, b.f.Slack.Calls("chat.postMessage"), 1)
	ps := parts(t, b)
	require.Len(t, ps, 1)
	require.Equal(t, part{Kind: "slot", Seq: 0, State: "sent", Attempts: 1, Evidence: "metadata", Ref: &msgs[0].TS}, ps[0])
	require.InDelta(t, 1, deliveryCount(b, "slack", "duplicate_suppressed"), 0)
}

// Slack answers 500 to the placeholder without posting it, and no event
// comes: after the wait the slot is posted again. Reply text only ever goes
// through chat.update of a known message, so whatever the guess, the reply
// is visible once.
func TestSlackSlotWithoutEvidenceIsPostedAgain(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, map[string]string{"DELIVERY_EVIDENCE_WAIT": "1s"})
	ws := b.s.InstallSlack(t, b.acct, b.f)
	b.f.Slack.Fail("chat.postMessage", slackfake.Failure{Status: http.StatusBadGateway, Times: 1})
	r := b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev"+uuid.NewString(), slackfake.Mention("UALICE", "C43", nextTS(), "<@"+ws.BotUserID+"> hi")))
	require.Equal(t, http.StatusOK, r.Status)
	waitReply(t, b, "delivered")

	msgs := b.f.Slack.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, "You said: hi", msgs[0].Text)
	require.Equal(t, turns.Continuation, b.f.Slack.Calls("chat.postMessage")[1].Form.Get("text"),
		"the slot is posted again at delivery, for the reply")
	require.Equal(t, 2, parts(t, b)[0].Attempts)
	require.InDelta(t, 1, deliveryCount(b, "slack", "resent_without_evidence"), 0)
}

// A user who arrives with a business-scoped user id and no phone number is
// answered: the send names them in "recipient" (Meta's "to" takes phone
// numbers only).
func TestBSUIDOnlyUserIsAnsweredViaRecipient(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	num := b.s.ConnectWhatsApp(t, b.acct, b.f)
	const bsuid = "US.13491208655302741918"
	r := b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, []graphfake.Message{
		graphfake.WithUser(graphfake.Text("", "wamid."+uuid.NewString(), "hi from a username"), bsuid, "")}, nil))
	require.Equal(t, http.StatusOK, r.Status)
	waitReply(t, b, "delivered")

	sent := b.f.Graph.Accepted()
	require.Len(t, sent, 1)
	require.Equal(t, bsuid, sent[0].Body["recipient"])
	require.NotContains(t, sent[0].Body, "to")
	require.Equal(t, "You said: hi from a username", sent[0].Text())
}

// A person writes first with phone number and BSUID, later with the BSUID
// only, then their BSUID changes (user_changed_user_id) and they write with
// the new one: it is all one conversation (one participant, so one memory),
// answered at the phone number throughout.
func TestPhoneAndBSUIDThenBSUIDOnlyIsOneConversation(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	num := b.s.ConnectWhatsApp(t, b.acct, b.f)
	const phone, bsuid, renewed = "16505550104", "US.1000000000000000001", "US.2000000000000000002"
	deliver := func(m graphfake.Message) {
		r := b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, []graphfake.Message{m}, nil))
		require.Equal(t, http.StatusOK, r.Status)
	}
	deliver(graphfake.WithUser(graphfake.Text(phone, "wamid."+uuid.NewString(), "one"), bsuid, phone))
	b.f.Graph.WaitSent(t, 1, 10*time.Second)
	waitReply(t, b, "delivered")
	deliver(graphfake.WithUser(graphfake.Text("", "wamid."+uuid.NewString(), "two"), bsuid, ""))
	b.f.Graph.WaitSent(t, 2, 10*time.Second)
	waitReply(t, b, "delivered")
	deliver(graphfake.Message{"from_user_id": renewed, "id": "wamid." + uuid.NewString(), "timestamp": graphfake.Text("", "", "")["timestamp"],
		"type": "system", "system": map[string]any{"type": "user_changed_user_id", "user_id": renewed, "previous_user_id": bsuid,
			"body": "User changed their business-scoped user ID"}})
	deliver(graphfake.WithUser(graphfake.Text("", "wamid."+uuid.NewString(), "three"), renewed, ""))
	b.f.Graph.WaitSent(t, 3, 10*time.Second)
	waitReply(t, b, "delivered")

	var convs, participants int
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT participant_id) FROM conversations
		WHERE tenant_id = $1`, b.acct.TenantID).Scan(&convs, &participants))
	require.Equal(t, 1, convs, "one person, one conversation")
	require.Equal(t, 1, participants)
	for i, m := range b.f.Graph.Accepted() {
		require.Equal(t, phone, m.Body["to"], "reply %d goes to the phone number", i)
	}
	require.Contains(t, b.llm.Requests()[2].AllTexts, "You said: two", "the history is the person's")
	var stored struct{ phone, bsuid string }
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(), `SELECT phone, bsuid FROM whatsapp_people WHERE tenant_id = $1`,
		b.acct.TenantID).Scan(&stored.phone, &stored.bsuid))
	require.Equal(t, struct{ phone, bsuid string }{phone, renewed}, stored)

	// Erasing the person erases what identifies them too.
	r := b.acct.Client.Do("POST", "/api/portal/tenants/"+b.acct.TenantID.String()+"/participants/erase",
		map[string]any{"connection_id": num.ConnectionID, "participant_id": phone})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.EqualValues(t, 1, r.Map(t)["conversations"])
	var people int
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(), `SELECT count(*) FROM whatsapp_people WHERE tenant_id = $1`,
		b.acct.TenantID).Scan(&people))
	require.Zero(t, people)
}

// Meta refuses to send to a BSUID (error 131062, e.g. a message kind that
// does not take them): the turn fails for good and the conversation is
// flagged with a reason that says what happened and what to do.
func TestRecipientUnsupportedIsFlagged(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	num := b.s.ConnectWhatsApp(t, b.acct, b.f)
	b.f.Graph.BSUIDUnsupported = true
	r := b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, []graphfake.Message{
		graphfake.WithUser(graphfake.Text("", "wamid."+uuid.NewString(), "hi"), "US.3000000000000000003", "")}, nil))
	require.Equal(t, http.StatusOK, r.Status)
	waitReply(t, b, "failed")
	require.Contains(t, flag(t, b), "131062")
	require.Contains(t, flag(t, b), whatsapp.RecipientUnsupportedReason)
	require.Empty(t, b.f.Graph.Accepted())
}

// The same error can arrive later, as a failed status of a sent message: the
// conversation is flagged then too.
func TestRecipientUnsupportedStatusIsFlagged(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	num := b.s.ConnectWhatsApp(t, b.acct, b.f)
	r := b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, []graphfake.Message{
		graphfake.WithUser(graphfake.Text("", "wamid."+uuid.NewString(), "hi"), "US.4000000000000000004", "")}, nil))
	require.Equal(t, http.StatusOK, r.Status)
	waitReply(t, b, "delivered")
	require.Empty(t, flag(t, b))
	wamid := b.f.Graph.Accepted()[0].WAMID
	r = b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, nil, []map[string]any{{"id": wamid, "status": "failed",
		"timestamp": graphfake.Text("", "", "")["timestamp"], "errors": []map[string]any{{"code": 131062, "title": "BSUID recipients not supported"}}}}))
	require.Equal(t, http.StatusOK, r.Status)
	require.Contains(t, flag(t, b), whatsapp.RecipientUnsupportedReason)
}

// Meta throttles without saying for how long (its usual 429): the turn backs
// off briefly with jitter (a second or so, then doubling) instead of a flat
// half minute, and each 429 snoozes rather than spending an attempt.
func TestRateLimitWithoutRetryAfterBacksOff(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	num := b.s.ConnectWhatsApp(t, b.acct, b.f)
	b.f.Graph.FailSends(graphfake.Failure{Status: http.StatusTooManyRequests, Code: 130429, Message: "Rate limit hit", Times: 2})
	r := b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Text("16505550105", "wamid."+uuid.NewString(), "busy?")}, nil))
	require.Equal(t, http.StatusOK, r.Status)
	waitReply(t, b, "delivered")

	sent := b.f.Graph.Sent(false)
	require.Len(t, sent, 3)
	require.Len(t, b.f.Graph.Accepted(), 1)
	var attempt, snoozes int
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(), `SELECT attempt, coalesce((metadata->>'snoozes')::int, 0) FROM river_job
		WHERE kind = 'agent.turn' AND args->>'tenant_id' = $1`, b.acct.TenantID.String()).Scan(&attempt, &snoozes))
	require.Equal(t, 1, attempt, "429s spend no attempt")
	require.Equal(t, 2, snoozes)
	ps := parts(t, b)
	require.Equal(t, 3, ps[0].Attempts, "the part was taken up again after each 429")
}

package turns_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/fakes/graphfake"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
	"github.com/konstruct/konstruct/api/turns"
)

func TestToolLoop(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]any{"tools": []string{"current_time"}}, nil)
	calls := 0
	b.llm.Respond(func(r llmfake.Request) llmfake.Reply {
		calls++
		switch {
		case strings.Contains(strings.Join(r.AllTexts, " "), "loop forever"):
			return llmfake.Reply{ToolCalls: []llmfake.ToolCall{{Name: "current_time", Arguments: `{}`}}}
		case len(r.ToolResults) == 0:
			// First round: one bad call, one good one.
			return llmfake.Reply{ToolCalls: []llmfake.ToolCall{
				{Name: "current_time", Arguments: `{"timezone": 42}`},
				{Name: "current_time", Arguments: `{"timezone": "Europe/Paris"}`},
			}}
		}
		return llmfake.Reply{Text: "Tools said: " + strings.Join(r.ToolResults, " || ")}
	})
	ws := b.s.InstallSlack(t, b.acct, b.f)
	b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev1", slackfake.Mention("UT", "C1", nextTS(), "<@"+ws.BotUserID+"> what time is it in Paris?")))
	updates := b.f.Slack.WaitCalls(t, "chat.update", 1, 10*time.Second)
	b.s.Settle(t)
	reply := updates[0].Form.Get("text")
	require.Contains(t, reply, "error: the arguments do not match", "the invalid call came back to the model as an error")
	require.Contains(t, reply, "Europe/Paris", "the valid call ran")
	reqs := b.llm.Requests()
	require.Len(t, reqs, 2)
	require.Equal(t, []string{"current_time"}, reqs[0].ToolNames)

	// The audit trail has each call, without its arguments.
	r := b.acct.Client.Do("GET", "/api/portal/tenants/"+b.acct.TenantID.String()+"/audit-events?action=tool.called", nil)
	var events struct {
		Items []struct{ Metadata map[string]any }
	}
	r.JSON(t, &events)
	require.Len(t, events.Items, 2)
	require.NotContains(t, string(r.Body), "Europe/Paris")
	requireAuditFreeOf(t, b, "Europe/Paris", "what time is it")

	// A model that never stops calling tools is made to answer.
	before := len(b.llm.Requests())
	b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev2", slackfake.Mention("UT", "C1", nextTS(), "<@"+ws.BotUserID+"> loop forever")))
	updates = b.f.Slack.WaitCalls(t, "chat.update", 2, 10*time.Second)
	b.s.Settle(t)
	require.True(t, strings.HasPrefix(updates[1].Form.Get("text"), "You said:"), "an answer in text: %q", updates[1].Form.Get("text"))
	last := b.llm.Requests()[before:]
	require.Len(t, last, 4, "three rounds of tool calls, then an answer")
	require.Equal(t, "none", last[3].Body["tool_choice"])
}

func TestEscalationHandsOverAndBack(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]any{
		"escalation_rules":  []string{`refund AND NOT "just kidding"`},
		"escalation_target": map[string]any{"type": "slack_channel", "id": "CHUMANS"},
	}, nil)
	ws := b.s.InstallSlack(t, b.acct, b.f)
	thread := nextTS()
	b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev1", slackfake.Mention("UCUST", "C5", thread, "<@"+ws.BotUserID+"> I want a refund now")))

	updates := b.f.Slack.WaitCalls(t, "chat.update", 1, 10*time.Second)
	b.s.Settle(t)
	require.Equal(t, turns.HandoverMessage, updates[0].Form.Get("text"))
	require.Empty(t, b.llm.Requests(), "a rule that fires hands over without asking the model")
	var notice slackfake.Call
	require.Eventually(t, func() bool {
		for _, c := range b.f.Slack.Calls("chat.postMessage") {
			if c.Form.Get("channel") == "CHUMANS" {
				notice = c
				return true
			}
		}
		return false
	}, 10*time.Second, 20*time.Millisecond)
	require.Contains(t, notice.Form.Get("text"), "rule: refund AND NOT")
	require.Contains(t, notice.Form.Get("text"), "/conversations/")

	tenant := "/api/portal/tenants/" + b.acct.TenantID.String()
	var list struct {
		Items []struct {
			ID, Status       string
			EscalationReason string `json:"escalation_reason"`
		}
	}
	b.acct.Client.Do("GET", tenant+"/conversations?status=escalated", nil).JSON(t, &list)
	require.Len(t, list.Items, 1)
	conv := tenant + "/conversations/" + list.Items[0].ID

	// While handed over the agent is silent…
	postsBefore := len(b.f.Slack.Calls("chat.postMessage"))
	b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev2", slackfake.Event{"type": "app_mention", "user": "UCUST", "channel": "C5",
		"ts": nextTS(), "thread_ts": thread, "text": "<@" + ws.BotUserID + "> hello?"}))
	require.Eventually(t, func() bool {
		r := b.acct.Client.Do("GET", tenant+"/audit-events?action=turn.skipped", nil)
		return strings.Contains(string(r.Body), "handed_to_human")
	}, 10*time.Second, 20*time.Millisecond)
	require.Len(t, b.f.Slack.Calls("chat.postMessage"), postsBefore)

	// …a person answers in the same thread…
	r := b.acct.Client.Do("POST", conv+"/messages/human", map[string]any{"text": "Hi, I'm sorting your refund."})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	posts := b.f.Slack.Calls("chat.postMessage")
	human := posts[len(posts)-1]
	require.Equal(t, "*Test User* (team): Hi, I'm sorting your refund.", human.Form.Get("text"))
	require.Equal(t, thread, human.Form.Get("thread_ts"))

	// …and after release the agent answers again, seeing what the person said.
	require.Equal(t, "active", b.acct.Client.Do("POST", conv+"/release", nil).Map(t)["status"])
	r = b.acct.Client.Do("POST", conv+"/messages/human", map[string]any{"text": "too late"})
	require.Equal(t, http.StatusConflict, r.Status, "people answer only while handed over")
	b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev3", slackfake.Event{"type": "app_mention", "user": "UCUST", "channel": "C5",
		"ts": nextTS(), "thread_ts": thread, "text": "<@" + ws.BotUserID + "> thanks, just kidding about the refund"}))
	b.f.Slack.WaitCalls(t, "chat.update", 2, 10*time.Second)
	b.s.Settle(t)
	reqs := b.llm.Requests()
	require.Len(t, reqs, 1)
	require.Contains(t, strings.Join(reqs[0].AllTexts, "\n"), "(A human colleague wrote:) Hi, I'm sorting your refund.")
	// The messages that arrived while handed over were answered by the person.
	require.Equal(t, []string{"thanks, just kidding about the refund"}, reqs[0].UserTexts)
}

func TestModelCanAskForAHuman(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]any{"tools": []string{"escalate_to_human"}}, nil)
	b.llm.Respond(func(r llmfake.Request) llmfake.Reply {
		if len(r.ToolResults) == 0 {
			return llmfake.Reply{ToolCalls: []llmfake.ToolCall{{Name: "escalate_to_human", Arguments: `{"reason":"legal question"}`}}}
		}
		return llmfake.Reply{Text: "A colleague will help you."}
	})
	num := b.s.ConnectWhatsApp(t, b.acct, b.f)
	b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Text("16505550001", "wamid."+uuid.NewString(), "can I sue you?")}, nil))
	sent := b.f.Graph.WaitSent(t, 1, 10*time.Second)
	b.s.Settle(t)
	require.Equal(t, turns.HandoverMessage, sent[0].Body["text"].(map[string]any)["body"])
	var list struct {
		Items []struct {
			EscalationReason string `json:"escalation_reason"`
		}
	}
	b.acct.Client.Do("GET", "/api/portal/tenants/"+b.acct.TenantID.String()+"/conversations?status=escalated", nil).JSON(t, &list)
	require.Len(t, list.Items, 1)
	require.Equal(t, "the agent asked for a human: legal question", list.Items[0].EscalationReason)
	// No target set: the hand-over is recorded as unnotified.
	require.Eventually(t, func() bool {
		r := b.acct.Client.Do("GET", "/api/portal/tenants/"+b.acct.TenantID.String()+"/audit-events?action=conversation.handover_unnotified", nil)
		return strings.Contains(string(r.Body), "no escalation target")
	}, 10*time.Second, 20*time.Millisecond)
}

func pngBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 255, A: 255})
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func TestImagesReachTheModel(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	ws := b.s.InstallSlack(t, b.acct, b.f)
	fileURL := b.f.Slack.AddFile("F123/photo.png", "image/png", pngBytes(t))
	ev := slackfake.DirectMessage("UIMG", "DIMG", nextTS(), "what is this?")
	ev["subtype"] = "file_share"
	ev["files"] = []map[string]any{{"id": "F123", "name": "photo.png", "mimetype": "image/png", "url_private_download": fileURL}}
	b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "EvImg", ev))
	b.f.Slack.WaitCalls(t, "chat.update", 1, 10*time.Second)
	b.s.Settle(t)
	require.Equal(t, 1, b.llm.Requests()[0].Images, "the Slack image is an image part")
	require.Equal(t, []string{"what is this?"}, b.llm.Requests()[0].UserTexts)

	num := b.s.ConnectWhatsApp(t, b.acct, b.f)
	b.f.Graph.AddMedia("media-77", graphfake.Media{Mime: "image/png", Data: pngBytes(t)})
	b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Image("16505550002", "wamid."+uuid.NewString(), "media-77", "and this?")}, nil))
	b.f.Graph.WaitSent(t, 1, 10*time.Second)
	b.s.Settle(t)
	reqs := b.llm.Requests()
	require.Equal(t, 1, reqs[len(reqs)-1].Images, "the WhatsApp image is an image part")

	// A file that is not an image is described, not sent as an image.
	b.f.Graph.AddMedia("media-78", graphfake.Media{Mime: "image/png", Data: []byte("%PDF-1.4 not an image")})
	b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Image("16505550003", "wamid."+uuid.NewString(), "media-78", "")}, nil))
	b.f.Graph.WaitSent(t, 2, 10*time.Second)
	b.s.Settle(t)
	reqs = b.llm.Requests()
	require.Zero(t, reqs[len(reqs)-1].Images)
	require.Contains(t, strings.Join(reqs[len(reqs)-1].UserTexts, " "), "could not be opened")
}

func TestLongTermMemory(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	ws := b.s.InstallSlack(t, b.acct, b.f)
	say := func(thread, text string, n int) {
		b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev"+uuid.NewString()[:6], slackfake.Mention("UMEM", "C9", thread, "<@"+ws.BotUserID+"> "+text)))
		b.f.Slack.WaitCalls(t, "chat.update", n, 10*time.Second)
		b.s.Settle(t)
	}
	say(nextTS(), "our dog Pepper runs next to me on short rides", 1)
	say(nextTS(), "I work night shifts at the hospital", 2)
	ctx := context.Background()
	require.Eventually(t, func() bool {
		var n int
		_ = b.s.DB.Owner.QueryRow(ctx, "SELECT count(*) FROM memories WHERE tenant_id = $1", b.acct.TenantID).Scan(&n)
		return n == 4 // two user messages and two replies
	}, 10*time.Second, 20*time.Millisecond)

	// A new thread (a new conversation) with the same person recalls the dog.
	say(nextTS(), "what is the name of our dog?", 3)
	reqs := b.llm.Requests()
	system := reqs[len(reqs)-1].System
	require.Contains(t, system, "Earlier messages with this person")
	require.Contains(t, system, `from="them">our dog Pepper runs next to me on short rides</memory>`)

	// Operators see and can remove what the agent remembers, or erase the person.
	var conn struct{ Items []struct{ ID string } }
	b.acct.Client.Do("GET", "/api/portal/tenants/"+b.acct.TenantID.String()+"/channels", nil).JSON(t, &conn)
	mems := b.agent + "/memories?connection_id=" + conn.Items[0].ID + "&participant_id=UMEM"
	var list struct {
		Items []struct{ ID, Text, Role string }
	}
	r := b.acct.Client.Do("GET", mems, nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r.JSON(t, &list)
	require.GreaterOrEqual(t, len(list.Items), 4)
	require.Equal(t, http.StatusNoContent, b.acct.Client.Do("DELETE", b.agent+"/memories/"+list.Items[0].ID, nil).Status)
	r = b.acct.Client.Do("POST", "/api/portal/tenants/"+b.acct.TenantID.String()+"/participants/erase",
		map[string]any{"connection_id": conn.Items[0].ID, "participant_id": "UMEM"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	erased := r.Map(t)
	require.EqualValues(t, 3, erased["conversations"])
	require.GreaterOrEqual(t, erased["messages"], float64(6))
	var left int
	require.NoError(t, b.s.DB.Owner.QueryRow(ctx, `SELECT (SELECT count(*) FROM messages WHERE tenant_id = $1) + (SELECT count(*) FROM memories WHERE tenant_id = $1)`, b.acct.TenantID).Scan(&left))
	require.Zero(t, left)
	r = b.acct.Client.Do("GET", "/api/portal/tenants/"+b.acct.TenantID.String()+"/audit-events?action=participant.erased", nil)
	require.NotContains(t, string(r.Body), "UMEM", "the audit names the erasure, not the person")
}

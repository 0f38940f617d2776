package turns_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/fakes/graphfake"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
	"github.com/konstruct/konstruct/api/knowledge"
	"github.com/konstruct/konstruct/api/turns"
)

// knowledgeFor gives the bundle's agent a ready source about refunds, with
// whenUnknown as its "don't know" behaviour.
func knowledgeFor(t *testing.T, b *bundle, whenUnknown string) {
	t.Helper()
	base := "/api/portal/tenants/" + b.acct.TenantID.String()
	r := b.acct.Client.Do("POST", base+"/knowledge/sources", map[string]any{"kind": "snippet", "title": "Refund policy",
		"question": "How long do refunds take?", "text": "Refunds are paid to your card within 14 days of the return."})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	source := r.Map(t)["id"].(string)
	require.Eventually(t, func() bool {
		return b.acct.Client.Do("GET", base+"/knowledge/sources/"+source, nil).Map(t)["status"] == "ready"
	}, 10*time.Second, 20*time.Millisecond)
	r = b.acct.Client.Do("PUT", b.agent+"/knowledge", map[string]any{"source_ids": []string{source}, "when_unknown": whenUnknown})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

func TestKnowledgeAnswersCiteTheirSources(t *testing.T) {
	t.Parallel()
	t.Run("Slack", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil, nil)
		knowledgeFor(t, b, knowledge.SayUnknown)
		b.llm.Respond(func(r llmfake.Request) llmfake.Reply {
			return llmfake.Reply{Text: "Refunds reach your card within 14 days [1]."}
		})
		ws := b.s.InstallSlack(t, b.acct, b.f)
		b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev1", slackfake.Mention("UALICE", "C1", nextTS(), "<@"+ws.BotUserID+"> how long do refunds take?")))
		updates := b.f.Slack.WaitCalls(t, "chat.update", 1, 10*time.Second)
		b.s.Settle(t)
		require.Equal(t, "Refunds reach your card within 14 days [1].\n\n*Sources:* Refund policy", updates[0].Form.Get("text"))
		reqs := b.llm.Requests()
		require.Contains(t, reqs[0].System, `<passage source="[1] Refund policy">`)
		require.Contains(t, reqs[0].System, "within 14 days of the return")
		require.True(t, strings.HasSuffix(reqs[0].System, turns.DisclosureClause), "the knowledge block comes before the disclosure")
	})
	t.Run("WhatsApp", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil, nil)
		knowledgeFor(t, b, knowledge.SayUnknown)
		b.llm.Respond(func(r llmfake.Request) llmfake.Reply { return llmfake.Reply{Text: "Within 14 days [1]."} })
		num := b.s.ConnectWhatsApp(t, b.acct, b.f)
		b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Text("16505551234", "wamid."+uuid.NewString(), "How long do refunds take?")}, nil))
		sent := b.f.Graph.WaitSent(t, 1, 10*time.Second)
		b.s.Settle(t)
		require.Equal(t, "Within 14 days [1].\n\nSources:\n[1] Refund policy", sent[0].Body["text"].(map[string]any)["body"])
	})
}

func TestKnowledgeDoesNotKnow(t *testing.T) {
	t.Parallel()
	t.Run("SaysSoAndRecordsAGap", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil, nil)
		knowledgeFor(t, b, knowledge.SayUnknown)
		ws := b.s.InstallSlack(t, b.acct, b.f)
		for i, q := range []string{"Do you deliver to Norway?", "do you DELIVER to norway"} {
			b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev"+uuid.NewString()[:6], slackfake.Mention("UBOB", "C9", nextTS(), "<@"+ws.BotUserID+"> "+q)))
			updates := b.f.Slack.WaitCalls(t, "chat.update", i+1, 10*time.Second)
			require.Equal(t, knowledge.UnknownReply, updates[i].Form.Get("text"))
		}
		b.s.Settle(t)
		require.Empty(t, b.llm.Requests(), "the model is not asked to guess")
		var gaps struct {
			Items []struct {
				Question      string
				Asked         int
				Conversations int
			}
		}
		b.acct.Client.Do("GET", "/api/portal/tenants/"+b.acct.TenantID.String()+"/knowledge/gaps", nil).JSON(t, &gaps)
		require.Len(t, gaps.Items, 1, "the same words are one gap")
		require.Equal(t, 2, gaps.Items[0].Asked)
		require.Equal(t, 2, gaps.Items[0].Conversations)
		require.Equal(t, "do you DELIVER to norway", gaps.Items[0].Question, "the latest wording")
	})
	t.Run("SaysSoOnWhatsApp", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil, nil)
		knowledgeFor(t, b, knowledge.SayUnknown)
		num := b.s.ConnectWhatsApp(t, b.acct, b.f)
		b.s.WhatsAppEvent(t, b.f, graphfake.Delivery(num.Number, []graphfake.Message{graphfake.Text("16505551234", "wamid."+uuid.NewString(), "Do you deliver to Norway?")}, nil))
		sent := b.f.Graph.WaitSent(t, 1, 10*time.Second)
		b.s.Settle(t)
		require.Equal(t, knowledge.UnknownReply, sent[0].Body["text"].(map[string]any)["body"])
		require.Empty(t, b.llm.Requests(), "the model is not asked to guess")
		var gaps struct{ Items []struct{ Question string } }
		b.acct.Client.Do("GET", "/api/portal/tenants/"+b.acct.TenantID.String()+"/knowledge/gaps", nil).JSON(t, &gaps)
		require.Len(t, gaps.Items, 1)
		require.Equal(t, "Do you deliver to Norway?", gaps.Items[0].Question)
	})
	t.Run("HandsOver", func(t *testing.T) {
		t.Parallel()
		b := setup(t, map[string]any{"escalation_target": map[string]any{"type": "slack_channel", "id": "CHUMANS"}}, nil)
		knowledgeFor(t, b, knowledge.Handover)
		ws := b.s.InstallSlack(t, b.acct, b.f)
		b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev1", slackfake.Mention("UBOB", "C9", nextTS(), "<@"+ws.BotUserID+"> Do you deliver to Norway?")))
		updates := b.f.Slack.WaitCalls(t, "chat.update", 1, 10*time.Second)
		b.s.Settle(t)
		require.Equal(t, turns.HandoverMessage, updates[0].Form.Get("text"))
		var status string
		require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(), "SELECT status FROM conversations WHERE tenant_id = $1", b.acct.TenantID).Scan(&status))
		require.Equal(t, "escalated", status)
	})
	t.Run("SmallTalkStillGoesToTheModel", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil, nil)
		knowledgeFor(t, b, knowledge.SayUnknown)
		ws := b.s.InstallSlack(t, b.acct, b.f)
		b.s.SlackEvent(t, b.f, slackfake.Envelope(ws.TeamID, "Ev1", slackfake.Mention("UBOB", "C9", nextTS(), "<@"+ws.BotUserID+"> hello there")))
		updates := b.f.Slack.WaitCalls(t, "chat.update", 1, 10*time.Second)
		b.s.Settle(t)
		require.Equal(t, "You said: hello there", updates[0].Form.Get("text"))
	})
}

// The designer's preview answers from the agent's knowledge as a turn does
// and cites in the portal's idiom.
func TestPreviewCitesKnowledge(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	knowledgeFor(t, b, knowledge.SayUnknown)
	b.llm.Respond(func(r llmfake.Request) llmfake.Reply { return llmfake.Reply{Text: "Within 14 days [1]."} })
	r := b.acct.Client.Do("POST", b.agent+"/preview", map[string]any{"message": "How long do refunds take?"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, "Within 14 days [1].\n\nSources:\n[1] Refund policy", r.Map(t)["reply"])
	require.Contains(t, b.llm.Requests()[0].System, "within 14 days of the return")
}

// The preview applies the knowledge's "don't know" as the channel turn does:
// a question the sources have nothing for is not put to the model; it gets
// the unknown reply or the hand-over, per the agent's setting, and is
// recorded as a gap. Small talk still goes to the model.
func TestPreviewDoesNotKnow(t *testing.T) {
	t.Parallel()
	gaps := func(t *testing.T, b *bundle) (items []map[string]any) {
		var out struct{ Items []map[string]any }
		b.acct.Client.Do("GET", "/api/portal/tenants/"+b.acct.TenantID.String()+"/knowledge/gaps", nil).JSON(t, &out)
		return out.Items
	}
	for _, tc := range []struct{ whenUnknown, reply string }{
		{knowledge.SayUnknown, knowledge.UnknownReply},
		{knowledge.Handover, turns.HandoverMessage},
	} {
		t.Run(tc.whenUnknown, func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil, nil)
			knowledgeFor(t, b, tc.whenUnknown)
			r := b.acct.Client.Do("POST", b.agent+"/preview", map[string]any{"message": "Do you deliver to Norway?"})
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			out := r.Map(t)
			require.Equal(t, tc.reply, out["reply"])
			require.Equal(t, 0.0, out["cost_usd"], "nothing was spent")
			require.Equal(t, "none", out["key_source"], "no key was used")
			require.Empty(t, b.llm.Requests(), "the model is not asked to guess")
			g := gaps(t, b)
			require.Len(t, g, 1, "the question is a gap")
			require.Equal(t, "Do you deliver to Norway?", g[0]["question"])

			r = b.acct.Client.Do("POST", b.agent+"/preview", map[string]any{"message": "hello there"})
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			require.Equal(t, "You said: hello there", r.Map(t)["reply"])
			require.Len(t, b.llm.Requests(), 1, "small talk goes to the model")
			require.Len(t, gaps(t, b), 1, "and is no gap")
		})
	}
}

package turns

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/agents"
	"github.com/konstruct/konstruct/api/channels"
	"github.com/konstruct/konstruct/api/conversations"
	"github.com/konstruct/konstruct/api/escalation"
	"github.com/konstruct/konstruct/api/llm"
	"github.com/konstruct/konstruct/api/memory"
	"github.com/konstruct/konstruct/api/store"
	"github.com/konstruct/konstruct/api/tools"
)

// HandoverMessage tells the chat user a person is taking over.
const HandoverMessage = "I've asked a member of the team to take over. They'll reply here shortly."

// recallK is how many memories a turn recalls at most.
const recallK = 5

// thought is what the model (and its tools) produced for a turn.
type thought struct {
	text     string
	calls    []*llm.Result // every model call, for usage
	tools    []tools.Call
	escalate *string // set when the model asked for a human
}

// think runs the model with the agent's tools, for at most tools.MaxRounds
// rounds of tool calls; the last round must answer in text.
func think(ctx context.Context, router *llm.Router, toolEnv tools.Env, tenantID uuid.UUID, a *agents.Agent, system string, msgs []llm.Message) (*thought, error) {
	set, err := tools.Build(toolEnv, tools.Agent{ID: a.ID, Enabled: a.Tools, HTTPTools: a.HTTPTools, Secrets: a.HTTPToolSecrets})
	if err != nil {
		return nil, err
	}
	out := &thought{}
	for round := 0; ; round++ {
		req := llm.Request{System: system, Messages: msgs, Tools: set.Defs(), NoToolCalls: round == tools.MaxRounds,
			Temperature: a.Temperature, MaxTokens: maxTokens(a)}
		res, err := router.Complete(ctx, llm.Call{TenantID: tenantID, Models: append([]string{a.Model}, a.FallbackModels...), Pinned: a.PinnedKeys, Request: req})
		if err != nil {
			return out, err
		}
		out.calls = append(out.calls, res)
		if len(res.ToolCalls) == 0 || round == tools.MaxRounds {
			out.text = res.Text
			break
		}
		msgs = append(msgs, llm.Message{Role: llm.RoleAssistant, Text: res.Text, ToolCalls: res.ToolCalls})
		for _, tc := range res.ToolCalls {
			c := set.Run(ctx, tc)
			out.tools = append(out.tools, c)
			msgs = append(msgs, llm.Message{Role: llm.RoleTool, ToolCallID: tc.ID, Text: c.Output, IsError: !c.OK})
		}
	}
	if reason, ok := set.Escalation(); ok {
		out.escalate = &reason
	}
	return out, nil
}

// ruleFired evaluates the agent's escalation rules on what the user just
// wrote; it returns the first rule that fires.
func ruleFired(ctx context.Context, tx store.Tx, t *turn) (string, error) {
	if len(t.agent.EscalationRules) == 0 {
		return "", nil
	}
	topics, _, err := escalation.Topics(ctx, tx, t.tenantID)
	if err != nil {
		return "", err
	}
	var count int
	if err := tx.NewRaw("SELECT count(*) FROM messages WHERE conversation_id = ? AND role = 'user'", t.conv.ID).Scan(ctx, &count); err != nil {
		return "", err
	}
	texts := make([]string, 0, len(t.pending))
	for _, m := range t.pending {
		texts = append(texts, m.Body)
	}
	c := &escalation.Context{Text: strings.Join(texts, "\n"), Count: count, Topics: topics}
	for _, rule := range t.agent.EscalationRules {
		n, err := escalation.Parse(rule)
		if err != nil {
			continue // saved rules are valid; one that no longer parses must not stop the turn
		}
		if escalation.Matches(n, c) {
			return rule, nil
		}
	}
	return "", nil
}

// imageTypes are the formats models accept as image parts.
var imageTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true}

// images downloads the images the user just sent, for the model to see.
// What cannot be fetched (too large, not an image, gone) is described in
// text instead; it never fails the turn.
func (w *Worker) images(ctx context.Context, t *turn) (map[uuid.UUID][]llm.Image, map[uuid.UUID][]string) {
	imgs := map[uuid.UUID][]llm.Image{}
	notes := map[uuid.UUID][]string{}
	for _, m := range t.pending {
		for _, a := range m.Attachments {
			if a.Kind != "image" && a.Kind != "sticker" {
				continue
			}
			data, mime, err := t.sender.Download(ctx, channels.Media{ID: a.MediaID, URL: a.URL}, w.opts.MediaMaxBytes)
			if err == nil {
				// Trust the bytes, not the label.
				mime = http.DetectContentType(data)
				if !imageTypes[mime] {
					err = fmt.Errorf("not a supported image (%s)", mime)
				}
			}
			if err != nil {
				w.opts.Log.WarnContext(ctx, "image not given to the model", "message_id", m.ID, "err", err)
				notes[m.ID] = append(notes[m.ID], "[An image the user sent could not be opened.]")
				continue
			}
			imgs[m.ID] = append(imgs[m.ID], llm.Image{MimeType: mime, Data: data})
		}
	}
	return imgs, notes
}

// queryVector embeds what the user just said, for recall: nil when the
// agent has no memory or nothing to recall by. An embedder failure skips
// recall rather than the reply.
func (w *Worker) queryVector(ctx context.Context, t *turn) []float32 {
	if w.opts.Memory == nil {
		return nil
	}
	texts := make([]string, 0, len(t.pending))
	for _, m := range t.pending {
		if m.Body != "" {
			texts = append(texts, m.Body)
		}
	}
	if len(texts) == 0 {
		return nil
	}
	vs, err := w.opts.Memory.Embedder().Embed(ctx, []string{strings.Join(texts, "\n")})
	if err != nil {
		w.opts.Log.WarnContext(ctx, "memory recall skipped: embedding failed", "err", err)
		return nil
	}
	return vs[0]
}

// recall finds what this person said to this agent before that matches what
// they said now (query), leaving out what the window already shows. It reads
// in the transaction that reads the window: one transaction, not two.
func (w *Worker) recall(ctx context.Context, tx store.Tx, t *turn, query []float32, window []conversations.Message) (string, error) {
	if query == nil {
		return "", nil
	}
	exclude := make([]uuid.UUID, 0, len(window))
	for _, m := range window {
		exclude = append(exclude, m.ID)
	}
	found, err := w.opts.Memory.Search(ctx, tx, memory.Scope{AgentID: t.agent.ID,
		ParticipantKey: memory.ParticipantKey(t.conv.ConnectionID, t.conv.ParticipantID)}, query, recallK, exclude)
	if err != nil {
		return "", fmt.Errorf("memory recall: %w", err)
	}
	return RecalledContext(found), nil
}

// RecalledContext words recalled memories for the instructions.
func RecalledContext(found []memory.Recalled) string {
	if len(found) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n\nEarlier messages with this person that may be relevant (most relevant first; use them only if they help):")
	for _, r := range found {
		who := "They said"
		if r.Role == conversations.RoleAssistant {
			who = "You said"
		}
		fmt.Fprintf(&b, "\n- (%s) %s: %s", r.SaidAt.Format("2006-01-02"), who, oneLine(r.Text, 400))
	}
	return b.String()
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}

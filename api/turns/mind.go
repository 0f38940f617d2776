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

// NoAnswer is sent when the model, on its last allowed round, still asked
// for tools and wrote nothing: a clean reply rather than a failed turn.
const NoAnswer = "I'm sorry, I couldn't finish looking into that just now. Could you tell me a bit more, or ask me again?"

// thought is what the model (and its tools) produced for a turn.
type thought struct {
	text     string
	notice   bool          // text is NoAnswer, not the model's
	calls    []*llm.Result // every model call of this attempt, for usage
	tools    []tools.Call
	escalate *string // set when the model asked for a human
}

// think runs the model with the agent's tools, for at most tools.MaxRounds
// rounds of tool calls; the last round must answer in text. Rounds recorded
// by an earlier attempt (j) are replayed, not asked or run again.
func think(ctx context.Context, router *llm.Router, toolEnv tools.Env, tenantID uuid.UUID, a *agents.Agent, system string, msgs []llm.Message, j journal) (*thought, error) {
	out := &thought{}
	set, err := tools.Build(toolEnv, tools.Agent{ID: a.ID, Enabled: a.Tools, HTTPTools: a.HTTPTools, Secrets: a.HTTPToolSecrets})
	if err != nil {
		return out, err
	}
	var rounds []*toolRound
	if len(set.Defs()) > 0 { // an agent without tools has no rounds to replay: no read
		if rounds, err = j.resume(ctx); err != nil {
			return out, err
		}
	}
	play := func(r *toolRound) error {
		msgs = append(msgs, llm.Message{Role: llm.RoleAssistant, Text: r.Text, ToolCalls: callsOf(r)})
		for _, c := range r.Calls {
			if err := runCall(ctx, set, j, c); err != nil {
				return err
			}
			out.tools = append(out.tools, c.Result)
			msgs = append(msgs, llm.Message{Role: llm.RoleTool, ToolCallID: c.Call.ID, Text: c.Result.Output, IsError: !c.Result.OK})
		}
		return nil
	}
	for _, r := range rounds {
		if err := play(r); err != nil {
			return out, err
		}
	}
	for round := len(rounds); ; round++ {
		last := round >= tools.MaxRounds
		req := llm.Request{System: system, Messages: msgs, Tools: set.Defs(), NoToolCalls: last,
			Temperature: a.Temperature, MaxTokens: maxTokens(a)}
		res, err := router.Complete(ctx, llm.Call{TenantID: tenantID, Models: append([]string{a.Model}, a.FallbackModels...), Pinned: a.PinnedKeys, Request: req})
		if err != nil {
			return out, err
		}
		out.calls = append(out.calls, res)
		if len(res.ToolCalls) == 0 {
			out.text = res.Text
			break
		}
		if last {
			// Told to answer, the model called tools anyway: they do not run;
			// what it wrote is the answer, else a clean fallback.
			out.text = res.Text
			if strings.TrimSpace(out.text) == "" {
				out.text, out.notice = NoAnswer, true
			}
			break
		}
		r := &toolRound{Text: res.Text}
		for i, tc := range res.ToolCalls {
			r.Calls = append(r.Calls, &toolCall{ID: uuid.Must(uuid.NewV7()), Round: round, Position: i, Call: tc, State: callRequested})
		}
		if err := j.asked(ctx, r); err != nil {
			return out, err
		}
		if err := play(r); err != nil {
			return out, err
		}
	}
	if reason, ok := set.Escalation(); ok {
		out.escalate = &reason
	}
	return out, nil
}

func callsOf(r *toolRound) []llm.ToolCall {
	out := make([]llm.ToolCall, len(r.Calls))
	for i, c := range r.Calls {
		out[i] = c.Call
	}
	return out
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
	count, err := conversations.UserMessages(ctx, tx, t.conv.ID)
	if err != nil {
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

// queueRecall queues the rank statement of the turn's recall in the read's
// batch (the one that reads the window): what this person said to this agent
// before that matches what they said now (query). The person is the speaker
// of the messages the turn answers; when several people spoke (a shared
// thread), no one's memories are recalled (nil): whatever the reply says,
// everyone in the thread reads. The window is not read yet, so the rank keeps
// a window's worth more than recallK (memory.Service.QueueRank).
func (w *Worker) queueRecall(b *store.Batch, t *turn, query []float32) *memory.Ranked {
	person := conversations.Speaker(t.pending)
	if query == nil || person == "" {
		return nil
	}
	return w.opts.Memory.QueueRank(b, memory.Scope{AgentID: t.agent.ID,
		ParticipantKey: memory.ParticipantKey(t.conv.ConnectionID, person)}, query, recallK, t.agent.WindowSize)
}

// recall is the recalled memories once the batch was sent, leaving out what
// the window already shows (the texts: one more statement, only when
// memories were found). It reads in the transaction that reads the window:
// one transaction, not two.
func recall(ctx context.Context, tx store.Tx, ranked *memory.Ranked, window []conversations.Message) ([]memory.Recalled, error) {
	if ranked == nil {
		return nil, nil
	}
	exclude := make([]uuid.UUID, 0, len(window))
	for _, m := range window {
		exclude = append(exclude, m.ID)
	}
	found, err := ranked.Recall(ctx, tx, exclude)
	if err != nil {
		return nil, fmt.Errorf("memory recall: %w", err)
	}
	return found, nil
}

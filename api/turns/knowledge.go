package turns

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/conversations"
	"github.com/konstruct/konstruct/api/knowledge"
	"github.com/konstruct/konstruct/api/store"
)

// known is what a turn retrieved from the tenant's knowledge.
type known struct {
	*knowledge.Knowledge
	question string
}

// asking is a turn's knowledge retrieval queued in the read's batch.
type asking struct {
	pending  *knowledge.PendingRetrieval
	question string
	asked    *uuid.UUID
}

// queueRetrieve queues the agent's knowledge retrieval in the read's batch,
// for the newest thing the person said: the last of the messages the turn
// answers, which is where its window ends (the window is every message up to
// it, so its newest user message is this one). Nil without knowledge.
func (w *Worker) queueRetrieve(ctx context.Context, b *store.Batch, t *turn) (*asking, error) {
	if w.opts.Knowledge == nil {
		return nil, nil
	}
	a := &asking{}
	if n := len(t.pending); n > 0 && t.agent.WindowSize > 0 {
		a.question, a.asked = t.pending[n-1].Body, &t.pending[n-1].ID
	}
	var err error
	a.pending, err = w.opts.Knowledge.QueueRetrieve(ctx, b, t.tenantID, t.agent.ID, a.question)
	return a, err
}

// retrieve completes the retrieval after the batch was sent, inside the
// turn's read transaction. The question is the newest user message of the
// window; should the window say otherwise than the turn's messages did (one
// edited or erased in between), the retrieval is run again for it: one more
// statement, never a different answer. A miss on a question is recorded as
// a gap in the same transaction.
func (w *Worker) retrieve(ctx context.Context, tx store.Tx, t *turn, a *asking, window []conversations.Message) (*known, error) {
	if a == nil {
		return nil, nil
	}
	var question string
	var asked *uuid.UUID
	for i := len(window) - 1; i >= 0; i-- { // the window is oldest first
		if window[i].Role == conversations.RoleUser {
			question, asked = window[i].Body, &window[i].ID
			break
		}
	}
	var k *knowledge.Knowledge
	var err error
	if question == a.question && (asked == nil) == (a.asked == nil) && (asked == nil || *asked == *a.asked) {
		k, err = a.pending.Finish(ctx, tx)
	} else {
		k, err = w.opts.Knowledge.Retrieve(ctx, tx, t.agent.ID, question)
	}
	if err != nil {
		return nil, err
	}
	out := &known{Knowledge: k, question: question}
	if out.unanswered() {
		err = knowledge.RecordGap(ctx, tx, t.tenantID, knowledge.Ask{AgentID: t.agent.ID, ConversationID: &t.conv.ID,
			MessageID: asked, Question: question})
	}
	return out, err
}

// unanswered: the agent has knowledge, the person asked a question, and
// nothing relevant was found. Small talk ("hi", "thanks") is not a question
// and goes to the model as usual.
func (k *known) unanswered() bool {
	return k != nil && k.Enabled && len(k.Chunks) == 0 && knowledge.IsQuestion(k.question)
}

// passages numbers the retrieved chunks [1], [2]… for the prompt, so the
// model can cite them and Cite can render the citations.
func (k *known) passages() []Passage {
	if k == nil {
		return nil
	}
	out := make([]Passage, len(k.Chunks))
	for i, c := range k.Chunks {
		out[i] = Passage{Source: fmt.Sprintf("[%d] %s", i+1, strings.Join(append([]string{c.Title}, c.HeadingPath...), " › ")), Text: c.Text}
	}
	return out
}

// cite appends the sources the reply cites, in the channel's idiom.
func (k *known) cite(channel, text string) string {
	if k == nil || len(k.Chunks) == 0 {
		return text
	}
	return knowledge.Cite(channel, text, k.Chunks)
}

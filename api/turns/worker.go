package turns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/konstruct/konstruct/api/agents"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/billing"
	"github.com/konstruct/konstruct/api/channels"
	"github.com/konstruct/konstruct/api/conversations"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/events"
	"github.com/konstruct/konstruct/api/knowledge"
	"github.com/konstruct/konstruct/api/llm"
	"github.com/konstruct/konstruct/api/llmkeys"
	"github.com/konstruct/konstruct/api/memory"
	"github.com/konstruct/konstruct/api/obs"
	"github.com/konstruct/konstruct/api/store"
	"github.com/konstruct/konstruct/api/tenants"
	"github.com/konstruct/konstruct/api/tools"
	"github.com/konstruct/konstruct/api/usage"
)

// Placeholder is what Slack shows in the thread while the agent thinks.
const Placeholder = "⏳ _Thinking…_"

// Continuation is what a Slack slot created at delivery (for a later part of
// a long reply, or a reply without placeholder) shows until its text
// replaces it.
const Continuation = "…"

// Apology is sent when a turn cannot be answered after every attempt.
const Apology = "I'm sorry, I can't answer right now. I've let the team know and someone will follow up with you."

// The steps of a turn, as store.WithStep names them: the bench reports a
// turn's database round trips by step, and a test holds their number.
const (
	StepClaim       = "turn.claim"       // lock the conversation, load everything, write the turn's record
	StepAcknowledge = "turn.acknowledge" // the placeholder or read receipt
	StepRead        = "turn.read"        // what the model is given: window, memories, context
	StepThink       = "turn.think"       // the model calls (key selection) and tool calls
	StepRecord      = "turn.record"      // the reply with its usage and audit
	StepDeliver     = "turn.deliver"     // the parts' intents, the sends, the end of the turn
	StepFail        = "turn.fail"        // a failure's bookkeeping
)

// WorkerOpts are the turn worker's collaborators.
type WorkerOpts struct {
	Store     *store.Store
	Router    *llm.Router
	Providers *channels.Providers
	Log       *slog.Logger
	// Debounce is how long a conversation must be quiet before the agent
	// answers, so several quick messages get one reply.
	Debounce time.Duration
	// Memory embeds and recalls; nil turns long-term memory off.
	Memory *memory.Service
	// Knowledge retrieves from the tenant's sources; nil turns it off.
	Knowledge *knowledge.Service
	// Tools is what running the agents' tools needs.
	Tools tools.Env
	// MediaMaxBytes caps an image downloaded for the model.
	MediaMaxBytes int64
	// Timeout bounds a turn (default 3 minutes). A turn that runs longer
	// than River's rescue horizon could be worked twice at once, so the app
	// caps it there.
	Timeout time.Duration
	// Gate says whether the tenant's agents may answer (subscription,
	// budget); nil admits every turn.
	Gate *billing.Gate
	// EvidenceWait is how long a part whose send is in doubt waits for the
	// provider's evidence (default DefaultEvidenceWait; Slack slots wait at
	// most 15 s). RecordFor is how long recording a send is retried while
	// the database is unreachable (default DefaultRecordFor), whatever the
	// turn's own Timeout.
	EvidenceWait time.Duration
	RecordFor    time.Duration
	// Metrics counts in-doubt parts and their resolutions; nil counts nothing.
	Metrics *obs.Metrics
}

// Worker works agent turns.
type Worker struct {
	river.WorkerDefaults[Args]
	opts WorkerOpts
}

// NewWorker returns the turn worker.
func NewWorker(opts WorkerOpts) *Worker { return &Worker{opts: opts} }

// Timeout bounds a turn: model calls (with their retries and fallbacks) and
// delivery. River's one-minute default is too short for slow models.
func (w *Worker) Timeout(*river.Job[Args]) time.Duration {
	if w.opts.Timeout > 0 {
		return w.opts.Timeout
	}
	return 3 * time.Minute
}

// turn is what one turn works with.
type turn struct {
	tenantID   uuid.UUID
	conv       *conversations.Conversation
	conn       *channels.Connection
	agent      *agents.Agent
	tenantName string
	msg        *conversations.Message  // the assistant message: the turn's record
	pending    []conversations.Message // the user messages it answers
	sender     channels.Sender
	target     channels.Target
	// written is an intent this run committed in the claim (firstIntent)
	// and has not sent yet.
	written *outboundPart
	// onSent, when set, is queued in the batch that records the next fresh
	// send (post), which saves that record a transaction of its own.
	onSent func(b *store.Batch, ref string) error
	// early is what prepare reads, read by the claim's first round trip.
	early *preparing
}

// Work runs (or resumes) a turn: claim, acknowledge, wait for quiet,
// generate, deliver. Each step is recorded before the next, so a retried job
// picks up where the last attempt stopped and never sends a reply twice.
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	t, wait, err := w.claim(store.WithStep(ctx, StepClaim), job)
	if err != nil {
		return err
	}
	if t == nil {
		if wait > 0 {
			return river.JobSnooze(wait)
		}
		return nil
	}
	if t.sender, err = w.opts.Providers.SenderFor(t.conn); err != nil {
		return w.fail(store.WithStep(ctx, StepFail), t, job, err, true)
	}
	t.target = channels.Target{Channel: t.conv.ChannelRef, Thread: t.conv.ThreadRef}

	if t.msg.DeliveryState == conversations.StateClaimed {
		if err := w.acknowledge(store.WithStep(ctx, StepAcknowledge), t); err != nil {
			return w.deliveryFailed(store.WithStep(ctx, StepFail), t, job, err)
		}
		if quiet := w.quietIn(t); quiet > 0 {
			return river.JobSnooze(quiet)
		}
		if err := w.generate(ctx, t); err != nil {
			return w.fail(store.WithStep(ctx, StepFail), t, job, err, false)
		}
	}
	if err := w.deliver(store.WithStep(ctx, StepDeliver), t); err != nil {
		return w.deliveryFailed(store.WithStep(ctx, StepFail), t, job, err)
	}
	return nil
}

// claim finds or creates the turn's record under a lock on the conversation,
// so two jobs of one conversation never answer the same messages. It returns
// nil when there is nothing to answer, with a wait when another turn of the
// conversation is still in flight.
func (w *Worker) claim(ctx context.Context, job *river.Job[Args]) (t *turn, wait time.Duration, err error) {
	err = w.opts.Store.WithTenant(ctx, job.Args.TenantID, func(ctx context.Context, tx store.Tx) error {
		// One round trip: the lock, the turn's messages (read after the
		// lock is granted) and the tenant's name.
		var b store.Batch
		var st *conversations.TurnState
		var tenantName string
		conversations.QueueLockForTurn(&b, job.Args.ConversationID, job.Args.MessageID, job.ID, &st)
		tenants.QueueName(&b, job.Args.TenantID, &tenantName)
		// With the job's connection (and agent), what prepare reads rides
		// the same round trip, read after the lock like the rest.
		var early *preparing
		if job.Args.ConnectionID != nil {
			var ids []uuid.UUID
			if job.Args.AgentID != nil {
				ids = append(ids, *job.Args.AgentID)
			}
			early = w.queuePrepare(&b, job.Args.TenantID, *job.Args.ConnectionID, ids, true)
		}
		err := tx.Send(ctx, &b)
		switch {
		case err != nil || st == nil:
			return err // nil: erased since
		case st.Mine != nil && (st.Mine.DeliveryState == conversations.StateDelivered || st.Mine.DeliveryState == conversations.StateFailed):
			return nil // a retry after the turn finished: nothing to send again
		case st.Mine == nil && st.InFlight:
			wait = 500 * time.Millisecond // answer after the reply being written, not alongside it
			return nil
		case len(st.Pending) == 0:
			return nil
		}
		cur := &turn{tenantID: job.Args.TenantID, conv: st.Conversation, pending: st.Pending, msg: st.Mine, tenantName: tenantName}
		if early != nil && !early.fits(cur.conv) {
			early = nil // the conversation has another agent: prepare reads it
		}
		cur.early = early
		if st.Mine != nil {
			err = w.resume(ctx, tx, cur)
		} else {
			err = w.start(ctx, tx, cur, job)
		}
		if err == nil && cur.msg != nil {
			t = cur
		}
		return err
	})
	return t, wait, err
}

// resume reloads what an earlier attempt's turn works with.
func (w *Worker) resume(ctx context.Context, tx store.Tx, t *turn) error {
	if _, _, err := w.prepare(ctx, tx, t, false); err != nil {
		return err
	}
	if t.agent == nil {
		return errors.New("turns: the turn's agent is gone")
	}
	if t.msg.DeliveryState != conversations.StateClaimed {
		return nil
	}
	// Messages that arrived while we waited for quiet join this turn.
	var b store.Batch
	conversations.QueueSetAnswersSeq(&b, t.msg, t.pending[len(t.pending)-1].Seq)
	return tx.SendAndCommit(ctx, &b)
}

// start decides whether the turn is answered (the conversation, channel,
// agent and the tenant's subscription and budget admit it) and, if so,
// writes its record; t.msg stays nil when it is skipped.
func (w *Worker) start(ctx context.Context, tx store.Tx, t *turn, job *river.Job[Args]) error {
	reason, gate, err := w.prepare(ctx, tx, t, true)
	if err != nil {
		return err
	}
	var adm billing.Admission
	if reason == "" && gate != nil {
		participant := t.conv.ParticipantID
		if participant == "" {
			participant = t.conv.ThreadKey
		}
		if adm, err = w.opts.Gate.AdmitQueued(ctx, tx, gate, participant); err != nil {
			return err
		}
		reason = adm.Skip
	}
	var b store.Batch
	if reason != "" {
		audit.Queue(ctx, &b, t.tenantID, audit.Event{Action: "turn.skipped", TargetType: "conversation", TargetID: t.conv.ID.String(),
			Metadata: map[string]any{"reason": reason, "message_id": job.Args.MessageID.String()}})
		return tx.SendAndCommit(ctx, &b)
	}
	newest := t.pending[len(t.pending)-1].Seq
	// The record names the person it answers from the start (record
	// writes it again, changed only if messages of someone else joined the
	// turn meanwhile): participant_id is indexed, and an update that changes
	// no indexed column is HOT (docs/performance.md, "Reply updates made HOT").
	msg := &conversations.Message{ID: uuid.Must(uuid.NewV7()), TenantID: t.tenantID, ConversationID: t.conv.ID,
		ConnectionID: t.conv.ConnectionID, Role: conversations.RoleAssistant, AuthorID: t.agent.ID.String(), Kind: "text",
		ParticipantID: conversations.Speaker(t.pending), Attachments: []conversations.Attachment{}, DeliveryState: conversations.StateClaimed,
		TurnJobID: &job.ID, AnswersSeq: &newest}
	// A downgraded turn remembers its model, so a retry uses it too; a
	// budget notice is the reply itself, sent without a model.
	msg.Delivery.Model = adm.Model
	if adm.Notice != "" {
		msg.Body, msg.DeliveryState = adm.Notice, conversations.StateGenerated
		msg.Kind = conversations.KindNotice
		audit.Queue(ctx, &b, t.tenantID, audit.Event{Action: "turn.budget_notice", TargetType: "conversation", TargetID: t.conv.ID.String(),
			Metadata: map[string]any{"message_id": job.Args.MessageID.String()}})
	}
	// The turn's record and its first intent, committed in one round trip.
	conversations.QueueInsertReply(&b, msg)
	t.msg = msg
	w.firstIntent(&b, t)
	return tx.SendAndCommit(ctx, &b)
}

// prepare loads, in one round trip, the connection, the agents the turn's
// agent is chosen from and, with admit, what the billing gate decides on
// (or takes them from the claim's first round trip, t.early); it says why
// the turn must be skipped, if it must.
func (w *Worker) prepare(ctx context.Context, tx store.Tx, t *turn, admit bool) (skip string, gate *billing.Pending, err error) {
	if t.conv.Status == conversations.StatusEscalated {
		return "handed_to_human", nil, nil
	}
	p := t.early
	if p == nil {
		var ids []uuid.UUID
		if t.conv.AgentID != nil {
			ids = append(ids, *t.conv.AgentID)
		}
		var b store.Batch
		p = w.queuePrepare(&b, t.tenantID, t.conv.ConnectionID, ids, admit)
		if err := tx.Send(ctx, &b); err != nil {
			return "", nil, err
		}
	}
	if admit {
		gate = p.gate
	}
	if !p.found {
		return "", nil, errs.NotFoundf("connection not found")
	}
	if t.conn = p.conn; p.conn.Status != channels.StatusActive {
		return "channel_" + p.conn.Status, nil, nil
	}
	t.agent, skip, err = pickAgent(ctx, tx, t, p.candidates)
	return skip, gate, err
}

// preparing is what prepare reads, queued into a batch: the connection
// connID, the agents ids (with the tenant's oldest active one) and, with
// admit, the billing gate's reads.
type preparing struct {
	connID     uuid.UUID
	ids        []uuid.UUID
	conn       *channels.Connection
	found      bool
	candidates []agents.Agent
	gate       *billing.Pending
}

func (w *Worker) queuePrepare(b *store.Batch, tenantID, connID uuid.UUID, ids []uuid.UUID, admit bool) *preparing {
	p := &preparing{connID: connID, ids: ids, conn: &channels.Connection{}}
	channels.QueueLoad(b, connID, p.conn, &p.found)
	agents.QueueCandidates(b, ids, &p.candidates)
	if admit && w.opts.Gate != nil {
		p.gate = w.opts.Gate.Queue(b, tenantID)
	}
	return p
}

// fits reports whether p read what prepare needs for conv: its connection,
// and its agent among the candidates' ids.
func (p *preparing) fits(conv *conversations.Conversation) bool {
	return p.connID == conv.ConnectionID && (conv.AgentID == nil || slices.Contains(p.ids, *conv.AgentID))
}

// pickAgent is the conversation's agent, else the connection's, else the
// tenant's first active agent, from the candidates prepare read (the
// connection's agent is read on its own when it is none of them). A chosen
// agent that is inactive is not silently replaced by another.
func pickAgent(ctx context.Context, tx store.Tx, t *turn, candidates []agents.Agent) (*agents.Agent, string, error) {
	for _, id := range []*uuid.UUID{t.conv.AgentID, t.conn.AgentID} {
		if id == nil {
			continue
		}
		a := candidate(candidates, *id)
		if a == nil && id == t.conn.AgentID {
			a, _ = agents.Load(ctx, tx, *id, false) // an error: deleted, fall through
		}
		if a == nil {
			continue
		}
		if !a.IsActive {
			return nil, "agent_inactive", nil
		}
		return a, "", nil
	}
	if a := agents.OldestActive(candidates); a != nil {
		return a, "", nil
	}
	return nil, "no_active_agent", nil
}

func candidate(as []agents.Agent, id uuid.UUID) *agents.Agent {
	for i := range as {
		if as[i].ID == id {
			return &as[i]
		}
	}
	return nil
}

// acknowledge shows the user at once that the agent is on it: a placeholder
// in the Slack thread, a read receipt with "typing…" on WhatsApp.
func (w *Worker) acknowledge(ctx context.Context, t *turn) error {
	d := &t.msg.Delivery
	switch t.conn.Type {
	case channels.Slack:
		if d.PlaceholderRef != "" {
			return nil
		}
		saved := false
		t.onSent = func(b *store.Batch, ref string) error {
			// The placeholder's ref is recorded with its send.
			d.PlaceholderRef, d.Throttled, saved = ref, 0, true
			return w.queueDelivery(b, t, "", false)
		}
		ref, err := w.post(ctx, t, kindSlot, 0, t.target, Placeholder, false)
		t.onSent = nil
		var wait *evidenceWaitError
		switch {
		case errors.As(err, &wait):
			return nil // resolved at delivery, while the model works
		case err != nil:
			return err
		case saved:
			return nil
		}
		d.PlaceholderRef = ref
	case channels.WhatsApp:
		if d.ReadMarked {
			return nil
		}
		if ref := t.pending[len(t.pending)-1].ExternalID; ref != nil {
			if err := t.sender.MarkRead(ctx, *ref); err != nil {
				// A missing read receipt must not cost the reply.
				w.opts.Log.WarnContext(ctx, "whatsapp mark-read failed", "err", err)
			}
		}
		d.ReadMarked = true
	}
	d.Throttled = 0
	return w.saveDelivery(ctx, t, "", false)
}

func (w *Worker) quietIn(t *turn) time.Duration {
	last := t.pending[len(t.pending)-1].ReceivedAt
	return time.Until(last.Add(w.opts.Debounce))
}

// generate decides the reply: a hand-over when an escalation rule fires,
// else the model's answer (with recalled memories, the images the user sent
// and the agent's tools), and records it with its usage in one transaction.
func (w *Worker) generate(ctx context.Context, t *turn) error {
	in, err := w.read(store.WithStep(ctx, StepRead), t)
	if err != nil {
		return err
	}
	if in.rule != "" {
		return w.record(store.WithStep(ctx, StepRecord), t, HandoverMessage, nil, "rule: "+in.rule)
	}
	if in.know.unanswered() {
		if in.know.WhenUnknown == knowledge.Handover {
			return w.record(store.WithStep(ctx, StepRecord), t, HandoverMessage, nil, "knowledge: nothing relevant found")
		}
		return w.record(store.WithStep(ctx, StepRecord), t, knowledge.UnknownReply, nil, "")
	}
	th, err := w.think(store.WithStep(ctx, StepThink), t, in)
	if err != nil {
		if len(th.calls) > 0 {
			// Calls that answered before the failure still cost money.
			_ = w.opts.Store.WithTenant(store.WithStep(context.WithoutCancel(ctx), StepRecord), t.tenantID, func(ctx context.Context, tx store.Tx) error {
				return recordCalls(ctx, tx, t.agent, &t.conv.ID, &t.msg.ID, "turn", th.calls)
			})
		}
		return err
	}
	ctx = store.WithStep(ctx, StepRecord)
	if th.escalate != nil {
		return w.record(ctx, t, HandoverMessage, th, "the agent asked for a human: "+*th.escalate)
	}
	text := Truncate(th.text, t.agent.MaxReplyChars)
	if text == "" {
		return &emptyReplyError{model: th.calls[len(th.calls)-1].Model}
	}
	return w.record(ctx, t, in.know.cite(t.conn.Type, text), th, "")
}

// reading is what the turn's read step found: the escalation rule that
// fired (then nothing else is read), the conversation's window (oldest
// first) and the context the model is given besides it.
type reading struct {
	rule   string
	window []conversations.Message
	extra  Context
	keys   *llmkeys.Preloaded // the tenant's model keys, chosen from without another read
	know   *known             // what the agent's knowledge holds for the question
}

// read is the turn's read: the escalation rules' inputs, then, in one
// round trip with its commit, the window, the tenant's model keys, the rank
// of the memories recalled and the agent's knowledge retrieval; then whatever
// else the model is given (loadContext), in a transaction of its own that
// costs nothing when it has nothing to read. Nothing is written, and every
// statement reads its own snapshot either way (READ COMMITTED), so the read
// needs no single transaction: ending the first with its batch saves the
// commit's round trip of most turns.
func (w *Worker) read(ctx context.Context, t *turn) (*reading, error) {
	query := w.queryVector(ctx, t)
	in := &reading{}
	var ranked *memory.Ranked
	var ask *asking
	err := w.opts.Store.WithTenant(ctx, t.tenantID, func(ctx context.Context, tx store.Tx) (err error) {
		if in.rule, err = ruleFired(ctx, tx, t); err != nil || in.rule != "" {
			return err
		}
		// The window, the tenant's model keys, the memories' rank and the
		// knowledge retrieval in one round trip.
		var b store.Batch
		conversations.QueueWindow(&b, t.conv.ID, *t.msg.AnswersSeq, t.agent.WindowSize, &in.window)
		in.keys = llmkeys.QueuePreload(&b, t.tenantID)
		ranked = w.queueRecall(&b, t, query)
		if ask, err = w.queueRetrieve(ctx, &b, t); err != nil {
			return err
		}
		return tx.SendAndCommit(ctx, &b)
	})
	if err != nil || in.rule != "" {
		return in, err
	}
	err = w.opts.Store.WithTenant(ctx, t.tenantID, func(ctx context.Context, tx store.Tx) error {
		return w.loadContext(ctx, tx, t, ranked, ask, in)
	})
	return in, err
}

// loadContext completes what the model is given besides the window, once
// the read's batch was sent and committed, in a tenant transaction of its
// own (begun by its first statement, if any): the memories
// recalled for this person (their texts: a statement when there are any) and
// the passages of the agent's knowledge that answer the question (more
// statements only when needed: knowledge.PendingRetrieval.Finish, a gap). It
// is the one place where more context joins a turn.
func (w *Worker) loadContext(ctx context.Context, tx store.Tx, t *turn, ranked *memory.Ranked, ask *asking, in *reading) (err error) {
	if in.extra.Memories, err = recall(ctx, tx, ranked, in.window); err != nil {
		return err
	}
	if in.know, err = w.retrieve(ctx, tx, t, ask, in.window); err != nil {
		return err
	}
	in.extra.Knowledge = in.know.passages()
	return nil
}

// think asks the model (with the agent's tools) for the reply.
func (w *Worker) think(ctx context.Context, t *turn, in *reading) (*thought, error) {
	images, notes := w.images(ctx, t)
	system := System(t.agent, t.tenantName, t.conn.Type, in.extra)
	agent := t.agent
	if m := t.msg.Delivery.Model; m != "" && m != agent.Model {
		downgraded := *agent // the budget is spent: the cheaper model, without fallbacks
		downgraded.Model, downgraded.FallbackModels = m, nil
		agent = &downgraded
	}
	return think(in.keys.Into(ctx), w.opts.Router, w.opts.Tools, t.tenantID, agent, system, Window(in.window, images, notes),
		&turnJournal{store: w.opts.Store, tenantID: t.tenantID, msgID: t.msg.ID, convID: t.conv.ID})
}

// record stores the reply with its usage and, for a hand-over, the
// conversation's new state (tool calls were recorded and audited as they
// ran). The reply is the person's it answers; a hand-over notice or fallback
// is a notice. What the user said is embedded with the reply once it is
// delivered (saveDeliveryOnce; memory.remembered decides what is kept).
func (w *Worker) record(ctx context.Context, t *turn, text string, th *thought, handover string) error {
	return w.opts.Store.WithTenant(ctx, t.tenantID, func(ctx context.Context, tx store.Tx) error {
		t.msg.Body, t.msg.DeliveryState = text, conversations.StateGenerated
		t.msg.ParticipantID = conversations.Speaker(t.pending)
		if handover != "" || th != nil && th.notice {
			t.msg.Kind = conversations.KindNotice
		}
		if th != nil && len(th.calls) > 0 {
			t.msg.Delivery.Model = th.calls[len(th.calls)-1].Model
		}
		// The reply, its usage and its audit event: one round trip, with
		// the commit unless a hand-over follows.
		var b store.Batch
		conversations.QueueSaveReply(&b, t.msg)
		if th != nil && len(th.calls) > 0 {
			queueCalls(ctx, &b, t.tenantID, t.agent, &t.conv.ID, &t.msg.ID, "turn", th.calls)
		}
		if handover == "" {
			return tx.SendAndCommit(ctx, &b)
		}
		if err := tx.Send(ctx, &b); err != nil {
			return err
		}
		return escalate(ctx, tx, t, handover)
	})
}

// recordCalls writes a usage row per model call and one audit event for the
// turn's calls together, in one round trip.
func recordCalls(ctx context.Context, tx store.Tx, a *agents.Agent, convID, msgID *uuid.UUID, purpose string, calls []*llm.Result) error {
	var b store.Batch
	queueCalls(ctx, &b, tx.TenantID, a, convID, msgID, purpose, calls)
	return tx.Send(ctx, &b)
}

// queueCalls queues recordCalls' statements.
func queueCalls(ctx context.Context, b *store.Batch, tenantID uuid.UUID, a *agents.Agent, convID, msgID *uuid.UUID, purpose string, calls []*llm.Result) {
	for _, res := range calls {
		usage.QueueRecord(b, tenantID, usage.Call{AgentID: a.ID, ConversationID: convID, MessageID: msgID, Purpose: purpose,
			Provider: res.Provider, Model: res.Model, KeySource: res.KeySource, InputTokens: res.Usage.InputTokens,
			OutputTokens: res.Usage.OutputTokens, CostUSD: res.CostUSD, LatencyMS: res.Latency.Milliseconds()})
	}
	action, target := "agent.replied", a.ID.String()
	if convID != nil {
		target = convID.String()
	}
	if purpose == "preview" {
		action = "agent.previewed"
	}
	audit.Queue(ctx, b, tenantID, audit.Event{Action: action, TargetType: map[bool]string{true: "conversation", false: "agent"}[convID != nil],
		TargetID: target, Metadata: callsMeta(a, calls)})
}

type emptyReplyError struct{ model string }

func (e *emptyReplyError) Error() string { return "turns: " + e.model + " returned an empty reply" }

// callsMeta is what the audit trail says of a turn's model calls: never
// prompts, replies or keys.
func callsMeta(a *agents.Agent, calls []*llm.Result) map[string]any {
	var in, out int64
	var cost float64
	var latency time.Duration
	attempts := []map[string]any{}
	for _, res := range calls {
		in, out, cost, latency = in+res.Usage.InputTokens, out+res.Usage.OutputTokens, cost+res.CostUSD, latency+res.Latency
		for _, at := range res.Attempts {
			attempts = append(attempts, map[string]any{"model": at.Model, "key_source": at.KeySource, "ok": at.Error == "", "error": at.Error})
		}
	}
	last := calls[len(calls)-1]
	return map[string]any{"agent_id": a.ID.String(), "model": last.Model, "key_source": last.KeySource, "calls": len(calls),
		"input_tokens": in, "output_tokens": out, "cost_usd": cost, "latency_ms": latency.Milliseconds(), "attempts": attempts}
}

// deliver sends the reply's parts that have not been sent yet, recording
// each before the next. On Slack every part is an edit (chat.update, which is
// idempotent) of a slot message whose ts is known: the placeholder for the
// first part, a "…" continuation posted for each later one. On WhatsApp each
// part is sent with its text. Either way every message created at the
// provider is an outbound part with a durable intent (post).
func (w *Worker) deliver(ctx context.Context, t *turn) error {
	parts := Split(t.msg.Body, t.sender.MaxLen())
	d := &t.msg.Delivery
	for i := len(d.Parts); i < len(parts); i++ {
		ref, err := w.deliverPart(ctx, t, i, parts[i])
		if errors.Is(err, errAbandoned) {
			err = nil // unprovable: not sent again (flagged); go on with the rest
		}
		if err != nil {
			return err
		}
		d.Parts = append(d.Parts, ref)
		d.Throttled = 0
		externalID := ""
		if i == 0 {
			externalID = ref
		}
		if err := w.saveDelivery(ctx, t, externalID, i == len(parts)-1); err != nil {
			return err
		}
	}
	if t.msg.DeliveryState != conversations.StateDelivered {
		// Every part was recorded by an earlier attempt, but not the end.
		return w.saveDelivery(ctx, t, "", true)
	}
	return nil
}

// deliverPart sends part i and returns the provider's id of the message
// that carries it.
func (w *Worker) deliverPart(ctx context.Context, t *turn, i int, text string) (string, error) {
	d := &t.msg.Delivery
	if t.conn.Type == channels.Slack {
		ref := ""
		if i == 0 {
			ref = d.PlaceholderRef
		}
		if ref == "" {
			// The reply is known already: the slot shows "…" for the moment
			// between its post and its edit.
			var err error
			if ref, err = w.post(ctx, t, kindSlot, i, t.target, Continuation, false); err != nil {
				return "", err
			}
			if i == 0 {
				d.PlaceholderRef = ref
			}
		}
		return ref, t.sender.Update(ctx, t.target, ref, text)
	}
	target := t.target
	if i == 0 && len(t.pending) > 1 {
		// Several messages were answered at once: quote the last one.
		if last := t.pending[len(t.pending)-1].ExternalID; last != nil {
			target.ReplyTo = *last
		}
	}
	return w.post(ctx, t, kindReply, i, target, text, false)
}

// saveDelivery records delivery progress (and the message's channel id once
// its first part is sent, which WhatsApp status webhooks refer to). With the
// last part it also records the end of the turn in the same transaction:
// the reply delivered, the conversation's time, the reply's embedding.
//
// Each part's own record (outbound_parts) already says what was sent, so a
// lost save costs no duplicate; it is still retried for RecordFor while the
// database is unreachable (not bounded by the job's deadline), because a
// turn resumed from an older record waits for evidence it need not wait for.
func (w *Worker) saveDelivery(ctx context.Context, t *turn, externalID string, last bool) error {
	return w.persist(ctx, t.tenantID, "a sent message", func(ctx context.Context, tx store.Tx) error {
		return w.saveDeliveryTx(ctx, tx, t, externalID, last)
	})
}

// saveDeliveryTx records delivery progress in tx, and commits it.
func (w *Worker) saveDeliveryTx(ctx context.Context, tx store.Tx, t *turn, externalID string, last bool) error {
	var b store.Batch
	if err := w.queueDelivery(&b, t, externalID, last); err != nil {
		return err
	}
	if last && w.opts.Memory != nil {
		// The turn's memories: what the user said and, unless a person
		// takes over, what the agent answered, stored after the delivery
		// in the same batch (or, with an embedding service, one embed job:
		// River's insert is its own statement).
		said := make([]memory.Said, 0, len(t.pending)+1)
		for _, m := range t.pending {
			said = append(said, memory.Said{ID: m.ID, Text: m.Body})
		}
		if t.msg.Body != HandoverMessage {
			said = append(said, memory.Said{ID: t.msg.ID, Text: t.msg.Body})
		}
		if err := w.opts.Memory.QueueRemember(ctx, tx, &b, t.agent.ID, said); err != nil {
			return err
		}
	}
	return tx.SendAndCommit(ctx, &b)
}

// queueDelivery queues the write of the turn's delivery record (see
// saveDelivery); with the last part, the conversation's time and the
// reply.delivered event too.
func (w *Worker) queueDelivery(b *store.Batch, t *turn, externalID string, last bool) error {
	if externalID != "" {
		id := t.conn.ID.String() + ":" + externalID
		if t.conn.Type == channels.WhatsApp {
			id = externalID
		}
		t.msg.ExternalID = &id
	}
	if last {
		t.msg.DeliveryState = conversations.StateDelivered
	}
	conversations.QueueSaveDelivery(b, t.msg, externalID != "", last)
	if !last {
		return nil
	}
	conversations.QueueTouch(b, t.conv.ID)
	return events.Queue(b, replyDelivered(t))
}

// maxQuickRetries bounds the short-backoff repeats of an edit whose answer
// was lost before River's retries take over.
const maxQuickRetries = 6

// deliveryFailed classifies a channel error: rate limits snooze; a revoked
// credential marks the connection; other refusals end the turn.
func (w *Worker) deliveryFailed(ctx context.Context, t *turn, job *river.Job[Args], err error) error {
	var wait *evidenceWaitError
	if errors.As(err, &wait) {
		return river.JobSnooze(wait.wait)
	}
	var rl *channels.RateLimitedError
	if errors.As(err, &rl) || (channels.InDoubt(err) && t.msg.Delivery.Throttled < maxQuickRetries) {
		// Count consecutive throttles so a provider that never says how long
		// gets an exponential backoff, not a fixed wait. An edit whose answer
		// was lost (sends never get here in doubt: they wait for evidence) is
		// safe to repeat, and is, on the same short backoff rather than
		// River's (which grows to minutes by the third attempt).
		t.msg.Delivery.Throttled++
		_ = w.opts.Store.WithTenant(context.WithoutCancel(ctx), t.tenantID, func(ctx context.Context, tx store.Tx) error {
			var b store.Batch
			conversations.QueueSaveDelivery(&b, t.msg, false, false)
			return tx.SendAndCommit(ctx, &b)
		})
		var d time.Duration
		if rl != nil {
			d = throttled(rl, t.msg.Delivery.Throttled)
			w.opts.Log.InfoContext(ctx, "provider rate limit; the turn snoozes", "turn_id", t.msg.ID.String(), "channel", t.conn.Type,
				"retry_after", rl.RetryAfter.String(), "snooze", d.Round(time.Millisecond).String(), "consecutive", t.msg.Delivery.Throttled)
		} else {
			d = backoff(t.msg.Delivery.Throttled)
			w.opts.Log.WarnContext(ctx, "provider answer lost; the idempotent call is repeated", "turn_id", t.msg.ID.String(),
				"channel", t.conn.Type, "snooze", d.Round(time.Millisecond).String(), "err", err)
		}
		return river.JobSnooze(d)
	}
	var pe *channels.ProviderError
	if errors.As(err, &pe) && pe.Revoked {
		_ = w.opts.Store.WithTenant(context.WithoutCancel(ctx), t.tenantID, func(ctx context.Context, tx store.Tx) error {
			return channels.SetStatus(ctx, tx, t.conn.ID, channels.StatusRevoked, pe.Error())
		})
	}
	return w.fail(ctx, t, job, err, channels.Permanent(err))
}

// apologise tells the user the turn failed, where nothing of the reply was
// sent: in the Slack placeholder, else in a message of its own. It never
// waits for evidence: a send in doubt is not repeated (at most one apology).
func (w *Worker) apologise(ctx context.Context, t *turn) error {
	d := &t.msg.Delivery
	if len(d.Parts) > 0 {
		return nil
	}
	if t.conn.Type == channels.Slack {
		ref := d.PlaceholderRef
		if ref == "" {
			var err error
			if ref, err = w.post(ctx, t, kindSlot, 0, t.target, Placeholder, true); err != nil {
				return err
			}
		}
		return t.sender.Update(ctx, t.target, ref, Apology)
	}
	_, err := w.post(ctx, t, kindApology, 0, t.target, Apology, true)
	return err
}

// fail retries while attempts remain and the failure may pass; otherwise it
// apologises to the user where it still can, marks the turn failed, flags the
// conversation for the operator, and stops retrying.
func (w *Worker) fail(ctx context.Context, t *turn, job *river.Job[Args], cause error, permanent bool) error {
	var all *llm.AllFailedError
	var empty *emptyReplyError
	if errors.As(cause, &all) && all.Permanent() || errors.As(cause, &empty) {
		permanent = true
	}
	if !permanent && job.Attempt < job.MaxAttempts {
		w.opts.Log.WarnContext(ctx, "agent turn failed; will retry", "attempt", job.Attempt, "err", cause)
		return cause
	}
	w.opts.Log.ErrorContext(ctx, "agent turn failed", "attempt", job.Attempt, "err", cause)
	reason := cause.Error()
	if !channels.Permanent(cause) && t.sender != nil {
		// The channel still works: tell the user rather than leave them waiting.
		if err := w.apologise(ctx, t); err != nil {
			w.opts.Log.WarnContext(ctx, "apology not delivered", "err", err)
		}
	}
	err := w.opts.Store.WithTenant(context.WithoutCancel(ctx), t.tenantID, func(ctx context.Context, tx store.Tx) error {
		t.msg.DeliveryState, t.msg.Delivery.Error = conversations.StateFailed, Truncate(reason, 1000)
		if t.msg.Body == "" {
			t.msg.Body = Apology
		}
		var b store.Batch
		conversations.QueueSaveReply(&b, t.msg)
		conversations.QueueFlag(&b, t.conv.ID, "The agent could not answer. "+Truncate(llm.Explain(cause), 300))
		if err := events.Queue(&b, events.TurnFailed{ConversationID: t.conv.ID, MessageID: t.msg.ID, AgentID: t.agent.ID, Attempt: job.Attempt}); err != nil {
			return err
		}
		audit.Queue(ctx, &b, t.tenantID, audit.Event{Action: "turn.failed", TargetType: "conversation", TargetID: t.conv.ID.String(),
			Metadata: map[string]any{"reason": Truncate(reason, 1000), "attempt": job.Attempt}})
		return tx.SendAndCommit(ctx, &b)
	})
	if err != nil {
		return err
	}
	return river.JobCancel(fmt.Errorf("turn failed for good: %w", cause))
}

// replyDelivered is the reply.delivered event of a delivered turn.
func replyDelivered(t *turn) events.ReplyDelivered {
	answered := make([]uuid.UUID, len(t.pending))
	for i, m := range t.pending {
		answered[i] = m.ID
	}
	return events.ReplyDelivered{ConversationID: t.conv.ID, MessageID: t.msg.ID, AgentID: t.agent.ID, ConnectionID: t.conn.ID,
		ChannelType: t.conn.Type, Text: t.msg.Body, Parts: len(t.msg.Delivery.Parts), InReplyTo: answered}
}

package turns

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/llm"
	"github.com/konstruct/konstruct/api/store"
	"github.com/konstruct/konstruct/api/tools"
)

// Tool calls run at most once. A turn records each round of calls the model
// asks for before running any of them, marks each call as started before it
// runs and records its outcome (and audits it, in the same transaction)
// before the next model call. A retried turn replays the recorded rounds —
// the model's calls and their results — and asks the model only for what
// comes after, so nothing runs twice. A call that started but whose end was
// never recorded (the worker died) is not run again when it reaches outside
// Konstruct (an HTTP tool): the model is told its outcome is unknown, and it
// is audited as such. HTTP tools send the call's id as Idempotency-Key.

// Tool call states.
const (
	callRequested = "requested" // recorded, not started
	callRunning   = "running"   // started; its outcome is unknown until done
	callDone      = "done"
)

// toolCall is one call the model asked for, as a turn records it.
type toolCall struct {
	ID       uuid.UUID // durable: the Idempotency-Key of HTTP tools
	Round    int
	Position int
	Call     llm.ToolCall
	State    string
	Result   tools.Call
}

// toolRound is one model answer that called tools.
type toolRound struct {
	Text  string // what the model wrote with its calls
	Calls []*toolCall
}

// journal keeps a turn's tool rounds.
type journal interface {
	// resume returns the rounds recorded by earlier attempts, in order.
	resume(ctx context.Context) ([]*toolRound, error)
	// asked records a round before any of its calls runs.
	asked(ctx context.Context, r *toolRound) error
	// started records that a call is about to run.
	started(ctx context.Context, c *toolCall) error
	// finished records a call's outcome and audits it, once.
	finished(ctx context.Context, c *toolCall) error
}

// toolCallRow is a tool_calls row.
type toolCallRow struct {
	bun.BaseModel `bun:"table:tool_calls"`

	ID              uuid.UUID  `bun:"id,pk"`
	TenantID        uuid.UUID  `bun:"tenant_id"`
	MessageID       uuid.UUID  `bun:"message_id"`
	Round           int        `bun:"round"`
	Position        int        `bun:"position"`
	CallID          string     `bun:"call_id"`
	Name            string     `bun:"name"`
	Arguments       string     `bun:"arguments"`
	ArgumentsDigest string     `bun:"arguments_digest"`
	Said            string     `bun:"said"`
	State           string     `bun:"state"`
	OK              *bool      `bun:"ok"`
	Output          *string    `bun:"output"`
	Failure         *string    `bun:"failure"`
	HTTPStatus      *int       `bun:"http_status"`
	DurationMS      *int64     `bun:"duration_ms"`
	StartedAt       *time.Time `bun:"started_at"`
	FinishedAt      *time.Time `bun:"finished_at"`
}

// turnJournal records a turn's tool calls in tool_calls, under the turn's
// record (its assistant message), and audits them against the conversation.
type turnJournal struct {
	store    *store.Store
	tenantID uuid.UUID
	msgID    uuid.UUID
	convID   uuid.UUID
}

func (j *turnJournal) resume(ctx context.Context) ([]*toolRound, error) {
	var rows []toolCallRow
	err := j.store.WithTenant(ctx, j.tenantID, func(ctx context.Context, tx store.Tx) error {
		return tx.NewSelect().Model(&rows).Where("message_id = ?", j.msgID).OrderExpr("round, position").Scan(ctx)
	})
	if err != nil {
		return nil, err
	}
	var rounds []*toolRound
	for _, r := range rows {
		if r.Position == 0 {
			rounds = append(rounds, &toolRound{Text: r.Said})
		}
		c := &toolCall{ID: r.ID, Round: r.Round, Position: r.Position, State: r.State,
			Call: llm.ToolCall{ID: r.CallID, Name: r.Name, Arguments: []byte(r.Arguments)}}
		c.Result = tools.Call{Name: r.Name, Arguments: c.Call.Arguments}
		if r.State == callDone {
			c.Result.OK, c.Result.Output = deref(r.OK), deref(r.Output)
			c.Result.Failure, c.Result.HTTPStatus = deref(r.Failure), deref(r.HTTPStatus)
			c.Result.Duration = time.Duration(deref(r.DurationMS)) * time.Millisecond
		}
		last := rounds[len(rounds)-1]
		last.Calls = append(last.Calls, c)
	}
	return rounds, nil
}

func (j *turnJournal) asked(ctx context.Context, r *toolRound) error {
	rows := make([]toolCallRow, len(r.Calls))
	for i, c := range r.Calls {
		rows[i] = toolCallRow{ID: c.ID, TenantID: j.tenantID, MessageID: j.msgID, Round: c.Round, Position: c.Position,
			CallID: c.Call.ID, Name: c.Call.Name, Arguments: string(c.Call.Arguments), ArgumentsDigest: digest(c.Call.Arguments),
			State: callRequested}
		if i == 0 {
			rows[i].Said = r.Text
		}
	}
	return j.store.WithTenant(ctx, j.tenantID, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.NewInsert().Model(&rows).Exec(ctx)
		return err
	})
}

func (j *turnJournal) started(ctx context.Context, c *toolCall) error {
	return j.store.WithTenant(ctx, j.tenantID, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE tool_calls SET state = ?, started_at = now() WHERE id = ?", callRunning, c.ID)
		return err
	})
}

func (j *turnJournal) finished(ctx context.Context, c *toolCall) error {
	// The call has run: record it even if the turn's context has ended, or a
	// retry would find it running and report its outcome as unknown.
	return j.store.WithTenant(context.WithoutCancel(ctx), j.tenantID, func(ctx context.Context, tx store.Tx) error {
		r := c.Result
		res, err := tx.ExecContext(ctx, `UPDATE tool_calls SET state = ?, ok = ?, output = ?, failure = nullif(?, ''), http_status = nullif(?, 0),
			duration_ms = ?, finished_at = now() WHERE id = ? AND state <> ?`,
			callDone, r.OK, r.Output, r.Failure, r.HTTPStatus, r.Duration.Milliseconds(), c.ID, callDone)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // recorded (and audited) already
		}
		c.State = callDone
		return audit.Record(ctx, tx, toolEvent("conversation", j.convID.String(), c))
	})
}

// previewJournal keeps nothing (a preview is never retried) but audits each
// call as it ends, against the agent.
type previewJournal struct {
	store    *store.Store
	tenantID uuid.UUID
	agentID  uuid.UUID
}

func (previewJournal) resume(context.Context) ([]*toolRound, error) { return nil, nil }
func (previewJournal) asked(context.Context, *toolRound) error      { return nil }
func (previewJournal) started(context.Context, *toolCall) error     { return nil }

func (j previewJournal) finished(ctx context.Context, c *toolCall) error {
	c.State = callDone
	return j.store.WithTenant(context.WithoutCancel(ctx), j.tenantID, func(ctx context.Context, tx store.Tx) error {
		return audit.Record(ctx, tx, toolEvent("agent", j.agentID.String(), c))
	})
}

// toolEvent audits a tool call: the tool, the outcome and its kind of
// failure, timing. Never the arguments, the output or an error's text: they
// can quote what the user said.
func toolEvent(targetType, targetID string, c *toolCall) audit.Event {
	r := c.Result
	outcome := "ok"
	switch {
	case r.Failure == tools.FailOutcomeUnknown:
		outcome = "unknown"
	case !r.OK:
		outcome = "error"
	}
	meta := map[string]any{"tool": c.Call.Name, "ok": r.OK, "outcome": outcome, "duration_ms": r.Duration.Milliseconds(),
		"round": c.Round, "call_id": c.ID.String()}
	if r.Failure != "" {
		meta["failure"] = r.Failure
	}
	if r.HTTPStatus != 0 {
		meta["http_status"] = r.HTTPStatus
	}
	return audit.Event{Action: "tool.called", TargetType: targetType, TargetID: targetID, Metadata: meta}
}

// runCall runs a recorded call unless an earlier attempt did: a finished
// call is replayed, an interrupted one that reaches outside Konstruct is
// reported to the model as of unknown outcome, anything else runs now.
func runCall(ctx context.Context, set *tools.Set, j journal, c *toolCall) error {
	switch {
	case c.State == callDone:
		set.Restore(c.Call, c.Result)
		return nil
	case c.State == callRunning && set.External(c.Call.Name):
		c.Result = tools.Call{Name: c.Call.Name, Arguments: c.Call.Arguments, Failure: tools.FailOutcomeUnknown,
			Output: "error: this call was interrupted before its result was recorded. It may or may not have taken effect, " +
				"and it was not repeated. Do not assume it succeeded; tell the person if it matters."}
		return j.finished(ctx, c)
	}
	if err := j.started(ctx, c); err != nil {
		return err
	}
	c.Result = set.Run(ctx, c.ID.String(), c.Call)
	return j.finished(ctx, c)
}

// digest fingerprints a call's arguments, so calls can be compared (across
// attempts, by an operator) without reading them.
func digest(args []byte) string {
	sum := sha256.Sum256(args)
	return hex.EncodeToString(sum[:])
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

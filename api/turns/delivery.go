package turns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/channels"
	"github.com/konstruct/konstruct/api/conversations"
	"github.com/konstruct/konstruct/api/store"
)

// Every message Konstruct creates at a provider is an outbound part with a
// durable intent: a row written and committed before the provider is called,
// whose id travels with the send as evidence key. See
// docs/channels-and-turns.md ("Exactly one reply") for the whole argument.
//
// Kinds of parts:
const (
	// kindSlot is a Slack message Konstruct creates only to edit it: the
	// "Thinking…" placeholder (seq 0) and one continuation per later part of
	// a long reply (seq ≥ 1). Reply text reaches Slack only through
	// chat.update of a slot whose ts is known, which is idempotent, so a
	// reply is never visible twice whatever happens to the posts.
	kindSlot = "slot"
	// kindReply is a WhatsApp reply part, sent with its text (WhatsApp
	// cannot edit).
	kindReply = "reply"
	// kindApology is the apology of a failed turn where no slot exists.
	kindApology = "apology"
)

// States of a part.
const (
	partSending   = "sending"   // the provider may be being called; found so later, the outcome is unknown
	partInDoubt   = "in_doubt"  // the outcome is unknown; evidence awaited since doubt_since
	partUnsent    = "unsent"    // the provider certainly did not take it (refused, throttled, unreachable)
	partSent      = "sent"      // provider_ref is known
	partAbandoned = "abandoned" // unprovable either way: resolved toward at most one copy, turn flagged
)

// Default waits; WorkerOpts overrides them.
const (
	// DefaultEvidenceWait is how long an in-doubt WhatsApp part waits for
	// Meta's status webhook before it counts as not sent.
	DefaultEvidenceWait = time.Minute
	// slotEvidenceWait caps the wait for an in-doubt Slack slot: guessing
	// wrong there costs a stray "…" message, never a second reply.
	slotEvidenceWait = 15 * time.Second
	// DefaultRecordFor is how long recording what was sent is retried while
	// the database is unreachable. It does not depend on the job's deadline
	// (JOB_RESCUE_AFTER): an unrecorded send would otherwise cost the user an
	// evidence wait.
	DefaultRecordFor = 2 * time.Minute
	// evidencePoll is how often an in-doubt part looks for its evidence.
	evidencePoll = time.Second
	// statusesFlowWithin: WhatsApp's silence about an in-doubt part counts
	// as evidence it was not sent only when the number's status webhooks
	// have been arriving (a status of any part within this time).
	statusesFlowWithin = 24 * time.Hour
)

// outboundPart is a row of outbound_parts.
type outboundPart struct {
	bun.BaseModel `bun:"table:outbound_parts"`

	ID           uuid.UUID  `bun:"id,pk"`
	TenantID     uuid.UUID  `bun:"tenant_id"`
	MessageID    uuid.UUID  `bun:"message_id"`
	ConnectionID uuid.UUID  `bun:"connection_id"`
	Kind         string     `bun:"kind"`
	Seq          int        `bun:"seq"`
	State        string     `bun:"state"`
	Attempts     int        `bun:"attempts"`
	ProviderRef  *string    `bun:"provider_ref"`
	Evidence     string     `bun:"evidence"`
	AttemptedAt  time.Time  `bun:"attempted_at"`
	DoubtSince   *time.Time `bun:"doubt_since"`
}

// evidenceWaitError asks the job to snooze while an in-doubt part waits for
// the provider's evidence.
type evidenceWaitError struct {
	wait time.Duration
	part uuid.UUID
}

func (e *evidenceWaitError) Error() string {
	return fmt.Sprintf("turns: part %s awaits delivery evidence (%s)", e.part, e.wait)
}

// errAbandoned means a part was resolved toward at most one copy without
// proof that it was sent.
var errAbandoned = errors.New("turns: the part's delivery could not be proven; it is not sent again")

// post sends text as the turn's outbound part (kind, seq), exactly once as
// far as the provider's evidence can show: the intent is committed first; a
// part already sent returns its provider id; a part whose last attempt is in
// doubt waits for evidence (evidenceWaitError) and is sent again only when
// none came and silence is itself evidence. once makes any doubt final (the
// apology of a failing turn does not wait).
func (w *Worker) post(ctx context.Context, t *turn, kind string, seq int, target channels.Target, text string, once bool) (string, error) {
	p, fresh, err := t.takeWritten(kind, seq)
	if p == nil {
		p, fresh, err = w.intent(ctx, t, kind, seq)
	}
	if err != nil {
		return "", err
	}
	if !fresh {
		ref, err := w.settle(ctx, t, p, once)
		if ref != "" || err != nil {
			return ref, err
		}
	}
	target.Evidence = p.ID.String()
	ref, sendErr := t.sender.Post(ctx, target, text)
	err = w.outcome(ctx, t, p, ref, sendErr, once)
	if sendErr != nil {
		return "", err
	}
	return ref, err
}

// settle decides what to do with a part an earlier attempt wrote: its
// provider id when it was sent, an evidenceWaitError while its outcome is
// in doubt, errAbandoned when it cannot be proven; ("", nil) when this run
// has claimed it for a new attempt and must send it.
func (w *Worker) settle(ctx context.Context, t *turn, p *outboundPart, once bool) (string, error) {
	for {
		if p.ProviderRef != nil {
			if p.State != partSent {
				// Evidence came for an attempt whose answer we never saw.
				w.resolve(ctx, t, p)
			}
			return *p.ProviderRef, nil
		}
		var err error
		switch p.State {
		case partAbandoned:
			return "", errAbandoned
		case partSending:
			// Found mid-send by a later run: the process died during the
			// call, or could not record its outcome.
			if p, err = w.markInDoubt(ctx, t, p); err != nil {
				return "", err
			}
			continue
		case partUnsent:
			return "", w.retake(ctx, t, p)
		}
		return "", w.inDoubt(ctx, t, p, once)
	}
}

// inDoubt waits for the evidence of an in-doubt part, then decides: sent
// again (claimed for a new attempt: nil) when silence is itself evidence,
// else abandoned toward at most one copy.
func (w *Worker) inDoubt(ctx context.Context, t *turn, p *outboundPart, once bool) error {
	if once {
		return w.abandon(ctx, t, p, "its outcome was unknown and a failing turn does not wait for evidence")
	}
	waited := time.Since(*p.DoubtSince)
	if left := w.evidenceWait(p.Kind) - waited; left > 0 {
		return &evidenceWaitError{wait: min(left, evidencePoll), part: p.ID}
	}
	if p.Kind == kindReply {
		flowing, err := w.statusesFlow(ctx, t)
		if err != nil {
			return err
		}
		if !flowing {
			return w.abandon(ctx, t, p, "WhatsApp sent no status for it, and no status webhook of this number arrived lately, so silence proves nothing")
		}
	}
	if err := w.retake(ctx, t, p); err != nil {
		return err
	}
	w.counted(ctx, t, p, "resent_without_evidence", slog.LevelWarn, "in-doubt part resolved: no evidence it went out; sending it again",
		"waited", waited.Round(time.Millisecond).String())
	return nil
}

// retake claims an unsent or in-doubt part for a new attempt; an
// evidenceWaitError when another run took it meanwhile.
func (w *Worker) retake(ctx context.Context, t *turn, p *outboundPart) error {
	fresh, err := w.claimPart(ctx, t, p)
	if err == nil && !fresh {
		err = &evidenceWaitError{wait: evidencePoll, part: p.ID}
	}
	return err
}

// outcome records what the provider answered to a send of p: its id
// (sent, with the turn's onSent in the same round trip), a doubt (then
// evidence is awaited), or a refusal (safe to send again).
func (w *Worker) outcome(ctx context.Context, t *turn, p *outboundPart, ref string, sendErr error, once bool) error {
	switch {
	case sendErr == nil:
		also := t.onSent
		t.onSent = nil
		return w.persist(ctx, t.tenantID, "a sent part", func(ctx context.Context, tx store.Tx) error {
			var b store.Batch
			b.Queue(sentSQL, p.ID, ref, p.MessageID)
			if also != nil {
				if err := also(&b, ref); err != nil {
					return err
				}
			}
			return tx.SendAndCommit(ctx, &b)
		})
	case channels.InDoubt(sendErr):
		if err := w.persist(ctx, t.tenantID, "an in-doubt part", func(ctx context.Context, tx store.Tx) error {
			_, err := tx.NewUpdate().Model((*outboundPart)(nil)).Where("id = ? AND state = ?", p.ID, partSending).
				Set("state = ?", partInDoubt).Set("doubt_since = now()").Exec(ctx)
			return err
		}); err != nil {
			return err
		}
		w.counted(ctx, t, p, "in_doubt", slog.LevelWarn, "part in doubt: the provider may have it; awaiting its evidence", "err", sendErr)
		if once {
			return w.abandon(ctx, t, p, "its outcome was unknown and a failing turn does not wait for evidence")
		}
		return &evidenceWaitError{wait: evidencePoll, part: p.ID}
	default:
		// Nothing reached the provider, or it refused: safe to send again.
		// Left "sending" if this cannot be recorded: a later run then treats
		// it as in doubt, which costs time, never a duplicate.
		_ = w.persist(ctx, t.tenantID, "an unsent part", func(ctx context.Context, tx store.Tx) error {
			_, err := tx.NewUpdate().Model((*outboundPart)(nil)).Where("id = ? AND state = ?", p.ID, partSending).
				Set("state = ?", partUnsent).Exec(ctx)
			return err
		})
		return sendErr
	}
}

// firstIntent writes, in the claim's transaction, the intent of the turn's
// first send where it is known in advance: the Slack placeholder slot. It
// is committed with the turn's record, before anything is sent, and saves
// the turn a transaction of its own. A later run finds it "sending" like any
// intent whose send may have happened.
func (w *Worker) firstIntent(b *store.Batch, t *turn) {
	if t.conn.Type != channels.Slack {
		return
	}
	p := &outboundPart{ID: uuid.Must(uuid.NewV7()), TenantID: t.tenantID, MessageID: t.msg.ID, ConnectionID: t.conn.ID,
		Kind: kindSlot, Seq: 0, State: partSending, Attempts: 1}
	b.Queue(insertIntentSQL, p.ID, p.TenantID, p.MessageID, p.ConnectionID, p.Kind, p.Seq, p.State, p.Attempts).
		QueryRow(func(row pgx.Row) error { return row.Scan(&p.AttemptedAt) })
	t.written = p
}

const insertIntentSQL = `INSERT INTO outbound_parts (id, tenant_id, message_id, connection_id, kind, seq, state, attempts)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING attempted_at`

// sentSQL records the provider's answer to a send. It names the part's
// message as well as its id: every index of outbound_parts leads with
// tenant_id, and a generic plan made before the table had statistics may
// take any of them; with the message, the unique key reads only that
// message's parts (migration 00025).
const sentSQL = `UPDATE outbound_parts SET state = 'sent', provider_ref = coalesce(provider_ref, $2), evidence = 'response',
	doubt_since = NULL WHERE id = $1 AND message_id = $3`

// takeWritten hands the run's own committed intent (firstIntent) to the send it is for, once.
func (t *turn) takeWritten(kind string, seq int) (*outboundPart, bool, error) {
	p := t.written
	if p == nil || p.Kind != kind || p.Seq != seq {
		return nil, false, nil
	}
	t.written = nil
	return p, true, nil
}

// intent loads the part, or writes its intent (state sending) and commits it
// before anything is sent; fresh is true when this call created it.
func (w *Worker) intent(ctx context.Context, t *turn, kind string, seq int) (p *outboundPart, fresh bool, err error) {
	err = w.opts.Store.WithTenant(ctx, t.tenantID, func(ctx context.Context, tx store.Tx) error {
		p = &outboundPart{ID: uuid.Must(uuid.NewV7()), TenantID: t.tenantID, MessageID: t.msg.ID, ConnectionID: t.conn.ID,
			Kind: kind, Seq: seq, State: partSending, Attempts: 1}
		res, err := tx.NewInsert().Model(p).Column("id", "tenant_id", "message_id", "connection_id", "kind", "seq", "state", "attempts").
			On("CONFLICT (tenant_id, message_id, kind, seq) DO NOTHING").Returning("attempted_at").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			fresh = true
			return nil
		}
		*p = outboundPart{}
		return tx.NewSelect().Model(p).Where("message_id = ? AND kind = ? AND seq = ?", t.msg.ID, kind, seq).Scan(ctx)
	})
	return p, fresh, err
}

// markInDoubt moves a part found "sending" to in doubt, from now: the
// evidence wait counts from when a working run first saw the doubt.
func (w *Worker) markInDoubt(ctx context.Context, t *turn, p *outboundPart) (*outboundPart, error) {
	err := w.opts.Store.WithTenant(ctx, t.tenantID, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.NewUpdate().Model((*outboundPart)(nil)).Where("id = ? AND state = ? AND attempts = ?", p.ID, partSending, p.Attempts).
			Set("state = ?", partInDoubt).Set("doubt_since = now()").Exec(ctx); err != nil {
			return err
		}
		return tx.NewSelect().Model(p).WherePK().Scan(ctx)
	})
	if err == nil && p.State == partInDoubt {
		w.counted(ctx, t, p, "in_doubt", slog.LevelWarn, "part in doubt: a run ended while sending it; awaiting the provider's evidence")
	}
	return p, err
}

// claimPart takes an unsent or in-doubt part for a new attempt; false when
// another run took it (or evidence arrived) meanwhile.
func (w *Worker) claimPart(ctx context.Context, t *turn, p *outboundPart) (bool, error) {
	var n int64
	err := w.opts.Store.WithTenant(ctx, t.tenantID, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.NewUpdate().Model((*outboundPart)(nil)).
			Where("id = ? AND state IN (?, ?) AND provider_ref IS NULL AND attempts = ?", p.ID, partUnsent, partInDoubt, p.Attempts).
			Set("state = ?", partSending).Set("attempts = attempts + 1").Set("attempted_at = now()").Set("doubt_since = NULL").Exec(ctx)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	if err == nil && n == 1 {
		p.State, p.Attempts = partSending, p.Attempts+1
	}
	return n == 1, err
}

// resolve records that evidence settled an in-doubt part as sent: the
// duplicate a blind retry would have made is suppressed.
func (w *Worker) resolve(ctx context.Context, t *turn, p *outboundPart) {
	_ = w.opts.Store.WithTenant(context.WithoutCancel(ctx), t.tenantID, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.NewUpdate().Model((*outboundPart)(nil)).Where("id = ?", p.ID).Set("state = ?", partSent).Set("doubt_since = NULL").Exec(ctx)
		return err
	})
	w.counted(ctx, t, p, "duplicate_suppressed", slog.LevelInfo, "in-doubt part resolved: the provider's evidence shows it went out; duplicate suppressed", "evidence", p.Evidence, "provider_ref", *p.ProviderRef)
}

// abandon resolves an unprovable part toward at most one copy: it is not
// sent again, and the conversation is flagged for the operator with why.
func (w *Worker) abandon(ctx context.Context, t *turn, p *outboundPart, why string) error {
	reason := fmt.Sprintf("A reply part may not have reached the user (part %d): %s.", p.Seq+1, why)
	err := w.persist(ctx, t.tenantID, "an abandoned part", func(ctx context.Context, tx store.Tx) error {
		res, err := tx.NewUpdate().Model((*outboundPart)(nil)).Where("id = ? AND provider_ref IS NULL AND state <> ?", p.ID, partSent).
			Set("state = ?", partAbandoned).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // evidence arrived meanwhile
		}
		var b store.Batch
		conversations.QueueFlag(&b, t.conv.ID, reason)
		audit.Queue(ctx, &b, t.tenantID, audit.Event{Action: "turn.delivery_unproven", TargetType: "conversation", TargetID: t.conv.ID.String(),
			Metadata: map[string]any{"message_id": t.msg.ID.String(), "part_id": p.ID.String(), "kind": p.Kind, "seq": p.Seq, "reason": why}})
		return tx.SendAndCommit(ctx, &b)
	})
	if err != nil {
		return err
	}
	w.counted(ctx, t, p, "abandoned", slog.LevelError, "in-doubt part resolved toward at most one copy: not sent again; conversation flagged", "reason", why)
	return errAbandoned
}

// statusesFlow reports whether the number's status webhooks arrived lately,
// which makes WhatsApp's silence about a part evidence that it was not sent.
func (w *Worker) statusesFlow(ctx context.Context, t *turn) (bool, error) {
	var flowing bool
	err := w.opts.Store.WithTenant(ctx, t.tenantID, func(ctx context.Context, tx store.Tx) error {
		return tx.NewRaw(`SELECT EXISTS (SELECT 1 FROM outbound_parts WHERE connection_id = ? AND status_at > now() - ?::interval)`,
			t.conn.ID, fmt.Sprintf("%d seconds", int(statusesFlowWithin.Seconds()))).Scan(ctx, &flowing)
	})
	return flowing, err
}

func (w *Worker) evidenceWait(kind string) time.Duration {
	wait := w.opts.EvidenceWait
	if wait <= 0 {
		wait = DefaultEvidenceWait
	}
	if kind == kindSlot {
		wait = min(wait, slotEvidenceWait)
	}
	return wait
}

// counted logs a delivery event with the turn and part ids and counts it.
func (w *Worker) counted(ctx context.Context, t *turn, p *outboundPart, outcome string, level slog.Level, msg string, attrs ...any) {
	attrs = append([]any{"turn_id", t.msg.ID.String(), "part_id", p.ID.String(), "kind", p.Kind, "seq", p.Seq,
		"attempts", p.Attempts, "channel", t.conn.Type}, attrs...)
	w.opts.Log.Log(ctx, level, msg, attrs...)
	if w.opts.Metrics != nil {
		w.opts.Metrics.DeliveryParts.WithLabelValues(t.conn.Type, outcome).Inc()
	}
}

// persist runs a write that records what was sent, retrying while the
// database is unreachable for up to RecordFor — a budget of its own, not the
// job's deadline — because an unrecorded send costs the user an evidence wait.
func (w *Worker) persist(ctx context.Context, tenantID uuid.UUID, what string, fn func(ctx context.Context, tx store.Tx) error) error {
	budget := w.opts.RecordFor
	if budget <= 0 {
		budget = DefaultRecordFor
	}
	deadline := time.Now().Add(budget)
	ctx = context.WithoutCancel(ctx)
	wait := 100 * time.Millisecond
	for {
		err := w.opts.Store.WithTenant(ctx, tenantID, fn)
		if err == nil || time.Now().Add(wait).After(deadline) {
			return err
		}
		w.opts.Log.WarnContext(ctx, "recording "+what+" failed; retrying", "err", err)
		time.Sleep(wait)
		wait = min(2*wait, 2*time.Second)
	}
}

// throttled is how long to snooze after a 429: the provider's Retry-After
// (with up to 10 % jitter, so throttled turns do not return in one burst),
// or, when it did not say, an exponential backoff from one second with full
// jitter over the turn's consecutive throttles.
func throttled(rl *channels.RateLimitedError, consecutive int) time.Duration {
	if rl.RetryAfter > 0 {
		return rl.RetryAfter + time.Duration(rand.Int64N(int64(rl.RetryAfter)/10+1))
	}
	return backoff(consecutive)
}

// backoff is 1 s × 2^(n−1), capped at two minutes, jittered to between half
// and one and a half times that.
func backoff(n int) time.Duration {
	base := time.Second << min(max(n-1, 0), 7)
	base = min(base, 2*time.Minute)
	return base/2 + time.Duration(rand.Int64N(int64(base)))
}

package turns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/konstruct/konstruct/api/agents"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/channels"
	"github.com/konstruct/konstruct/api/conversations"
	"github.com/konstruct/konstruct/api/events"
	"github.com/konstruct/konstruct/api/store"
)

// escalate hands a conversation to a person inside tx: it stops the agent
// (status escalated), records why, and queues the notice to the human target.
func escalate(ctx context.Context, tx store.Tx, t *turn, reason string) error {
	if _, err := tx.InsertJob(ctx, HandoverArgs{TenantID: t.tenantID, ConversationID: t.conv.ID, AgentID: t.agent.ID}, nil); err != nil {
		return err
	}
	var b store.Batch
	conversations.QueueEscalate(&b, t.conv.ID, Truncate(reason, 500))
	if err := events.Queue(&b, events.ConversationHandedOver{ConversationID: t.conv.ID, AgentID: t.agent.ID, Reason: Truncate(reason, 500)}); err != nil {
		return err
	}
	audit.Queue(ctx, &b, t.tenantID, audit.Event{Action: "conversation.escalated", TargetType: "conversation", TargetID: t.conv.ID.String(),
		Metadata: map[string]any{"reason": Truncate(reason, 500), "agent_id": t.agent.ID.String()}})
	return tx.SendAndCommit(ctx, &b)
}

// HandoverArgs notifies the agent's escalation target of a hand-over.
type HandoverArgs struct {
	TenantID       uuid.UUID `json:"tenant_id"`
	ConversationID uuid.UUID `json:"conversation_id"`
	AgentID        uuid.UUID `json:"agent_id"`
}

// Kind is the job's stable name.
func (HandoverArgs) Kind() string { return "conversation.handover_notify" }

// HandoverWorker tells the human target, through the tenant's Slack.
type HandoverWorker struct {
	river.WorkerDefaults[HandoverArgs]
	Store     *store.Store
	Providers *channels.Providers
	PublicURL string
	Log       *slog.Logger
}

// Work sends the notice to a Slack user (as a DM) or a Slack channel. With no
// target or no Slack connection, the hand-over is recorded as unnotified: the
// portal's escalated list still shows it.
func (w *HandoverWorker) Work(ctx context.Context, job *river.Job[HandoverArgs]) error {
	var conv conversations.Conversation
	var agent *agents.Agent
	var slack *channels.Connection
	err := w.Store.WithTenant(ctx, job.Args.TenantID, func(ctx context.Context, tx store.Tx) (err error) {
		if err := conversations.Load(ctx, tx, job.Args.ConversationID, &conv); err != nil {
			return err
		}
		if agent, err = agents.Load(ctx, tx, job.Args.AgentID, false); err != nil {
			return err
		}
		slack, err = channels.LatestActive(ctx, tx, channels.Slack)
		return err
	})
	if err != nil {
		return err
	}
	target := agent.EscalationTarget
	if target == nil || slack == nil {
		return w.Store.WithTenant(ctx, job.Args.TenantID, func(ctx context.Context, tx store.Tx) error {
			why := "no escalation target is set on the agent"
			if target != nil {
				why = "the tenant has no connected Slack workspace"
			}
			return audit.Record(ctx, tx, audit.Event{Action: "conversation.handover_unnotified", TargetType: "conversation",
				TargetID: conv.ID.String(), Metadata: map[string]any{"why": why}})
		})
	}
	sender, err := w.Providers.SenderFor(slack)
	if err != nil {
		return river.JobCancel(err)
	}
	who := conv.ParticipantName
	if who == "" {
		who = conv.ParticipantID
	}
	text := fmt.Sprintf("🙋 A conversation needs a person: %s on %s.\nReason: %s\nAnswer in Konstruct: %s/conversations/%s",
		who, conv.ChannelType, conv.EscalationReason, w.PublicURL, conv.ID)
	if target.Type == "slack_user" {
		dm, ok := sender.(channels.DirectMessenger)
		if !ok {
			return river.JobCancel(errors.New("turns: the Slack sender cannot send direct messages"))
		}
		_, err = dm.DirectMessage(ctx, target.ID, text)
	} else {
		_, err = sender.Post(ctx, channels.Target{Channel: target.ID}, text)
	}
	var rl *channels.RateLimitedError
	switch {
	case errors.As(err, &rl):
		return river.JobSnooze(rl.RetryAfter)
	case err != nil && channels.Permanent(err):
		w.Log.WarnContext(ctx, "hand-over notice refused", "err", err)
		return river.JobCancel(err)
	case err != nil:
		return err
	}
	return w.Store.WithTenant(ctx, job.Args.TenantID, func(ctx context.Context, tx store.Tx) error {
		return audit.Record(ctx, tx, audit.Event{Action: "conversation.handover_notified", TargetType: "conversation", TargetID: conv.ID.String(),
			Metadata: map[string]any{"target_type": target.Type, "target_id": target.ID}})
	})
}

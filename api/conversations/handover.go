package conversations

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/channels"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/events"
	"github.com/konstruct/konstruct/api/memory"
	"github.com/konstruct/konstruct/api/store"
)

// Release ends a hand-over (owners and admins): the agent answers again.
func (s *Service) Release(ctx context.Context, tenantID, id uuid.UUID) (*Conversation, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	c := &Conversation{}
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		if err := Load(ctx, tx, id, c); err != nil {
			return err
		}
		if c.Status != StatusEscalated {
			return nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE conversations SET status = 'active' WHERE id = ?", id); err != nil {
			return err
		}
		c.Status = StatusActive
		if err := events.Record(ctx, tx, events.ConversationReleased{ConversationID: id}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "conversation.released", TargetType: "conversation", TargetID: id.String()})
	})
	return c, err
}

// HumanReply sends an operator's message to the chat user of a handed-over
// conversation (any member), through the conversation's channel and thread,
// signed with the operator's name, and keeps it as a human message.
func (s *Service) HumanReply(ctx context.Context, tenantID, id uuid.UUID, text string) (*Message, error) {
	g, err := s.guard.Tenant(ctx, tenantID, access.RoleMember)
	if err != nil {
		return nil, err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, errs.Field("body.text", "must not be blank")
	}
	c := &Conversation{}
	var conn *channels.Connection
	err = s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) (err error) {
		if err := Load(ctx, tx, id, c); err != nil {
			return err
		}
		if c.Status != StatusEscalated {
			return errs.E(errs.Conflict, "The agent is handling this conversation; people answer only while it is handed over.")
		}
		conn, err = channels.Load(ctx, tx, c.ConnectionID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if conn.Status != channels.StatusActive {
		return nil, errs.E(errs.Conflict, "The channel of this conversation is %s; it cannot send.", conn.Status)
	}
	sender, err := s.providers.SenderFor(conn)
	if err != nil {
		return nil, err
	}
	signed := "*" + operatorName(g.Principal) + "* (team): " + text
	ref, err := sender.Post(ctx, channels.Target{Channel: c.ChannelRef, Thread: c.ThreadRef}, signed)
	if err != nil {
		return nil, channels.ProviderProblem(err)
	}
	author := g.Principal.ActorID()
	externalID := ref
	if conn.Type == channels.Slack {
		externalID = conn.ID.String() + ":" + ref
	}
	m := &Message{ID: uuid.Must(uuid.NewV7()), TenantID: tenantID, ConversationID: c.ID, ConnectionID: c.ConnectionID, Role: RoleHuman,
		ExternalID: &externalID, AuthorID: author, Body: text, Kind: "text", Attachments: []Attachment{}, DeliveryState: StateDelivered,
		Delivery: Delivery{Parts: []string{ref}}}
	err = s.store.WithTenant(context.WithoutCancel(ctx), tenantID, func(ctx context.Context, tx store.Tx) error {
		// The reply answers what the user said since the last answer: it is
		// that person's (when it is one person), and what they said is
		// remembered now, as an agent's answer would make it.
		answered, err := awaiting(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		m.ParticipantID = Speaker(answered)
		if _, err := tx.NewInsert().Model(m).ExcludeColumn("seq").Returning("seq, received_at, created_at").Exec(ctx); err != nil {
			return err
		}
		if err := remember(ctx, tx, c, answered); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE conversations SET last_message_at = now() WHERE id = ?", c.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "conversation.human_replied", TargetType: "conversation", TargetID: c.ID.String(),
			Metadata: map[string]any{"message_id": m.ID.String()}})
	})
	return m, err
}

// remember queues the embedding of user messages a person answered, into the
// memory of the agent that handed the conversation over (the conversation's
// agent, else the last one that answered in it).
func remember(ctx context.Context, tx store.Tx, c *Conversation, answered []Message) error {
	if len(answered) == 0 {
		return nil
	}
	var agentID uuid.NullUUID
	if c.AgentID != nil {
		agentID = uuid.NullUUID{UUID: *c.AgentID, Valid: true}
	} else if err := tx.NewRaw(`SELECT author_id::uuid FROM messages WHERE conversation_id = ? AND role = 'assistant'
		AND author_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' ORDER BY seq DESC LIMIT 1`, c.ID).Scan(ctx, &agentID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if !agentID.Valid {
		return nil // no agent ever handled it: there is no memory to keep it in
	}
	ids := make([]uuid.UUID, len(answered))
	for i, a := range answered {
		ids[i] = a.ID
	}
	return memory.Enqueue(ctx, tx, agentID.UUID, ids...)
}

// operatorName is how a human reply is signed.
func operatorName(p *access.Principal) string {
	switch {
	case p.Token != nil:
		return "Team"
	case p.Name != "":
		return p.Name
	}
	return strings.SplitN(p.Email, "@", 2)[0]
}

func (h *Handler) ReleaseConversation(ctx context.Context, req apigen.ReleaseConversationRequestObject) (apigen.ReleaseConversationResponseObject, error) {
	if _, err := h.svc.Release(ctx, req.TenantId, req.ConversationId); err != nil {
		return nil, err
	}
	c, err := h.svc.Get(ctx, req.TenantId, req.ConversationId)
	if err != nil {
		return nil, err
	}
	return apigen.ReleaseConversation200JSONResponse(SummaryOut(c)), nil
}

func (h *Handler) SendHumanReply(ctx context.Context, req apigen.SendHumanReplyRequestObject) (apigen.SendHumanReplyResponseObject, error) {
	m, err := h.svc.HumanReply(ctx, req.TenantId, req.ConversationId, req.Body.Text)
	if err != nil {
		return nil, err
	}
	return apigen.SendHumanReply201JSONResponse(MessageOut(m)), nil
}

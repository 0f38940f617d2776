package memory

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/oapi-codegen/nullable"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/conversations"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/paging"
	"github.com/konstruct/konstruct/api/store"
)

// Listed is a memory as the portal shows it.
type Listed struct {
	ID             uuid.UUID `bun:"id"`
	MessageID      uuid.UUID `bun:"message_id"`
	ConversationID uuid.UUID `bun:"conversation_id"`
	Role           string    `bun:"role"`
	Text           string    `bun:"body"`
	SaidAt         time.Time `bun:"said_at"`
}

// List returns what an agent remembers about one person, newest first (any member).
func (s *Service) List(ctx context.Context, tenantID, agentID, connectionID uuid.UUID, participantID string, page paging.Page) ([]Listed, *string, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleMember); err != nil {
		return nil, nil, err
	}
	var out []Listed
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		if err := agentExists(ctx, tx, agentID); err != nil {
			return err
		}
		q := tx.NewSelect().TableExpr("memories AS mem").ColumnExpr("mem.id, mem.message_id, mem.conversation_id, mem.role, msg.body, mem.said_at").
			Join("JOIN messages AS msg ON msg.id = mem.message_id").
			Where("mem.agent_id = ? AND mem.participant_key = ?", agentID, ParticipantKey(connectionID, participantID)).
			OrderExpr("mem.said_at DESC, mem.id DESC").Limit(int64(page.Limit + 1))
		if c := page.After; c != nil {
			q.Where("(mem.said_at, mem.id) < (?, ?)", c.At, c.ID)
		}
		return q.Scan(ctx, &out)
	})
	if err != nil {
		return nil, nil, err
	}
	out, next := paging.Trim(out, page.Limit, func(l Listed) (time.Time, uuid.UUID) { return l.SaidAt, l.ID })
	return out, next, nil
}

func agentExists(ctx context.Context, tx store.Tx, agentID uuid.UUID) error {
	ok, err := tx.NewSelect().Table("agents").Where("id = ?", agentID).Exists(ctx)
	if err == nil && !ok {
		return errs.NotFoundf("agent not found")
	}
	return err
}

// Forget deletes one memory (owners and admins).
func (s *Service) Forget(ctx context.Context, tenantID, agentID, memoryID uuid.UUID) error {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return err
	}
	return s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM memories WHERE id = ? AND agent_id = ?", memoryID, agentID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("memory not found")
		}
		return audit.Record(ctx, tx, audit.Event{Action: "memory.forgotten", TargetType: "memory", TargetID: memoryID.String(),
			Metadata: map[string]any{"agent_id": agentID.String()}})
	})
}

// Erased counts what an erasure removed.
type Erased struct{ Conversations, Messages, Memories int }

// Erase removes everything stored about one person on one connection: their
// conversations (with every message, and so every media reference) and every
// memory of them (owners and admins).
func (s *Service) Erase(ctx context.Context, tenantID, connectionID uuid.UUID, participantID string) (*Erased, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	out := &Erased{}
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		exists, err := tx.NewSelect().Table("channel_connections").Where("id = ?", connectionID).Exists(ctx)
		if err != nil {
			return err
		}
		if !exists {
			return errs.NotFoundf("connection not found")
		}
		// Memories first (they cascade with messages anyway; counting them
		// separately tells the operator what was remembered).
		res, err := tx.ExecContext(ctx, "DELETE FROM memories WHERE participant_key = ?", ParticipantKey(connectionID, participantID))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		out.Memories = int(n)
		if err := tx.NewRaw(`SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
			WHERE c.connection_id = ? AND c.participant_id = ?`, connectionID, participantID).Scan(ctx, &out.Messages); err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, "DELETE FROM conversations WHERE connection_id = ? AND participant_id = ?", connectionID, participantID)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		out.Conversations = int(n)
		if err := conversations.ForgetWhatsAppPerson(ctx, tx, connectionID, participantID); err != nil {
			return err
		}
		// The audit event names the erasure, not the person.
		return audit.Record(ctx, tx, audit.Event{Action: "participant.erased", TargetType: "channel", TargetID: connectionID.String(),
			Metadata: map[string]any{"conversations": out.Conversations, "messages": out.Messages, "memories": out.Memories}})
	})
	return out, err
}

// Handler serves the memory operations of the contract.
type Handler struct{ svc *Service }

// NewHandler returns a Handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

func (h *Handler) ListMemories(ctx context.Context, req apigen.ListMemoriesRequestObject) (apigen.ListMemoriesResponseObject, error) {
	page, err := paging.Parse(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	ms, next, err := h.svc.List(ctx, req.TenantId, req.AgentId, req.Params.ConnectionId, req.Params.ParticipantId, page)
	if err != nil {
		return nil, err
	}
	out := apigen.MemoryList{Items: make([]apigen.Memory, 0, len(ms)), NextCursor: nullable.NewNullNullable[string]()}
	for _, m := range ms {
		out.Items = append(out.Items, apigen.Memory{Id: m.ID, MessageId: m.MessageID, ConversationId: m.ConversationID,
			Role: apigen.MemoryRole(m.Role), Text: m.Text, SaidAt: m.SaidAt})
	}
	if next != nil {
		out.NextCursor.Set(*next)
	}
	return apigen.ListMemories200JSONResponse(out), nil
}

func (h *Handler) DeleteMemory(ctx context.Context, req apigen.DeleteMemoryRequestObject) (apigen.DeleteMemoryResponseObject, error) {
	if err := h.svc.Forget(ctx, req.TenantId, req.AgentId, req.MemoryId); err != nil {
		return nil, err
	}
	return apigen.DeleteMemory204Response{}, nil
}

func (h *Handler) EraseParticipant(ctx context.Context, req apigen.EraseParticipantRequestObject) (apigen.EraseParticipantResponseObject, error) {
	e, err := h.svc.Erase(ctx, req.TenantId, req.Body.ConnectionId, req.Body.ParticipantId)
	if err != nil {
		return nil, err
	}
	return apigen.EraseParticipant200JSONResponse{Conversations: e.Conversations, Messages: e.Messages, Memories: e.Memories}, nil
}

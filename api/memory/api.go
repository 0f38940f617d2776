package memory

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/oapi-codegen/nullable"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/audit"
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

// Erase removes everything stored about one person on one connection (owners
// and admins), in one transaction. A person is the speaker of each message,
// so in a Slack thread shared with others only their part goes:
//
//   - every message they sent, and every reply that answered only them (an
//     agent's or a person's: it may repeat their words), with its recorded
//     tool calls;
//   - every memory of them, and every memory of those messages (embeddings
//     included);
//   - their conversations: those where no one else said anything go whole
//     (notices and replies to several people with them); one they started
//     that others spoke in stays, with its person set to the next speaker.
//
// The counts are of rows actually deleted. The audit event names the
// erasure, never the person.
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
		// A WhatsApp person may be named by phone number or BSUID; their
		// messages and memories are stored under their person key.
		if participantID, err = whatsAppPersonKey(ctx, tx, connectionID, participantID); err != nil {
			return err
		}
		var whole []uuid.UUID
		err = tx.NewRaw(`SELECT c.id FROM conversations c WHERE c.connection_id = ?0
			AND (c.participant_id = ?1 OR EXISTS (SELECT FROM messages m WHERE m.conversation_id = c.id AND m.participant_id = ?1))
			AND NOT EXISTS (SELECT FROM messages o WHERE o.conversation_id = c.id AND o.role = 'user' AND o.participant_id IS DISTINCT FROM ?1)`,
			connectionID, participantID).Scan(ctx, &whole)
		if err != nil {
			return err
		}
		// Knowledge-gap entries and anything else keyed on a message go with
		// the message (ON DELETE CASCADE); rows keyed on the person must be
		// deleted here.
		steps := []struct {
			n   *int
			sql string
		}{
			{&out.Memories, `DELETE FROM memories WHERE participant_key = ?2 OR conversation_id IN (?3)
				OR message_id IN (SELECT id FROM messages WHERE connection_id = ?0 AND participant_id = ?1)`},
			{&out.Messages, `DELETE FROM messages WHERE (connection_id = ?0 AND participant_id = ?1) OR conversation_id IN (?3)`},
			{&out.Conversations, `DELETE FROM conversations WHERE id IN (?3)`},
			{nil, `UPDATE conversations c SET participant_name = '', participant_phone = '', participant_id = coalesce((SELECT m.participant_id
				FROM messages m WHERE m.conversation_id = c.id AND m.role = 'user' AND m.participant_id IS NOT NULL ORDER BY m.seq LIMIT 1), '')
				WHERE c.connection_id = ?0 AND c.participant_id = ?1`},
		}
		ids := bun.In(whole)
		if len(whole) == 0 {
			ids = bun.In([]uuid.UUID{uuid.Nil})
		}
		for _, st := range steps {
			res, err := tx.ExecContext(ctx, st.sql, connectionID, participantID, ParticipantKey(connectionID, participantID), ids)
			if err != nil {
				return err
			}
			if st.n != nil {
				n, _ := res.RowsAffected()
				*st.n = int(n)
			}
		}
		// Their WhatsApp identifiers (phone, BSUIDs, username, name) go too.
		if _, err := tx.ExecContext(ctx, "DELETE FROM whatsapp_people WHERE connection_id = ? AND person_key = ?", connectionID, participantID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "participant.erased", TargetType: "channel", TargetID: connectionID.String(),
			Metadata: map[string]any{"conversations": out.Conversations, "messages": out.Messages, "memories": out.Memories}})
	})
	return out, err
}

// whatsAppPersonKey returns the key of the WhatsApp person on a connection
// known by id (their key, phone number or BSUID), or id itself when no such
// person is stored (another channel's participant, or an unknown one).
// (conversations owns whatsapp_people, but conversations imports memory.)
func whatsAppPersonKey(ctx context.Context, tx store.Tx, connectionID uuid.UUID, id string) (string, error) {
	var key string
	err := tx.NewRaw(`SELECT person_key FROM whatsapp_people WHERE connection_id = ?0
		AND (person_key = ?1 OR phone = ?1 OR bsuid = ?1) ORDER BY person_key = ?1 DESC LIMIT 1`, connectionID, id).Scan(ctx, &key)
	if err == store.ErrNotFound {
		return id, nil
	}
	return key, err
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

package conversations

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/oapi-codegen/nullable"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/channels"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/paging"
	"github.com/konstruct/konstruct/api/store"
)

// Service reads conversations for the portal and integrators, and lets
// people take part in handed-over ones.
type Service struct {
	store     *store.Store
	guard     *access.Guard
	providers *channels.Providers
	misses    nameMisses
}

// Summary is a conversation as the portal lists it: with its newest message.
type Summary struct {
	Conversation
	Last *LastMessage
}

// LastMessage is the newest message a person or the agent wrote.
type LastMessage struct {
	ConversationID uuid.UUID `bun:"conversation_id"`
	Role           string    `bun:"role"`
	Body           string    `bun:"body"`
	Kind           string    `bun:"kind"`
	DeliveryState  string    `bun:"delivery_state"`
	CreatedAt      time.Time `bun:"created_at"`
}

// previewLen is how much of the last message a list shows.
const previewLen = 140

// Preview is the start of the message's text, or what it carried.
func (m *LastMessage) Preview() string {
	body := strings.Join(strings.Fields(m.Body), " ")
	if body == "" && m.Kind != "" && m.Kind != "text" {
		return "(" + m.Kind + ")"
	}
	if r := []rune(body); len(r) > previewLen {
		return strings.TrimSpace(string(r[:previewLen-1])) + "…"
	}
	return body
}

// lastMessages reads each conversation's newest message from a person or
// the agent (tool calls and system notes are not news), one index probe per
// conversation.
func lastMessages(ctx context.Context, tx store.Tx, ids []uuid.UUID) (map[uuid.UUID]*LastMessage, error) {
	out := map[uuid.UUID]*LastMessage{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []LastMessage
	err := tx.NewRaw(`SELECT c.id AS conversation_id, m.role, m.body, m.kind, m.delivery_state, m.created_at
		FROM unnest(?::uuid[]) AS c(id)
		CROSS JOIN LATERAL (
			SELECT role, body, kind, delivery_state, created_at FROM messages
			WHERE conversation_id = c.id AND role IN ('user', 'assistant', 'human')
			ORDER BY seq DESC LIMIT 1
		) m`, pgdialect.Array(ids)).Scan(ctx, &rows)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	for i := range rows {
		out[rows[i].ConversationID] = &rows[i]
	}
	return out, nil
}

func summarize(ctx context.Context, tx store.Tx, cs []Conversation) ([]Summary, error) {
	ids := make([]uuid.UUID, len(cs))
	for i := range cs {
		ids[i] = cs[i].ID
	}
	last, err := lastMessages(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, len(cs))
	for i := range cs {
		out[i] = Summary{Conversation: cs[i], Last: last[cs[i].ID]}
	}
	return out, nil
}

// NewService returns a Service.
func NewService(s *store.Store, g *access.Guard, p *channels.Providers) *Service {
	return &Service{store: s, guard: g, providers: p}
}

// Filter narrows List.
type Filter struct {
	Status, ChannelType string
	ConnectionID        *uuid.UUID
	Flagged             *bool
	Page                paging.Page
}

// List returns a page of conversations, most recent activity first, each
// with its newest message and the person's name (any member).
func (s *Service) List(ctx context.Context, tenantID uuid.UUID, f Filter) ([]Summary, *string, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleMember); err != nil {
		return nil, nil, err
	}
	var cs []Conversation
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		q := tx.NewSelect().Model(&cs).OrderExpr("last_message_at DESC, id DESC").Limit(int64(f.Page.Limit + 1))
		if f.Status != "" {
			q.Where("status = ?", f.Status)
		}
		if f.ChannelType != "" {
			q.Where("channel_type = ?", f.ChannelType)
		}
		if f.ConnectionID != nil {
			q.Where("connection_id = ?", *f.ConnectionID)
		}
		if f.Flagged != nil {
			if *f.Flagged {
				q.Where("flagged_at IS NOT NULL")
			} else {
				q.Where("flagged_at IS NULL")
			}
		}
		if c := f.Page.After; c != nil {
			q.Where("(last_message_at, id) < (?, ?)", c.At, c.ID)
		}
		return q.Scan(ctx)
	})
	if err != nil {
		return nil, nil, err
	}
	cs, next := paging.Trim(cs, f.Page.Limit, func(c Conversation) (time.Time, uuid.UUID) { return c.LastMessageAt, c.ID })
	s.nameSlackParticipants(ctx, tenantID, cs)
	var out []Summary
	err = s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) (err error) {
		out, err = summarize(ctx, tx, cs)
		return err
	})
	return out, next, err
}

// Get returns one conversation with its newest message (any member).
func (s *Service) Get(ctx context.Context, tenantID, id uuid.UUID) (*Summary, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleMember); err != nil {
		return nil, err
	}
	cs := []Conversation{{}}
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		return Load(ctx, tx, id, &cs[0])
	})
	if err != nil {
		return nil, err
	}
	s.nameSlackParticipants(ctx, tenantID, cs)
	var out []Summary
	err = s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) (err error) {
		out, err = summarize(ctx, tx, cs)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out[0], nil
}

// Load reads a conversation in a tenant transaction.
func Load(ctx context.Context, tx store.Tx, id uuid.UUID, into *Conversation) error {
	err := tx.NewSelect().Model(into).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return errs.NotFoundf("conversation not found")
	}
	return err
}

// Messages returns a page of a conversation's messages, newest first. The
// cursor is the seq of the last message returned.
func (s *Service) Messages(ctx context.Context, tenantID, convID uuid.UUID, limit *int, cursor *string) ([]Message, *string, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleMember); err != nil {
		return nil, nil, err
	}
	page, _ := paging.Parse(limit, nil)
	var before int64
	if cursor != nil && *cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(*cursor)
		if err == nil {
			before, err = strconv.ParseInt(string(raw), 10, 64)
		}
		if err != nil || before <= 0 {
			return nil, nil, &errs.Error{Kind: errs.BadRequest, Message: "query.cursor: is not a cursor from this API",
				Fields: []errs.FieldError{{Location: "query.cursor", Message: "is not a cursor returned by this API"}}}
		}
	}
	var ms []Message
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		if err := Load(ctx, tx, convID, &Conversation{}); err != nil {
			return err
		}
		q := tx.NewSelect().Model(&ms).Where("conversation_id = ?", convID).OrderExpr("seq DESC").Limit(int64(page.Limit + 1))
		if before > 0 {
			q.Where("seq < ?", before)
		}
		return q.Scan(ctx)
	})
	if err != nil {
		return nil, nil, err
	}
	var next *string
	if len(ms) > page.Limit {
		ms = ms[:page.Limit]
		c := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(ms[len(ms)-1].Seq, 10)))
		next = &c
	}
	return ms, next, nil
}

// Handler serves the conversation operations of the contract.
type Handler struct{ svc *Service }

// NewHandler returns a Handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

func (h *Handler) ListConversations(ctx context.Context, req apigen.ListConversationsRequestObject) (apigen.ListConversationsResponseObject, error) {
	page, err := paging.Parse(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	f := Filter{Page: page, ConnectionID: req.Params.ConnectionId, Flagged: req.Params.Flagged}
	if req.Params.Status != nil {
		f.Status = string(*req.Params.Status)
	}
	if req.Params.ChannelType != nil {
		f.ChannelType = string(*req.Params.ChannelType)
	}
	cs, next, err := h.svc.List(ctx, req.TenantId, f)
	if err != nil {
		return nil, err
	}
	out := apigen.ConversationList{Items: make([]apigen.Conversation, 0, len(cs)), NextCursor: nullable.NewNullNullable[string]()}
	for i := range cs {
		out.Items = append(out.Items, SummaryOut(&cs[i]))
	}
	if next != nil {
		out.NextCursor.Set(*next)
	}
	return apigen.ListConversations200JSONResponse(out), nil
}

func (h *Handler) GetConversation(ctx context.Context, req apigen.GetConversationRequestObject) (apigen.GetConversationResponseObject, error) {
	c, err := h.svc.Get(ctx, req.TenantId, req.ConversationId)
	if err != nil {
		return nil, err
	}
	return apigen.GetConversation200JSONResponse(SummaryOut(c)), nil
}

func (h *Handler) ListMessages(ctx context.Context, req apigen.ListMessagesRequestObject) (apigen.ListMessagesResponseObject, error) {
	ms, next, err := h.svc.Messages(ctx, req.TenantId, req.ConversationId, req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	out := apigen.MessageList{Items: make([]apigen.Message, 0, len(ms)), NextCursor: nullable.NewNullNullable[string]()}
	for i := range ms {
		out.Items = append(out.Items, MessageOut(&ms[i]))
	}
	if next != nil {
		out.NextCursor.Set(*next)
	}
	return apigen.ListMessages200JSONResponse(out), nil
}

// SummaryOut maps a conversation with its newest message to the contract.
func SummaryOut(c *Summary) apigen.Conversation {
	out := Out(&c.Conversation)
	if m := c.Last; m != nil {
		out.LastMessage.Set(apigen.LastMessage{Role: apigen.LastMessageRole(m.Role), Preview: m.Preview(), DeliveryState: m.DeliveryState, At: m.CreatedAt})
	}
	return out
}

// Out maps a conversation to the contract; LastMessage is left null.
func Out(c *Conversation) apigen.Conversation {
	out := apigen.Conversation{LastMessage: nullable.NewNullNullable[apigen.LastMessage](), Id: c.ID, ConnectionId: c.ConnectionID, ChannelType: apigen.ConversationChannelType(c.ChannelType),
		AgentId: nullable.NewNullNullable[uuid.UUID](), Status: apigen.ConversationStatus(c.Status),
		Participant: apigen.Participant{Id: c.ParticipantID, Name: c.ParticipantName, Phone: c.ParticipantPhone},
		FlaggedAt:   nullable.NewNullNullable[time.Time](), FlagReason: c.FlagReason, LastMessageAt: c.LastMessageAt, CreatedAt: c.CreatedAt,
		EscalatedAt: nullable.NewNullNullable[time.Time](), EscalationReason: c.EscalationReason}
	if c.EscalatedAt != nil {
		out.EscalatedAt.Set(*c.EscalatedAt)
	}
	if c.AgentID != nil {
		out.AgentId.Set(*c.AgentID)
	}
	if c.FlaggedAt != nil {
		out.FlaggedAt.Set(*c.FlaggedAt)
	}
	return out
}

// MessageOut maps a message to the contract.
func MessageOut(m *Message) apigen.Message {
	out := apigen.Message{Id: m.ID, Role: apigen.MessageRole(m.Role), Body: m.Body, Kind: m.Kind, AuthorId: m.AuthorID,
		DeliveryState: m.DeliveryState, CreatedAt: m.CreatedAt, Attachments: make([]apigen.Attachment, 0, len(m.Attachments))}
	for _, a := range m.Attachments {
		att := apigen.Attachment{Kind: a.Kind}
		if a.MimeType != "" {
			att.MimeType = &a.MimeType
		}
		if a.Name != "" {
			att.Name = &a.Name
		}
		if a.Caption != "" {
			att.Caption = &a.Caption
		}
		out.Attachments = append(out.Attachments, att)
	}
	return out
}

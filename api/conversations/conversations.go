package conversations

import (
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/events"
	"github.com/konstruct/konstruct/api/store"
)

// Conversation statuses.
const (
	StatusActive    = "active"
	StatusEscalated = "escalated" // a human has taken over; the agent stays silent
	StatusClosed    = "closed"
)

// Message roles.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleHuman     = "human" // an operator answering while the conversation is handed over
	RoleTool      = "tool"
	RoleSystem    = "system"
)

// Conversation is one thread with one chat user.
type Conversation struct {
	bun.BaseModel `bun:"table:conversations"`

	ID               uuid.UUID  `bun:"id,pk"`
	TenantID         uuid.UUID  `bun:"tenant_id"`
	ConnectionID     uuid.UUID  `bun:"connection_id"`
	AgentID          *uuid.UUID `bun:"agent_id"`
	ChannelType      string     `bun:"channel_type"`
	ThreadKey        string     `bun:"thread_key"`
	ChannelRef       string     `bun:"channel_ref"`
	ThreadRef        string     `bun:"thread_ref"`
	ParticipantID    string     `bun:"participant_id"`
	ParticipantPhone string     `bun:"participant_phone"`
	ParticipantName  string     `bun:"participant_name"`
	Status           string     `bun:"status"`
	LastMessageAt    time.Time  `bun:"last_message_at"`
	LastInboundAt    *time.Time `bun:"last_inbound_at"`
	FlaggedAt        *time.Time `bun:"flagged_at"`
	FlagReason       string     `bun:"flag_reason"`
	EscalatedAt      *time.Time `bun:"escalated_at"`
	EscalationReason string     `bun:"escalation_reason"`
	CreatedAt        time.Time  `bun:"created_at,nullzero,default:now()"`
	UpdatedAt        time.Time  `bun:"updated_at,nullzero,default:now()"`
}

// Attachment is a file that came with a message. The media itself stays with
// the channel; only how to fetch it is kept.
type Attachment struct {
	Kind     string `json:"kind"` // image, audio, video, document, sticker, location, contacts, other
	MediaID  string `json:"media_id,omitempty"`
	URL      string `json:"url,omitempty"`
	MimeType string `json:"mime_type,omitempty"`
	Name     string `json:"name,omitempty"`
	Size     int64  `json:"size,omitempty"`
	Caption  string `json:"caption,omitempty"`
}

// Message is one message of a conversation.
type Message struct {
	bun.BaseModel `bun:"table:messages"`

	ID             uuid.UUID    `bun:"id,pk"`
	TenantID       uuid.UUID    `bun:"tenant_id"`
	ConversationID uuid.UUID    `bun:"conversation_id"`
	ConnectionID   uuid.UUID    `bun:"connection_id"`
	Role           string       `bun:"role"`
	ExternalID     *string      `bun:"external_id"`
	EventID        string       `bun:"event_id"`
	AuthorID       string       `bun:"author_id"`
	ParticipantID  string       `bun:"participant_id,nullzero"` // whose message: see Speaker
	Body           string       `bun:"body"`
	Kind           string       `bun:"kind"`
	Attachments    []Attachment `bun:"attachments,type:jsonb"`
	DeliveryState  string       `bun:"delivery_state"`
	Delivery       Delivery     `bun:"delivery,type:jsonb"`
	Seq            int64        `bun:"seq"` // GENERATED ALWAYS: excluded from inserts
	ReceivedAt     time.Time    `bun:"received_at,nullzero,default:now()"`
	TurnJobID      *int64       `bun:"turn_job_id"`
	AnswersSeq     *int64       `bun:"answers_seq"`
	CreatedAt      time.Time    `bun:"created_at,nullzero,default:now()"`
}

// Delivery is how far an outbound message got: enough for a retried turn to
// resume without sending anything twice.
type Delivery struct {
	PlaceholderRef string   `json:"placeholder_ref,omitempty"` // Slack ts of the "thinking" message
	ReadMarked     bool     `json:"read_marked,omitempty"`     // WhatsApp read receipt + typing indicator sent
	Parts          []string `json:"parts,omitempty"`           // provider refs of the parts sent, in order
	Model          string   `json:"model,omitempty"`
	Error          string   `json:"error,omitempty"`
	// Throttled counts the turn's consecutive 429s (the backoff's exponent
	// when the provider gives no Retry-After).
	Throttled int `json:"throttled,omitempty"`
	// Set by WhatsApp status webhooks.
	Status    string `json:"status,omitempty"`
	ErrorCode int    `json:"error_code,omitempty"`
}

// KindNotice is the kind of an agent's canned reply (a hand-over or budget
// notice, the fallback when a model gave no usable answer): sent like any
// reply, never remembered.
const KindNotice = "notice"

// Delivery states of outbound messages.
const (
	StateClaimed   = "claimed"   // a turn owns it; nothing generated yet
	StateGenerated = "generated" // the reply is written, not yet (fully) sent
	StateDelivered = "delivered"
	StateFailed    = "failed"
)

// Inbound is a message from a chat user, as a channel adapter parsed it.
type Inbound struct {
	ConnectionID uuid.UUID
	ChannelType  string
	AgentID      *uuid.UUID // the connection's assigned agent, if any

	ThreadKey  string // identifies the conversation within the connection
	ChannelRef string // where replies go
	ThreadRef  string // Slack thread_ts

	ParticipantID    string
	ParticipantPhone string
	ParticipantName  string

	ExternalID  string // the channel's message id (the dedupe key)
	EventID     string
	Body        string
	Kind        string // text, image, audio, video, document, interactive, …
	Attachments []Attachment
	SentAt      time.Time
}

// Storable returns in as PostgreSQL can store it: NUL characters (which
// text and jsonb refuse, and which cut a query short) and invalid UTF-8 are
// dropped, and a missing or implausible send time (before 1970, more than a
// day ahead) becomes now. Without it one such message would fail its whole
// webhook delivery on every redelivery, losing the messages batched with it.
func (in Inbound) Storable() Inbound {
	for _, s := range []*string{&in.ChannelType, &in.ThreadKey, &in.ChannelRef, &in.ThreadRef, &in.ParticipantID,
		&in.ParticipantPhone, &in.ParticipantName, &in.ExternalID, &in.EventID, &in.Body, &in.Kind} {
		*s = storableText(*s)
	}
	if len(in.Attachments) > 0 {
		atts := make([]Attachment, len(in.Attachments))
		for i, a := range in.Attachments {
			for _, s := range []*string{&a.Kind, &a.MediaID, &a.URL, &a.MimeType, &a.Name, &a.Caption} {
				*s = storableText(*s)
			}
			atts[i] = a
		}
		in.Attachments = atts
	}
	now := time.Now()
	if in.SentAt.Before(time.Unix(0, 0)) || in.SentAt.After(now.Add(24*time.Hour)) {
		in.SentAt = now
	}
	return in
}

func storableText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", "")
}

// receiveSQL upserts the conversation and inserts the message in one
// statement: ingest is one round trip fewer per message, on the path every
// webhook waits on. It goes through pgx with parameters, so each connection
// parses and plans it once rather than per message. received_message_id is
// NULL when the channel delivered this message before (ON CONFLICT DO
// NOTHING); the conversation's timestamps are brought forward either way,
// and replies go where the newest message says (a WhatsApp person first
// known by BSUID only is answered at their phone number once it is known).
var receiveSQL = receiveCTEs + `SELECT c.id, c.agent_id, (SELECT id FROM m) FROM c`

// receiveNewSQL is receiveSQL for a message that must be new: one the channel
// delivered before fails the statement (message_received_before raises
// SQLSTATE KR002, migration 00028) instead of returning NULL, so everything
// sent after it in the same round trip is skipped and the transaction rolls
// back — the caller can send its COMMIT along without reading the result
// first. coalesce evaluates the call only when the message was not inserted.
var receiveNewSQL = receiveCTEs + `SELECT c.id, c.agent_id, coalesce((SELECT id FROM m), message_received_before($14)) FROM c`

// receiveCTEs is the writing part of the ingest statements.
var receiveCTEs = `
WITH c AS (
	INSERT INTO conversations AS c (id, tenant_id, connection_id, agent_id, channel_type, thread_key, channel_ref, thread_ref,
		participant_id, participant_phone, participant_name, last_message_at, last_inbound_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
	ON CONFLICT (connection_id, thread_key) DO UPDATE SET
		last_message_at = greatest(c.last_message_at, excluded.last_message_at),
		last_inbound_at = greatest(c.last_inbound_at, excluded.last_inbound_at),
		participant_name = coalesce(nullif(excluded.participant_name, ''), c.participant_name),
		participant_phone = coalesce(nullif(excluded.participant_phone, ''), c.participant_phone),
		channel_ref = excluded.channel_ref
	RETURNING c.id, c.agent_id
), m AS (
	INSERT INTO messages (id, tenant_id, conversation_id, connection_id, role, external_id, event_id, author_id, participant_id,
		body, kind, attachments, created_at)
	SELECT $13, $2, c.id, $3, 'user', $14, $15, $9, $9, $16, $17, $18, $12 FROM c
	ON CONFLICT (connection_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
	RETURNING id
), e AS (
	-- The message.received event (api/events) rides in the same statement:
	-- recorded with the message, and only when the message is new.
	-- Born dispatched when no endpoint of the tenant wants it (events.DispatchedAtSQL).
	INSERT INTO outbound_events (id, tenant_id, type, subject, data, dispatched_at)
	SELECT $19, $2, 'message.received', 'conversation:' || c.id, $20::jsonb || jsonb_build_object('conversation_id', c.id),
		` + events.DispatchedAtSQL("$2", "'message.received'") + ` FROM c, m
)
`

// Received is what QueueReceive's statement found, once its batch was sent:
// the message stored (its ID is known before), or Duplicate.
type Received struct {
	// Message is the message, with its conversation once the statement ran.
	Message *Message
	// AgentID is the conversation's agent: until the statement ran, the one
	// a new conversation is created with (the connection's), which an
	// existing one most likely has too.
	AgentID   *uuid.UUID
	Duplicate bool
}

// QueueReceive queues the statement that records an inbound message into b
// (receiveSQL); once sent, the result says whether the channel delivered it
// before (then nothing new was written but the conversation's timestamps).
// The message's id is chosen here, so a caller can refer to it (a job's
// arguments) before the statement has run; its conversation's id is only
// known after.
func QueueReceive(b *store.Batch, tenantID uuid.UUID, in Inbound) (*Received, error) {
	return queueReceive(b, receiveSQL, tenantID, in)
}

// QueueReceiveNew is QueueReceive for a caller that sends its COMMIT in the
// same round trip (Slack's ingest: the message, its turn's job and the
// COMMIT): a message the channel delivered before fails the statement, and
// with it the round trip and the transaction, with an error ReceivedBefore
// recognises; the result is then never Duplicate.
func QueueReceiveNew(b *store.Batch, tenantID uuid.UUID, in Inbound) (*Received, error) {
	return queueReceive(b, receiveNewSQL, tenantID, in)
}

// ReceivedBefore reports whether err is QueueReceiveNew's statement refusing
// a message the channel delivered before (SQLSTATE KR002).
func ReceivedBefore(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "KR002"
}

func queueReceive(b *store.Batch, sql string, tenantID uuid.UUID, in Inbound) (*Received, error) {
	if in.ExternalID == "" || in.ThreadKey == "" {
		return nil, errors.New("conversations: inbound message without external id or thread key")
	}
	in = in.Storable()
	if in.Kind == "" {
		in.Kind = "text"
	}
	if in.Attachments == nil {
		in.Attachments = []Attachment{}
	}
	msgID := uuid.Must(uuid.NewV7())
	r := &Received{AgentID: in.AgentID, Message: &Message{
		ID: msgID, TenantID: tenantID, ConnectionID: in.ConnectionID,
		Role: RoleUser, ExternalID: &in.ExternalID, EventID: in.EventID, AuthorID: in.ParticipantID, ParticipantID: in.ParticipantID, Body: in.Body,
		Kind: in.Kind, Attachments: in.Attachments, DeliveryState: "received", CreatedAt: in.SentAt, ReceivedAt: time.Now(),
	}}
	b.Queue(sql, uuid.Must(uuid.NewV7()), tenantID, in.ConnectionID, in.AgentID, in.ChannelType,
		in.ThreadKey, in.ChannelRef, in.ThreadRef, in.ParticipantID, in.ParticipantPhone, in.ParticipantName, in.SentAt,
		msgID, in.ExternalID, in.EventID, in.Body, in.Kind, in.Attachments, uuid.Must(uuid.NewV7()), receivedEvent(msgID, in)).
		QueryRow(func(row pgx.Row) error {
			var received uuid.NullUUID
			if err := row.Scan(&r.Message.ConversationID, &r.AgentID, &received); err != nil {
				return err
			}
			r.Duplicate = !received.Valid
			return nil
		})
	return r, nil
}

// receivedEvent is the data of the message.received event for in, but for
// the conversation id, which the statement adds.
func receivedEvent(msgID uuid.UUID, in Inbound) events.MessageReceived {
	atts := make([]events.Attachment, len(in.Attachments))
	for i, a := range in.Attachments {
		atts[i] = events.Attachment{Kind: a.Kind, MimeType: a.MimeType, Name: a.Name, Size: a.Size}
	}
	p := events.Participant{ID: in.ParticipantID, Name: in.ParticipantName, Phone: in.ParticipantPhone}
	return events.MessageReceived{MessageID: msgID, ConnectionID: in.ConnectionID, ChannelType: in.ChannelType, AgentID: in.AgentID,
		Participant: p, Text: in.Body, Kind: in.Kind, Attachments: atts, SentAt: in.SentAt}
}

package events

import (
	"time"

	"github.com/google/uuid"
)

// Type describes one event type of the catalogue.
type Type struct {
	Name        string
	Version     int
	Description string
}

// Event types. The payload of each is the struct of the same name below,
// documented under x-webhooks in openapi.yaml.
const (
	TypeMessageReceived        = "message.received"
	TypeReplyDelivered         = "reply.delivered"
	TypeTurnFailed             = "turn.failed"
	TypeConversationHandedOver = "conversation.handed_over"
	TypeConversationReleased   = "conversation.released"
	TypeChannelConnected       = "channel.connected"
	TypeChannelRevoked         = "channel.revoked"
	TypeAgentCreated           = "agent.created"
	TypeAgentUpdated           = "agent.updated"
	TypeAgentDeleted           = "agent.deleted"
	TypeBudgetThresholdReached = "budget.threshold_reached"
	TypeSubscriptionUpdated    = "subscription.updated"
	TypeKnowledgeSourceReady   = "knowledge.source_ready"
	TypeKnowledgeSourceFailed  = "knowledge.source_failed"
	// TypeTest is sent to one endpoint on request ("send test event").
	TypeTest = "webhook.test"
)

// Catalogue is every event type an endpoint can subscribe to, in the order
// the portal's picker shows them. A type's Version changes only when its
// data changes incompatibly (a field removed, renamed or retyped); fields are
// added without a new version, so receivers must ignore unknown fields.
var Catalogue = []Type{
	{TypeMessageReceived, 1, "A chat user wrote to an agent (Slack or WhatsApp). Sent once per message, however often the channel redelivers it."},
	{TypeReplyDelivered, 1, "The agent's reply (every part of it) reached the chat user's channel."},
	{TypeTurnFailed, 1, "The agent could not answer after every retry; the conversation is flagged for the team."},
	{TypeConversationHandedOver, 1, "An escalation rule or the agent handed the conversation to a person; the agent stays silent."},
	{TypeConversationReleased, 1, "A person ended a hand-over; the agent answers again."},
	{TypeChannelConnected, 1, "A Slack workspace or WhatsApp number was connected (or connected again)."},
	{TypeChannelRevoked, 1, "Slack or Meta withdrew Konstruct's access to a channel; it no longer receives or sends."},
	{TypeAgentCreated, 1, "An agent was created."},
	{TypeAgentUpdated, 1, "An agent's settings changed; data.changed lists which."},
	{TypeAgentDeleted, 1, "An agent was deleted."},
	{TypeBudgetThresholdReached, 1, "This month's spend reached 80 % (warning) or 100 % (exceeded) of the budget. Once per threshold and month."},
	{TypeSubscriptionUpdated, 1, "The subscription's status, seats or period changed (from Stripe)."},
	{TypeKnowledgeSourceReady, 1, "A knowledge source finished syncing; its chunks are what agents answer from now."},
	{TypeKnowledgeSourceFailed, 1, "A knowledge source could not be synced; data.reason says why (the same text the portal shows)."},
	{TypeTest, 1, "A test event sent to one endpoint on request."},
}

// versionOf is the current version of a type's data.
func versionOf(typ string) int {
	for _, t := range Catalogue {
		if t.Name == typ {
			return t.Version
		}
	}
	return 1
}

// Known reports whether typ is in the catalogue.
func Known(typ string) bool {
	for _, t := range Catalogue {
		if t.Name == typ {
			return true
		}
	}
	return false
}

func conversationSubject(id uuid.UUID) string { return "conversation:" + id.String() }

// MessageReceived: a chat user's message was stored. It is recorded by the
// ingest statement itself (conversations.Receive), which fills in
// ConversationID; the other fields are what the channel delivered.
type MessageReceived struct {
	ConversationID uuid.UUID    `json:"conversation_id"`
	MessageID      uuid.UUID    `json:"message_id"`
	ConnectionID   uuid.UUID    `json:"connection_id"`
	ChannelType    string       `json:"channel_type"`
	AgentID        *uuid.UUID   `json:"agent_id"`
	Participant    Participant  `json:"participant"`
	Text           string       `json:"text"`
	Kind           string       `json:"kind"`
	Attachments    []Attachment `json:"attachments"`
	SentAt         time.Time    `json:"sent_at"`
}

// Participant is the chat user.
type Participant struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// Attachment describes a file that came with a message. Where to download it
// is left out: fetching it needs the channel's credentials.
type Attachment struct {
	Kind     string `json:"kind"`
	MimeType string `json:"mime_type"`
	Name     string `json:"name"`
	Size     int64  `json:"size"`
}

func (MessageReceived) EventType() string      { return TypeMessageReceived }
func (e MessageReceived) EventSubject() string { return conversationSubject(e.ConversationID) }

// ReplyDelivered: the agent's reply was delivered.
type ReplyDelivered struct {
	ConversationID uuid.UUID   `json:"conversation_id"`
	MessageID      uuid.UUID   `json:"message_id"`
	AgentID        uuid.UUID   `json:"agent_id"`
	ConnectionID   uuid.UUID   `json:"connection_id"`
	ChannelType    string      `json:"channel_type"`
	Text           string      `json:"text"`
	Parts          int         `json:"parts"`
	InReplyTo      []uuid.UUID `json:"in_reply_to"`
}

func (ReplyDelivered) EventType() string      { return TypeReplyDelivered }
func (e ReplyDelivered) EventSubject() string { return conversationSubject(e.ConversationID) }

// TurnFailed: the agent gave up on answering. The reason stays in the
// portal: provider errors can quote keys or internal addresses.
type TurnFailed struct {
	ConversationID uuid.UUID `json:"conversation_id"`
	MessageID      uuid.UUID `json:"message_id"`
	AgentID        uuid.UUID `json:"agent_id"`
	Attempt        int       `json:"attempt"`
}

func (TurnFailed) EventType() string      { return TypeTurnFailed }
func (e TurnFailed) EventSubject() string { return conversationSubject(e.ConversationID) }

// ConversationHandedOver: a person takes over the conversation.
type ConversationHandedOver struct {
	ConversationID uuid.UUID `json:"conversation_id"`
	AgentID        uuid.UUID `json:"agent_id"`
	Reason         string    `json:"reason"`
}

func (ConversationHandedOver) EventType() string      { return TypeConversationHandedOver }
func (e ConversationHandedOver) EventSubject() string { return conversationSubject(e.ConversationID) }

// ConversationReleased: the hand-over ended.
type ConversationReleased struct {
	ConversationID uuid.UUID `json:"conversation_id"`
}

func (ConversationReleased) EventType() string      { return TypeConversationReleased }
func (e ConversationReleased) EventSubject() string { return conversationSubject(e.ConversationID) }

// ChannelConnected: a channel was connected, or connected again
// (Reconnected) with fresh credentials.
type ChannelConnected struct {
	ConnectionID uuid.UUID `json:"connection_id"`
	ChannelType  string    `json:"channel_type"`
	DisplayName  string    `json:"display_name"`
	Reconnected  bool      `json:"reconnected"`
}

func (ChannelConnected) EventType() string      { return TypeChannelConnected }
func (e ChannelConnected) EventSubject() string { return "channel:" + e.ConnectionID.String() }

// ChannelRevoked: the provider withdrew access.
type ChannelRevoked struct {
	ConnectionID uuid.UUID `json:"connection_id"`
	Reason       string    `json:"reason"`
}

func (ChannelRevoked) EventType() string      { return TypeChannelRevoked }
func (e ChannelRevoked) EventSubject() string { return "channel:" + e.ConnectionID.String() }

// Agent is the agent.created, agent.updated and agent.deleted payload: the
// agent's identity and state, never its prompt, tools or their secrets.
type Agent struct {
	Type     string    `json:"-"`
	AgentID  uuid.UUID `json:"agent_id"`
	Name     string    `json:"name"`
	Model    string    `json:"model"`
	IsActive bool      `json:"is_active"`
	// Changed lists the fields an update changed (agent.updated only).
	Changed []string `json:"changed,omitempty"`
}

func (e Agent) EventType() string    { return e.Type }
func (e Agent) EventSubject() string { return "agent:" + e.AgentID.String() }

// BudgetThresholdReached: spend crossed a threshold of the monthly budget.
type BudgetThresholdReached struct {
	Threshold string   `json:"threshold"` // warning (80 %) or exceeded (100 %)
	Month     string   `json:"month"`     // 2026-12
	SpentUSD  float64  `json:"spent_usd"`
	LimitUSD  float64  `json:"limit_usd"`
	Percent   *float64 `json:"percent"` // null for a zero budget
	Action    string   `json:"action"`  // what happens at 100 %: notify, downgrade, stop
}

func (BudgetThresholdReached) EventType() string    { return TypeBudgetThresholdReached }
func (BudgetThresholdReached) EventSubject() string { return "budget" }

// SubscriptionUpdated: the subscription changed.
type SubscriptionUpdated struct {
	Status           string     `json:"status"`
	PreviousStatus   string     `json:"previous_status"`
	Seats            int        `json:"seats"`
	CurrentPeriodEnd *time.Time `json:"current_period_end"`
}

func (SubscriptionUpdated) EventType() string    { return TypeSubscriptionUpdated }
func (SubscriptionUpdated) EventSubject() string { return "subscription" }

// Test is the payload of a test event.
type Test struct {
	EndpointID uuid.UUID `json:"endpoint_id"`
	Message    string    `json:"message"`
}

func (Test) EventType() string    { return TypeTest }
func (Test) EventSubject() string { return "" }

// KnowledgeSourceReady: a source's sync finished; recorded in the
// transaction that marks it ready.
type KnowledgeSourceReady struct {
	SourceID uuid.UUID `json:"source_id"`
	Name     string    `json:"name"`
	Chunks   int       `json:"chunks"`
}

func (KnowledgeSourceReady) EventType() string      { return TypeKnowledgeSourceReady }
func (e KnowledgeSourceReady) EventSubject() string { return "knowledge_source:" + e.SourceID.String() }

// KnowledgeSourceFailed: ingestion of a source gave up.
type KnowledgeSourceFailed struct {
	SourceID uuid.UUID `json:"source_id"`
	Name     string    `json:"name"`
	Reason   string    `json:"reason"`
}

func (KnowledgeSourceFailed) EventType() string { return TypeKnowledgeSourceFailed }
func (e KnowledgeSourceFailed) EventSubject() string {
	return "knowledge_source:" + e.SourceID.String()
}

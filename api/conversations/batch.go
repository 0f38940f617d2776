package conversations

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/konstruct/konstruct/api/store"
)

// The turn's statements on conversations and messages, queued into a
// store.Batch so that a turn sends what several owners read or write in one
// round trip (docs/performance.md). They are parameterised: each connection
// plans them once.

const convCols = `c.id, c.tenant_id, c.connection_id, c.agent_id, c.channel_type, c.thread_key, c.channel_ref, c.thread_ref,
	c.participant_id, c.participant_phone, c.participant_name, c.status, c.last_message_at, c.last_inbound_at, c.flagged_at,
	c.flag_reason, c.escalated_at, c.escalation_reason, c.created_at, c.updated_at`

func scanConversation(row pgx.Row, c *Conversation, extra ...any) error {
	return row.Scan(append([]any{&c.ID, &c.TenantID, &c.ConnectionID, &c.AgentID, &c.ChannelType, &c.ThreadKey, &c.ChannelRef, &c.ThreadRef,
		&c.ParticipantID, &c.ParticipantPhone, &c.ParticipantName, &c.Status, &c.LastMessageAt, &c.LastInboundAt, &c.FlaggedAt,
		&c.FlagReason, &c.EscalatedAt, &c.EscalationReason, &c.CreatedAt, &c.UpdatedAt}, extra...)...)
}

const msgCols = `m.id, m.tenant_id, m.conversation_id, m.connection_id, m.role, m.external_id, m.event_id, m.author_id,
	coalesce(m.participant_id, ''), m.body, m.kind, m.attachments, m.delivery_state, m.delivery, m.seq, m.received_at, m.turn_job_id,
	m.answers_seq, m.created_at`

func scanMessage(rows pgx.Rows, m *Message, extra ...any) error {
	return rows.Scan(append([]any{&m.ID, &m.TenantID, &m.ConversationID, &m.ConnectionID, &m.Role, &m.ExternalID, &m.EventID, &m.AuthorID,
		&m.ParticipantID, &m.Body, &m.Kind, &m.Attachments, &m.DeliveryState, &m.Delivery, &m.Seq, &m.ReceivedAt, &m.TurnJobID,
		&m.AnswersSeq, &m.CreatedAt}, extra...)...)
}

// lockSQL locks the conversation for a turn and returns it: the conversation
// $1, or when $1 is NULL the conversation of the message $2. The choice is a
// scalar subquery of its own: written as c.id = coalesce($1, (SELECT …)),
// PostgreSQL 15 cannot use the conversation's key for it and scans the
// tenant's conversations (EXPLAIN, generic plan under the tenant policy).
const lockSQL = `SELECT ` + convCols + ` FROM conversations c
	WHERE c.id = (SELECT coalesce($1::uuid, (SELECT conversation_id FROM messages WHERE id = $2))) FOR UPDATE`

// turnMessagesSQL is what a turn needs of its conversation's messages: its
// own record (the assistant message of its job), whether another turn is
// writing a reply, and the user messages after the last answer.
// The conversation is $1, or when $1 is NULL the conversation of the
// message $5 (as lockSQL). Another turn's reply is "coalesce(turn_job_id,
// $2) <> $2", not "turn_job_id IS NOT NULL AND turn_job_id <> $2": with the
// latter the generic plan walked the partial index messages_turn_job_key
// over every reply of the tenant (LIMIT 1 finding none: 500 rows and 492
// buffers after 500 turns, growing with the tenant's history) instead of
// the conversation's few messages.
const turnMessagesSQL = `WITH conv AS (SELECT coalesce($1::uuid, (SELECT conversation_id FROM messages WHERE id = $5)) AS id)
	SELECT ` + msgCols + `, 'mine' AS what FROM messages m WHERE m.conversation_id = (SELECT id FROM conv) AND m.turn_job_id = $2
	UNION ALL
	(SELECT ` + msgCols + `, 'in_flight' FROM messages m WHERE m.conversation_id = (SELECT id FROM conv) AND m.role = 'assistant'
		AND coalesce(m.turn_job_id, $2) <> $2 AND m.delivery_state IN ($3, $4) LIMIT 1)
	UNION ALL
	SELECT ` + msgCols + `, 'pending' FROM messages m WHERE m.conversation_id = (SELECT id FROM conv) AND m.role = 'user' AND m.seq > (
		SELECT coalesce(max(CASE WHEN role = 'human' THEN seq ELSE answers_seq END), 0) FROM messages
		WHERE conversation_id = (SELECT id FROM conv) AND role IN ('assistant', 'human') AND turn_job_id IS DISTINCT FROM $2)
	ORDER BY 15`

// QueueLockForTurn queues LockForTurn's two statements: the lock on the
// conversation, then (with a snapshot taken after the lock is granted, so it
// sees what a turn that held the lock committed) the turn's messages. After
// the batch is sent, *into is the conversation's state, or nil when the
// conversation is gone. The conversation is convID, or when that is
// uuid.Nil the conversation of the message msgID (a turn enqueued with its
// message before the message's statement had run: ingest).
func QueueLockForTurn(b *store.Batch, convID, msgID uuid.UUID, jobID int64, into **TurnState) {
	st := &TurnState{Conversation: &Conversation{}}
	var conv *uuid.UUID
	if convID != uuid.Nil {
		conv = &convID
	}
	b.Queue(lockSQL, conv, msgID).Query(func(rows pgx.Rows) error {
		defer rows.Close()
		if !rows.Next() {
			*into = nil // erased since
			return rows.Err()
		}
		*into = st
		return scanConversation(rows, st.Conversation)
	})
	b.Queue(turnMessagesSQL, conv, jobID, StateClaimed, StateGenerated, msgID).Query(func(rows pgx.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var m Message
			var what string
			if err := scanMessage(rows, &m, &what); err != nil {
				return err
			}
			switch what {
			case "mine":
				st.Mine = &m
			case "in_flight":
				st.InFlight = true
			default:
				st.Pending = append(st.Pending, m)
			}
		}
		return rows.Err()
	})
}

const insertReplySQL = `INSERT INTO messages (id, tenant_id, conversation_id, connection_id, role, external_id, event_id, author_id,
	participant_id, body, kind, attachments, delivery_state, delivery, turn_job_id, answers_seq)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, nullif($9, ''), $10, $11, $12, $13, $14, $15, $16)
	RETURNING seq, received_at, created_at`

// QueueInsertReply queues InsertReply: the turn's record.
func QueueInsertReply(b *store.Batch, m *Message) {
	if m.Attachments == nil {
		m.Attachments = []Attachment{}
	}
	b.Queue(insertReplySQL, m.ID, m.TenantID, m.ConversationID, m.ConnectionID, m.Role, m.ExternalID, m.EventID, m.AuthorID,
		m.ParticipantID, m.Body, m.Kind, m.Attachments, m.DeliveryState, m.Delivery, m.TurnJobID, m.AnswersSeq).
		QueryRow(func(row pgx.Row) error { return row.Scan(&m.Seq, &m.ReceivedAt, &m.CreatedAt) })
}

// QueueSetAnswersSeq queues SetAnswersSeq.
func QueueSetAnswersSeq(b *store.Batch, m *Message, seq int64) {
	m.AnswersSeq = &seq
	b.Queue(`UPDATE messages SET answers_seq = $2 WHERE id = $1`, m.ID, seq)
}

// QueueSaveReply queues the write of a turn's generated reply: its text,
// kind, speaker, state and delivery record.
func QueueSaveReply(b *store.Batch, m *Message) {
	b.Queue(`UPDATE messages SET body = $2, kind = $3, participant_id = nullif($4, ''), delivery_state = $5, delivery = $6 WHERE id = $1`,
		m.ID, m.Body, m.Kind, m.ParticipantID, m.DeliveryState, m.Delivery)
}

// QueueSaveDelivery queues the write of a reply's delivery record; with
// externalID its channel id (set once its first part is sent), with state
// its delivery state.
func QueueSaveDelivery(b *store.Batch, m *Message, externalID, state bool) {
	var ext, st *string
	if externalID {
		ext = m.ExternalID
	}
	if state {
		st = &m.DeliveryState
	}
	b.Queue(`UPDATE messages SET delivery = $2, external_id = coalesce($3, external_id), delivery_state = coalesce($4, delivery_state) WHERE id = $1`,
		m.ID, m.Delivery, ext, st)
}

// QueueTouch queues bringing the conversation's last-message time to now.
func QueueTouch(b *store.Batch, convID uuid.UUID) {
	b.Queue(`UPDATE conversations SET last_message_at = now() WHERE id = $1`, convID)
}

// QueueFlag queues flagging the conversation for the operator.
func QueueFlag(b *store.Batch, convID uuid.UUID, reason string) {
	b.Queue(`UPDATE conversations SET flagged_at = now(), flag_reason = $2 WHERE id = $1`, convID, reason)
}

// QueueEscalate queues handing the conversation to a person: the agent
// stops answering it (status escalated), with why.
func QueueEscalate(b *store.Batch, convID uuid.UUID, reason string) {
	b.Queue(`UPDATE conversations SET status = 'escalated', escalated_at = now(), escalation_reason = $2 WHERE id = $1`, convID, reason)
}

// UserMessages is how many messages the conversation's user has sent.
func UserMessages(ctx context.Context, tx store.Tx, convID uuid.UUID) (int, error) {
	var b store.Batch
	var n int
	b.Queue(`SELECT count(*) FROM messages WHERE conversation_id = $1 AND role = 'user'`, convID).
		QueryRow(func(row pgx.Row) error { return row.Scan(&n) })
	return n, tx.Send(ctx, &b)
}

const windowSQL = `SELECT ` + msgCols + ` FROM messages m WHERE m.conversation_id = $1 AND m.seq <= $2
	AND (m.role IN ('user', 'human') OR (m.role = 'assistant' AND m.delivery_state = $3))
	ORDER BY m.seq DESC LIMIT $4`

// QueueWindow is Window as one statement of the caller's batch.
func QueueWindow(b *store.Batch, convID uuid.UUID, seq int64, size int, into *[]Message) {
	b.Queue(windowSQL, convID, seq, StateDelivered, size).Query(func(rows pgx.Rows) error {
		defer rows.Close()
		var window []Message
		for rows.Next() {
			var m Message
			if err := scanMessage(rows, &m); err != nil {
				return err
			}
			window = append(window, m)
		}
		for i, j := 0, len(window)-1; i < j; i, j = i+1, j-1 {
			window[i], window[j] = window[j], window[i]
		}
		*into = window
		return rows.Err()
	})
}

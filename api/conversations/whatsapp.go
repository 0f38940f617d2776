package conversations

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/konstruct/konstruct/api/store"
)

// WhatsAppPerson is a WhatsApp user on one connection, known by phone
// number, business-scoped user id (BSUID) or both. Key never changes once
// chosen: it is the person's conversation (thread key "wa:"+Key) and
// participant id, so history and memories stay with the person whichever
// identifiers later messages carry.
type WhatsAppPerson struct {
	Key      string
	Phone    string // wa_id; empty for a user with a username who shared no number
	BSUID    string // user_id, e.g. "US.13491208655302741918"
	Parent   string // parent_user_id (a BSUID shared across a business's portfolios)
	Username string
	Name     string // profile name
}

// ReplyTo is where replies go: the phone number when known (Meta's advice),
// else the BSUID, which Meta's send API takes as "recipient".
func (p WhatsAppPerson) ReplyTo() string {
	if p.Phone != "" {
		return p.Phone
	}
	return p.BSUID
}

// ResolveWhatsAppPerson finds the person an inbound message's identifiers
// belong to, creating them on first contact, and records what the message
// says about them (one round trip: the whatsapp_person function). A message
// with phone and BSUID links the two, so a later message with the BSUID only
// reaches the same conversation.
func ResolveWhatsAppPerson(ctx context.Context, tx store.Tx, connectionID uuid.UUID, who WhatsAppPerson) (WhatsAppPerson, error) {
	who.Phone, who.BSUID, who.Parent = storableText(who.Phone), storableText(who.BSUID), storableText(who.Parent)
	who.Username, who.Name = storableText(who.Username), storableText(who.Name)
	// Parameterised through pgx rather than interpolated by bun: the
	// transaction's BEGIN and tenant ride the same round trip.
	var b store.Batch
	b.Queue("SELECT person_key, phone, bsuid FROM whatsapp_person($1, $2, $3, $4, $5, $6)",
		connectionID, who.Phone, who.BSUID, who.Parent, who.Username, who.Name).
		QueryRow(func(row pgx.Row) error { return row.Scan(&who.Key, &who.Phone, &who.BSUID) })
	if err := tx.Send(ctx, &b); err != nil {
		return who, fmt.Errorf("resolve whatsapp person: %w", err)
	}
	return who, nil
}

// WhatsAppIdentityChanged applies a user_changed_number or
// user_changed_user_id system webhook: the person known by the previous
// phone number or BSUID now has the new ones, and their conversations reply
// to the new address. The person's key (and so their conversation and
// memories) does not change. A person never seen is ignored.
func WhatsAppIdentityChanged(ctx context.Context, tx store.Tx, connectionID uuid.UUID, previous, next WhatsAppPerson) error {
	previous.Phone, previous.BSUID = storableText(previous.Phone), storableText(previous.BSUID)
	next.Phone, next.BSUID, next.Parent = storableText(next.Phone), storableText(next.BSUID), storableText(next.Parent)
	if previous.Phone == "" && previous.BSUID == "" {
		return nil
	}
	var key string
	err := tx.NewRaw(`SELECT person_key FROM whatsapp_people WHERE connection_id = ?
		AND ((? <> '' AND bsuid = ?) OR (? <> '' AND phone = ?)) ORDER BY created_at LIMIT 1`,
		connectionID, previous.BSUID, previous.BSUID, previous.Phone, previous.Phone).Scan(ctx, &key)
	if err == store.ErrNotFound {
		return nil
	}
	if err != nil {
		return fmt.Errorf("whatsapp identity change: %w", err)
	}
	// The new identifiers are this person's; whoever held them (a message
	// that arrived with them before this webhook) gives them up.
	if _, err := tx.ExecContext(ctx, `UPDATE whatsapp_people SET
			phone = CASE WHEN ? <> '' AND phone = ? THEN '' ELSE phone END,
			bsuid = CASE WHEN ? <> '' AND bsuid = ? THEN '' ELSE bsuid END
		WHERE connection_id = ? AND person_key <> ?`,
		next.Phone, next.Phone, next.BSUID, next.BSUID, connectionID, key); err != nil {
		return err
	}
	var reply, phone string
	err = tx.NewRaw(`UPDATE whatsapp_people SET
			phone = coalesce(nullif(?, ''), phone),
			bsuid = coalesce(nullif(?, ''), CASE WHEN bsuid = ? THEN '' ELSE bsuid END),
			parent_bsuid = coalesce(nullif(?, ''), parent_bsuid)
		WHERE connection_id = ? AND person_key = ?
		RETURNING CASE WHEN phone <> '' THEN phone ELSE bsuid END, phone`,
		next.Phone, next.BSUID, previous.BSUID, next.Parent, connectionID, key).Scan(ctx, &reply, &phone)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE conversations SET channel_ref = ?, participant_phone = ?
		WHERE connection_id = ? AND channel_type = 'whatsapp' AND participant_id = ? AND ? <> ''`,
		reply, phone, connectionID, key, reply)
	return err
}

package whatsapp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/konstruct/konstruct/api/channels"
	"github.com/konstruct/konstruct/api/conversations"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/obs"
	"github.com/konstruct/konstruct/api/store"
	"github.com/konstruct/konstruct/api/turns"
)

type payload struct {
	Object string `json:"object"`
	Entry  []struct {
		ID      string `json:"id"`
		Changes []struct {
			Field string `json:"field"`
			Value value  `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

type value struct {
	Metadata struct {
		DisplayPhoneNumber string `json:"display_phone_number"`
		PhoneNumberID      string `json:"phone_number_id"`
	} `json:"metadata"`
	Contacts []contact `json:"contacts"`
	Messages []message `json:"messages"`
	Statuses []status  `json:"statuses"`
}

// contact is who sent the messages of a delivery: phone number (wa_id),
// business-scoped user id, parent BSUID, profile name and username.
type contact struct {
	Profile struct {
		Name     string `json:"name"`
		Username string `json:"username"`
	} `json:"profile"`
	WaID         string `json:"wa_id"`
	UserID       string `json:"user_id"`
	ParentUserID string `json:"parent_user_id"`
}

type media struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
}

type message struct {
	From             string `json:"from"`
	FromUserID       string `json:"from_user_id"`
	FromParentUserID string `json:"from_parent_user_id"`
	ID               string `json:"id"`
	Timestamp        string `json:"timestamp"`
	Type             string `json:"type"`
	Text             *struct {
		Body string `json:"body"`
	} `json:"text"`
	Image       *media `json:"image"`
	Audio       *media `json:"audio"`
	Video       *media `json:"video"`
	Document    *media `json:"document"`
	Sticker     *media `json:"sticker"`
	Interactive *struct {
		Type        string `json:"type"`
		ButtonReply *struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"button_reply"`
		ListReply *struct {
			ID          string `json:"id"`
			Title       string `json:"title"`
			Description string `json:"description"`
		} `json:"list_reply"`
	} `json:"interactive"`
	Button *struct {
		Payload string `json:"payload"`
		Text    string `json:"text"`
	} `json:"button"`
	Location *struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
		Name      string  `json:"name"`
		Address   string  `json:"address"`
	} `json:"location"`
	System *struct {
		Type                 string `json:"type"` // user_changed_number, user_changed_user_id
		WaID                 string `json:"wa_id"`
		UserID               string `json:"user_id"`
		ParentUserID         string `json:"parent_user_id"`
		PreviousUserID       string `json:"previous_user_id"`
		PreviousParentUserID string `json:"previous_parent_user_id"`
	} `json:"system"`
}

type status struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Timestamp string `json:"timestamp"`
	// BizOpaque is what we sent as biz_opaque_callback_data: the outbound
	// part's id, the evidence that resolves a send whose answer was lost.
	BizOpaque string `json:"biz_opaque_callback_data"`
	Errors    []struct {
		Code  int    `json:"code"`
		Title string `json:"title"`
	} `json:"errors"`
}

// Verify answers Meta's webhook handshake (GET /api/webhooks/whatsapp).
func (s *Service) Verify(c echo.Context) error {
	q := c.Request().URL.Query()
	want := s.opts.Config.VerifyToken
	if want == "" || q.Get("hub.mode") != "subscribe" ||
		subtle.ConstantTimeCompare([]byte(q.Get("hub.verify_token")), []byte(want)) != 1 {
		return errs.E(errs.Forbidden, "The verify token does not match.")
	}
	return c.String(http.StatusOK, q.Get("hub.challenge"))
}

// Events is the webhook (POST /api/webhooks/whatsapp).
func (s *Service) Events(log *slog.Logger) echo.HandlerFunc {
	return func(c echo.Context) error {
		secret := s.opts.Config.AppSecret
		if secret == "" {
			return errs.E(errs.Unavailable, "WhatsApp is not configured on this Konstruct installation (WHATSAPP_APP_SECRET).")
		}
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		if !validSignature(c.Request().Header.Get("X-Hub-Signature-256"), body, secret) {
			return errs.E(errs.Unauthorized, "The X-Hub-Signature-256 signature is missing or wrong.")
		}
		var p payload
		if err := json.Unmarshal(body, &p); err != nil {
			return errs.Wrap(errs.BadRequest, err, "The body is not valid JSON.")
		}
		ctx := c.Request().Context()
		for _, e := range p.Entry {
			for _, ch := range e.Changes {
				if ch.Field != "messages" {
					continue
				}
				if err := s.handle(ctx, log, &ch.Value); err != nil {
					return err // 500: Meta redelivers, and dedupe absorbs what was already stored
				}
			}
		}
		return c.NoContent(http.StatusOK)
	}
}

// validSignature checks "sha256=<hex>" in constant time.
func validSignature(header string, body []byte, secret string) bool {
	got, err := hex.DecodeString(strings.TrimPrefix(header, "sha256="))
	if err != nil || !strings.HasPrefix(header, "sha256=") {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

func (s *Service) handle(ctx context.Context, log *slog.Logger, v *value) error {
	ctx = store.WithStep(ctx, channels.StepIngest)
	err := s.routes.Handle(ctx, channels.WhatsApp, v.Metadata.PhoneNumberID, func(route *channels.Route) error {
		return s.handleRouted(ctx, log, v, route)
	})
	if errors.Is(err, channels.ErrUnrouted) {
		log.InfoContext(ctx, "whatsapp webhook for an unconnected number ignored", "phone_number_id", v.Metadata.PhoneNumberID)
		return nil
	}
	return err
}

// handleRouted stores a change's messages and statuses on its route, in one
// transaction that guards the route (channels.Guard): a remembered one that
// no longer holds fails it, and the router calls again with a fresh one.
func (s *Service) handleRouted(ctx context.Context, log *slog.Logger, v *value, route *channels.Route) error {
	obs.SetTenant(ctx, route.TenantID.String())
	if route.Status != channels.StatusActive {
		return nil
	}
	contacts := map[string]contact{}
	for _, c := range v.Contacts {
		for _, id := range []string{c.WaID, c.UserID} {
			if id != "" {
				contacts[id] = c
			}
		}
	}
	messages, statuses := s.fresh(ctx, log, v, time.Now())
	return s.opts.Store.WithTenant(ctx, route.TenantID, func(ctx context.Context, tx store.Tx) error {
		for i := range messages {
			m := &messages[i]
			if m.Type == "system" {
				if err := identityChanged(ctx, tx, route, m); err != nil {
					return err
				}
				continue
			}
			in, ok := inbound(route, m)
			if !ok {
				continue
			}
			who, err := conversations.ResolveWhatsAppPerson(ctx, tx, route.ConnectionID, identify(m, contacts))
			if err != nil {
				return err
			}
			var b store.Batch
			received, err := conversations.QueueReceive(&b, tx.TenantID, from(in, who))
			if err != nil {
				return err
			}
			if err := tx.Send(ctx, &b); err != nil {
				return fmt.Errorf("receive message: %w", err)
			}
			if !received.Duplicate {
				if err := turns.EnqueueReceived(ctx, tx, received); err != nil {
					return err
				}
			}
		}
		for _, st := range statuses {
			if err := recordStatus(ctx, log, tx, route, st); err != nil {
				return err
			}
		}
		if err := channels.MarkEvent(tx, route); err != nil {
			return err
		}
		// The route's check rides with the COMMIT: the person lookup that
		// comes first goes by the simple protocol, which cannot carry it,
		// and a failed check rolls back everything before it.
		return channels.Guard(tx, route)
	})
}

// identify is who sent m, as the message and its delivery's contacts say.
func identify(m *message, contacts map[string]contact) conversations.WhatsAppPerson {
	who := conversations.WhatsAppPerson{Phone: m.From, BSUID: m.FromUserID, Parent: m.FromParentUserID}
	c, ok := contacts[m.From]
	if !ok || m.From == "" {
		c = contacts[m.FromUserID]
	}
	if who.BSUID == "" {
		who.BSUID = c.UserID
	}
	if who.Parent == "" {
		who.Parent = c.ParentUserID
	}
	who.Name, who.Username = c.Profile.Name, c.Profile.Username
	return who
}

// from completes an inbound message with its sender: the person's stable
// key is the conversation and participant, and replies go to the phone
// number when known, else to the BSUID.
func from(in conversations.Inbound, who conversations.WhatsAppPerson) conversations.Inbound {
	in.ThreadKey, in.ParticipantID, in.ChannelRef = "wa:"+who.Key, who.Key, who.ReplyTo()
	in.ParticipantPhone, in.ParticipantName = who.Phone, who.Name
	if in.ParticipantName == "" {
		in.ParticipantName = who.Username
	}
	return in
}

// identityChanged applies a user_changed_number / user_changed_user_id
// system webhook to the person it is about.
func identityChanged(ctx context.Context, tx store.Tx, route *channels.Route, m *message) error {
	sys := m.System
	if sys == nil || (sys.Type != "user_changed_number" && sys.Type != "user_changed_user_id") {
		return nil
	}
	previous := conversations.WhatsAppPerson{Phone: m.From, BSUID: sys.PreviousUserID}
	if previous.BSUID == "" && sys.UserID != m.FromUserID {
		previous.BSUID = m.FromUserID
	}
	next := conversations.WhatsAppPerson{BSUID: sys.UserID, Parent: sys.ParentUserID}
	if sys.Type == "user_changed_number" {
		next.Phone = sys.WaID
	}
	return conversations.WhatsAppIdentityChanged(ctx, tx, route.ConnectionID, previous, next)
}

// fresh drops the messages and statuses older than the replay horizon.
// Meta's signature covers the body only, with no time in it, so a captured
// delivery verifies forever; the entries' own timestamps are the only clock.
// Dedupe on wamid already stops a replayed message from being answered twice,
// but a message whose row was since deleted (retention, participant erasure)
// would be stored and answered again, and a replayed status recorded again
// (recordStatus keeps that from moving a delivery backwards). Anything older than
// Meta's retry horizon cannot be a redelivery, so it is acknowledged (Meta
// must not retry) and ignored. An entry without a readable timestamp is kept:
// genuine Meta entries always have one, and conversations.Inbound.Storable
// stamps it with the arrival time. Timestamps ahead of our clock are kept
// too: a skewed clock is no reason to lose a message.
func (s *Service) fresh(ctx context.Context, log *slog.Logger, v *value, now time.Time) ([]message, []status) {
	horizon := now.Add(-s.opts.ReplayHorizon)
	stale := func(ts string) bool {
		at := unixString(ts)
		return !at.IsZero() && at.Before(horizon)
	}
	messages := make([]message, 0, len(v.Messages))
	for _, m := range v.Messages {
		if stale(m.Timestamp) {
			log.InfoContext(ctx, "whatsapp message older than the replay horizon ignored", "reason", "stale",
				"wamid", clean(m.ID), "timestamp", clean(m.Timestamp), "horizon", s.opts.ReplayHorizon.String())
			continue
		}
		messages = append(messages, m)
	}
	statuses := make([]status, 0, len(v.Statuses))
	for _, st := range v.Statuses {
		if stale(st.Timestamp) {
			log.InfoContext(ctx, "whatsapp status older than the replay horizon ignored", "reason", "stale",
				"wamid", clean(st.ID), "status", clean(st.Status), "timestamp", clean(st.Timestamp), "horizon", s.opts.ReplayHorizon.String())
			continue
		}
		statuses = append(statuses, st)
	}
	return messages, statuses
}

// inbound maps a WhatsApp message, without its sender (see from); ok is
// false for what the agent does not answer (reactions, system notices,
// unsupported types) and for a message naming no sender.
func inbound(route *channels.Route, m *message) (conversations.Inbound, bool) {
	if (m.From == "" && m.FromUserID == "") || m.ID == "" {
		return conversations.Inbound{}, false
	}
	in := conversations.Inbound{
		ConnectionID: route.ConnectionID, ChannelType: channels.WhatsApp, AgentID: route.AgentID,
		ExternalID: m.ID, Kind: m.Type, SentAt: unixString(m.Timestamp),
	}
	attach := func(kind string, md *media) {
		if md == nil {
			return
		}
		in.Body = md.Caption
		in.Attachments = append(in.Attachments, conversations.Attachment{Kind: kind, MediaID: md.ID, MimeType: md.MimeType,
			Name: md.Filename, Caption: md.Caption})
	}
	switch m.Type {
	case "text":
		if m.Text == nil {
			return in, false
		}
		in.Body = m.Text.Body
	case "image":
		attach("image", m.Image)
	case "audio":
		attach("audio", m.Audio)
	case "video":
		attach("video", m.Video)
	case "document":
		attach("document", m.Document)
	case "sticker":
		attach("sticker", m.Sticker)
	case "interactive":
		switch {
		case m.Interactive == nil:
			return in, false
		case m.Interactive.ButtonReply != nil:
			in.Body = m.Interactive.ButtonReply.Title
		case m.Interactive.ListReply != nil:
			in.Body = strings.TrimSpace(m.Interactive.ListReply.Title + " " + m.Interactive.ListReply.Description)
		default:
			return in, false
		}
	case "button":
		if m.Button == nil {
			return in, false
		}
		in.Body = m.Button.Text
	case "location":
		if m.Location == nil {
			return in, false
		}
		l := m.Location
		in.Body = strings.TrimSpace(fmt.Sprintf("Shared a location: %s %s (%.6f, %.6f)", l.Name, l.Address, l.Latitude, l.Longitude))
		in.Attachments = append(in.Attachments, conversations.Attachment{Kind: "location", Name: l.Name, Caption: in.Body})
	default: // reaction, contacts, system, unsupported, unknown
		return in, false
	}
	return in, true
}

// statusRank orders WhatsApp delivery statuses: a message is sent, then
// delivered or failed, and a delivered message may then be read. Meta does not
// promise to deliver statuses in order, and a replayed delivery brings back an
// old one, so a status is recorded only when it ranks above the one stored:
// read is never followed by delivered, sent or failed, and whichever of
// delivered or failed came first stands (a genuine history has only one).
// Statuses we do not know (Meta adds some) rank 0: recorded on a message
// without a status, never over a known one.
var statusRank = map[string]int{"sent": 1, "delivered": 2, "failed": 2, "read": 3}

// storedRank is statusRank in SQL over the stored delivery->>'status'; -1
// when there is none yet.
var storedRank = rankSQL("delivery->>'status'")

// rankSQL is statusRank in SQL over a status expression: -1 when it is
// NULL or empty.
func rankSQL(expr string) string {
	names := make([]string, 0, len(statusRank))
	for name := range statusRank {
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	fmt.Fprintf(&b, "CASE WHEN coalesce(%s, '') = '' THEN -1", expr)
	for _, name := range names {
		fmt.Fprintf(&b, " WHEN %s = '%s' THEN %d", expr, name, statusRank[name])
	}
	b.WriteString(" ELSE 0 END")
	return b.String()
}

// recordStatus notes a delivery status on the outbound message it is about,
// unless the message already has a status of the same or a later rank. The
// comparison is in the UPDATE itself, so concurrent deliveries of two
// statuses cannot interleave a read and a write.
//
// A status carrying our biz_opaque_callback_data is also the evidence for the
// outbound part it names: its wamid is recorded there if the send's own
// answer never was (a crash, a timeout), so the turn does not send it again.
// A second wamid for one part means a duplicate reached the user; it is
// logged. Error 131062 (no BSUID recipients for this message) flags the
// conversation for the operator.
func recordStatus(ctx context.Context, log *slog.Logger, tx store.Tx, route *channels.Route, st status) error {
	id, patch, ok := statusPatch(st)
	if !ok {
		return nil
	}
	state := clean(st.Status)
	_, err := tx.ExecContext(ctx, `UPDATE messages SET delivery = delivery || ?::jsonb
		WHERE connection_id = ? AND external_id = ? AND role <> 'user' AND `+storedRank+` < ?`,
		string(patch), route.ConnectionID, id, statusRank[state])
	if err != nil {
		return err
	}
	var errorCode *int
	if len(st.Errors) > 0 {
		errorCode = &st.Errors[0].Code
	}
	part, perr := uuid.Parse(clean(st.BizOpaque))
	if perr == nil {
		var prev sql.NullString
		err := tx.NewRaw(`WITH old AS (SELECT id, provider_ref FROM outbound_parts WHERE id = ? AND connection_id = ? FOR UPDATE)
			UPDATE outbound_parts p SET provider_ref = coalesce(p.provider_ref, ?),
				evidence = CASE WHEN p.provider_ref IS NULL THEN 'status' ELSE p.evidence END,
				status = CASE WHEN `+rankSQL("p.status")+` < ? THEN ? ELSE p.status END,
				status_at = now(), error_code = coalesce(?, p.error_code)
			FROM old WHERE p.id = old.id RETURNING old.provider_ref`,
			part, route.ConnectionID, id, statusRank[state], state, errorCode).Scan(ctx, &prev)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			// not one of ours (or erased since)
		case err != nil:
			return err
		case prev.Valid && prev.String != id:
			log.WarnContext(ctx, "whatsapp duplicate delivered: a second message carries one outbound part's id", "part_id", part.String(),
				"first_wamid", prev.String, "second_wamid", id)
		}
	}
	if errorCode != nil && *errorCode == CodeRecipientUnsupported {
		_, err := tx.ExecContext(ctx, `UPDATE conversations c SET flagged_at = now(), flag_reason = ? FROM messages m
			WHERE m.conversation_id = c.id AND m.connection_id = ?
			  AND (m.external_id = ? OR m.id = (SELECT message_id FROM outbound_parts WHERE id = ? AND connection_id = ?))`,
			RecipientUnsupportedReason, route.ConnectionID, id, uuid.NullUUID{UUID: part, Valid: perr == nil}, route.ConnectionID)
		return err
	}
	return nil
}

// statusPatch is the delivery patch a status makes, as PostgreSQL can store
// it (no NUL characters, a time in range); ok is false when there is nothing
// to record.
func statusPatch(st status) (id string, patch []byte, ok bool) {
	id, state := clean(st.ID), clean(st.Status)
	if id == "" || state == "" {
		return "", nil, false
	}
	at := unixString(st.Timestamp)
	if at.IsZero() {
		at = time.Now()
	}
	p := map[string]any{"status": state, "status_at": at}
	if len(st.Errors) > 0 {
		p["error_code"] = st.Errors[0].Code
		p["error"] = clean(st.Errors[0].Title)
	}
	patch, err := json.Marshal(p)
	return id, patch, err == nil
}

func clean(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", "")
}

// unixString reads Meta's decimal-string unix seconds; the zero time when it
// is not one or is not plausible (before 1970, after 9999).
func unixString(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > maxUnix {
		return time.Time{}
	}
	return time.Unix(n, 0)
}

// maxUnix is 9999-12-31T23:59:59Z, the last second JSON can carry.
const maxUnix = 253402300799

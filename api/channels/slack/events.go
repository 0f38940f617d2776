package slack

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	slackapi "github.com/slack-go/slack"

	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/channels"
	"github.com/konstruct/konstruct/api/conversations"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/obs"
	"github.com/konstruct/konstruct/api/store"
	"github.com/konstruct/konstruct/api/turns"
)

// envelope is the outer Events API payload.
type envelope struct {
	Type      string          `json:"type"`
	Challenge string          `json:"challenge"`
	TeamID    string          `json:"team_id"`
	EventID   string          `json:"event_id"`
	EventTime int64           `json:"event_time"`
	Event     json.RawMessage `json:"event"`
}

// event is the inner event, covering app_mention and message.
type event struct {
	Type        string      `json:"type"`
	Subtype     string      `json:"subtype"`
	User        string      `json:"user"`
	BotID       string      `json:"bot_id"`
	Text        string      `json:"text"`
	TS          string      `json:"ts"`
	ThreadTS    string      `json:"thread_ts"`
	Channel     string      `json:"channel"`
	ChannelType string      `json:"channel_type"`
	Edited      *struct{}   `json:"edited"`
	Files       []slackFile `json:"files"`
}

type slackFile struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	Mimetype           string `json:"mimetype"`
	Size               int64  `json:"size"`
	URLPrivateDownload string `json:"url_private_download"`
	URLPrivate         string `json:"url_private"`
}

// Events is the Events API webhook (POST /api/webhooks/slack/events).
func (s *Service) Events(log *slog.Logger) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := s.enabled(); err != nil {
			return err
		}
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err // BodyLimit's 413 surfaces here
		}
		if err := verify(c.Request().Header, body, s.opts.Config.SigningSecret); err != nil {
			return errs.Wrap(errs.Unauthorized, err, "The Slack signature is missing, stale or wrong.")
		}
		var env envelope
		if err := json.Unmarshal(body, &env); err != nil {
			return errs.Wrap(errs.BadRequest, err, "The body is not valid JSON.")
		}
		if env.Type == "url_verification" {
			return c.String(http.StatusOK, env.Challenge)
		}
		if env.Type == "event_callback" {
			if err := s.handle(c.Request().Context(), log, &env); err != nil {
				return err
			}
		}
		return c.JSONBlob(http.StatusOK, ackBody)
	}
}

// ackBody is every handled event's answer, written as bytes: encoding a map
// per event was 3 % of the server's CPU in closed-loop ingest.
var ackBody = []byte(`{"ok":true}` + "\n")

// verify checks the v0 signature and the 5-minute timestamp window;
// slack-go compares the MAC with hmac.Equal.
func verify(h http.Header, body []byte, secret string) error {
	sv, err := slackapi.NewSecretsVerifier(h, secret)
	if err != nil {
		return err
	}
	if _, err := sv.Write(body); err != nil {
		return err
	}
	return sv.Ensure()
}

// acceptedSubtypes are the message subtypes a person produces.
var acceptedSubtypes = map[string]bool{"": true, "file_share": true, "thread_broadcast": true}

func (s *Service) handle(ctx context.Context, log *slog.Logger, env *envelope) error {
	ctx = store.WithStep(ctx, channels.StepIngest)
	err := s.routes.Handle(ctx, channels.Slack, env.TeamID, func(route *channels.Route) error {
		return s.handleRouted(ctx, log, env, route)
	})
	if errors.Is(err, channels.ErrUnrouted) {
		log.InfoContext(ctx, "slack event for an unconnected workspace ignored", "team_id", env.TeamID, "event_id", env.EventID)
		return nil
	}
	return err
}

// handleRouted handles an event on its route. Every transaction guards the
// route (channels.Guard): a remembered one that no longer holds fails it,
// and the router calls again with a fresh one.
func (s *Service) handleRouted(ctx context.Context, log *slog.Logger, env *envelope, route *channels.Route) error {
	obs.SetTenant(ctx, route.TenantID.String())
	if route.Status != channels.StatusActive {
		return nil
	}
	var ev event
	if err := json.Unmarshal(env.Event, &ev); err != nil {
		return errs.Wrap(errs.BadRequest, err, "The event is not valid JSON.")
	}

	switch ev.Type {
	case "app_uninstalled", "tokens_revoked":
		return s.opts.Store.WithTenant(ctx, route.TenantID, func(ctx context.Context, tx store.Tx) error {
			if err := channels.Guard(tx, route); err != nil {
				return err
			}
			reason := "Konstruct was removed from the Slack workspace"
			if ev.Type == "tokens_revoked" {
				reason = "the Slack workspace revoked Konstruct's token"
			}
			if err := channels.SetStatus(ctx, tx, route.ConnectionID, channels.StatusRevoked, reason); err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.Event{Action: "channel.revoked", TargetType: "channel", TargetID: route.ConnectionID.String(),
				Metadata: map[string]any{"type": channels.Slack, "event": ev.Type}})
		})
	}
	if ev.Type == "message_metadata_posted" {
		return s.recordEvidence(ctx, log, route, env.Event)
	}
	botUser := route.Config["bot_user_id"]
	if !wanted(&ev, botUser) {
		return nil
	}
	in := inbound(route, env, &ev, botUser)
	err := s.opts.Store.WithTenant(ctx, route.TenantID, func(ctx context.Context, tx store.Tx) error {
		// One round trip: BEGIN, the route's check, the message, the
		// connection's last-event time when due, the turn's job and the
		// COMMIT. A duplicate (a retry, or the mention's twin message.im)
		// fails the message's statement, so neither the job nor the
		// COMMIT behind it runs, and the transaction rolls back.
		if err := channels.Guard(tx, route); err != nil {
			return err
		}
		var b store.Batch
		received, err := conversations.QueueReceiveNew(&b, tx.TenantID, in)
		if err != nil {
			return err
		}
		if err := tx.Defer(&b); err != nil {
			return err
		}
		if err := channels.MarkEvent(tx, route); err != nil {
			return err
		}
		return turns.EnqueueReceivedAndCommit(ctx, tx, received)
	})
	if conversations.ReceivedBefore(err) {
		return nil // stored before: acknowledged, nothing new
	}
	return err
}

// metadataEvent is a message_metadata_posted event: Slack's own record that
// a message carrying metadata was posted.
type metadataEvent struct {
	AppID     string `json:"app_id"`
	ChannelID string `json:"channel_id"`
	MessageTS string `json:"message_ts"`
	Metadata  struct {
		EventType    string `json:"event_type"`
		EventPayload struct {
			PartID string `json:"part_id"`
		} `json:"event_payload"`
	} `json:"metadata"`
}

// recordEvidence notes that a message Konstruct posted (an outbound part,
// named by the part_id in its metadata) exists, with its ts: the evidence
// that settles a post whose answer was lost, so the turn does not post it
// again. Metadata from another app, or naming no part of this connection, is
// ignored. A second ts for one part is a stray placeholder; it is logged.
func (s *Service) recordEvidence(ctx context.Context, log *slog.Logger, route *channels.Route, raw json.RawMessage) error {
	var ev metadataEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return errs.Wrap(errs.BadRequest, err, "The event is not valid JSON.")
	}
	part, err := uuid.Parse(ev.Metadata.EventPayload.PartID)
	if ev.Metadata.EventType != MetadataEventType || err != nil || ev.MessageTS == "" {
		return nil
	}
	if app := route.Config["app_id"]; app != "" && ev.AppID != app {
		return nil
	}
	return s.opts.Store.WithTenant(ctx, route.TenantID, func(ctx context.Context, tx store.Tx) error {
		if err := channels.Guard(tx, route); err != nil {
			return err
		}
		var prev sql.NullString
		err := tx.NewRaw(`WITH old AS (SELECT id, provider_ref FROM outbound_parts WHERE id = ? AND connection_id = ? FOR UPDATE)
			UPDATE outbound_parts p SET provider_ref = coalesce(p.provider_ref, ?),
				evidence = CASE WHEN p.provider_ref IS NULL THEN 'metadata' ELSE p.evidence END
			FROM old WHERE p.id = old.id RETURNING old.provider_ref`, part, route.ConnectionID, ev.MessageTS).Scan(ctx, &prev)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return err
		case prev.Valid && prev.String != ev.MessageTS:
			log.WarnContext(ctx, "slack stray message: a second post carries one outbound part's id", "part_id", part.String(),
				"channel", ev.ChannelID, "first_ts", prev.String, "second_ts", ev.MessageTS)
		}
		return nil
	})
}

// wanted reports whether ev is a person's message the agent answers: a
// mention (not one added by editing an old message) or a direct message, not
// our own replies, other bots, edits, joins…
func wanted(ev *event, botUser string) bool {
	switch ev.Type {
	case "app_mention":
		if ev.Edited != nil {
			return false
		}
	case "message":
		if ev.ChannelType != "im" {
			return false
		}
	default:
		return false
	}
	return ev.BotID == "" && ev.User != "" && ev.User != botUser && acceptedSubtypes[ev.Subtype] && ev.TS != "" && ev.Channel != ""
}

func inbound(route *channels.Route, env *envelope, ev *event, botUser string) conversations.Inbound {
	in := conversations.Inbound{
		ConnectionID: route.ConnectionID, ChannelType: channels.Slack, AgentID: route.AgentID,
		ChannelRef: ev.Channel, ParticipantID: ev.User, ExternalID: ev.Channel + ":" + ev.TS, EventID: env.EventID,
		Body: withoutMention(ev.Text, botUser), SentAt: slackTime(ev.TS),
	}
	if ev.ChannelType == "im" {
		// A DM is one conversation; a thread inside it is its own.
		in.ThreadRef = ev.ThreadTS
		in.ThreadKey = ev.Channel + ":" + ev.ThreadTS
	} else {
		// A mention starts (or continues) a thread under the message.
		in.ThreadRef = ev.ThreadTS
		if in.ThreadRef == "" {
			in.ThreadRef = ev.TS
		}
		in.ThreadKey = ev.Channel + ":" + in.ThreadRef
	}
	for _, f := range ev.Files {
		url := f.URLPrivateDownload
		if url == "" {
			url = f.URLPrivate
		}
		in.Attachments = append(in.Attachments, conversations.Attachment{Kind: fileKind(f.Mimetype), MediaID: f.ID, URL: url,
			MimeType: f.Mimetype, Name: f.Name, Size: f.Size})
	}
	if in.Body == "" && len(in.Attachments) > 0 {
		in.Kind = in.Attachments[0].Kind
	}
	return in
}

// withoutMention drops the bot's own mention from a message's text (until
// none is left: removing one may join the pieces of another).
func withoutMention(text, botUser string) string {
	m := "<@" + botUser + ">"
	for strings.Contains(text, m) {
		text = strings.ReplaceAll(text, m, "")
	}
	return strings.TrimSpace(text)
}

func fileKind(mime string) string {
	for _, k := range []string{"image", "audio", "video"} {
		if strings.HasPrefix(mime, k+"/") {
			return k
		}
	}
	return "document"
}

// slackTime reads a Slack "1700000000.000100" timestamp; the zero time when
// it is not one (the message is then stamped with its arrival).
func slackTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	if len(frac) > 6 {
		frac = frac[:6]
	}
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || s <= 0 || s > maxUnix || strings.TrimLeft(sec, "0123456789") != "" {
		return time.Time{}
	}
	us := int64(0)
	for i := 0; i < 6; i++ {
		us *= 10
		if i < len(frac) {
			if frac[i] < '0' || frac[i] > '9' {
				return time.Time{}
			}
			us += int64(frac[i] - '0')
		}
	}
	return time.Unix(s, us*1000)
}

// maxUnix is 9999-12-31T23:59:59Z, the last second JSON can carry.
const maxUnix = 253402300799

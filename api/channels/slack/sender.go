package slack

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/konstruct/konstruct/api/channels"
)

// maxText keeps messages readable; Slack truncates far longer ones.
const maxText = 3900

// Provider is the Slack channels.Provider.
func (s *Service) Provider() channels.Provider { return provider{s} }

type provider struct{ s *Service }

// client talks to Slack through channels.OutcomeClient, so a post whose
// answer was lost after the request went out is reported in doubt rather
// than as not sent.
func (p provider) client(token string) *slackapi.Client {
	return slackapi.New(token, slackapi.OptionAPIURL(p.s.opts.Config.APIURL),
		slackapi.OptionHTTPClient(channels.OutcomeClient{HTTP: p.s.opts.HTTPClient}))
}

func (p provider) Sender(_ *channels.Connection, token string) channels.Sender {
	return sender{api: p.client(token), token: token, s: p.s}
}

type sender struct {
	api   *slackapi.Client
	token string
	s     *Service
}

// Download fetches a private file with the bot token, from Slack's own hosts
// (or the configured API host, which tests point at a fake).
func (s sender) Download(ctx context.Context, m channels.Media, max int64) ([]byte, string, error) {
	apiHost := ""
	if u, err := url.Parse(s.s.opts.Config.APIURL); err == nil {
		apiHost = u.Host
	}
	return channels.Fetch(ctx, s.s.opts.HTTPClient, m.URL, s.token, max, func(host string) bool {
		return channels.HostIs(host, apiHost, "slack.com", "slack-edge.com", "slack-files.com")
	})
}

// DirectMessage opens a DM with a user and posts in it (hand-over notices).
func (s sender) DirectMessage(ctx context.Context, userID, text string) (string, error) {
	ch, _, _, err := s.api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{userID}})
	if err != nil {
		return "", mapError(err)
	}
	return s.Post(ctx, channels.Target{Channel: ch.ID}, text)
}

func (s sender) MaxLen() int { return maxText }

// MetadataEventType is the message metadata event type Konstruct attaches to
// what it posts: its payload's part_id is the outbound part's id, and Slack
// sends it back in a message_metadata_posted event (the evidence that a post
// whose answer was lost went out). The Slack app must subscribe to it
// (metadata_subscriptions in the app manifest, scope metadata.message:read).
const MetadataEventType = "konstruct_part"

// UserName is a person's name as their workspace shows it (users.info,
// which needs the users:read scope): the display name they chose, else
// their real name.
func (s sender) UserName(ctx context.Context, userID string) (string, error) {
	u, err := s.api.GetUserInfoContext(ctx, userID)
	if err != nil {
		return "", mapError(err)
	}
	for _, name := range []string{u.Profile.DisplayName, u.Profile.RealName, u.RealName, u.Name} {
		if name = strings.TrimSpace(name); name != "" {
			return name, nil
		}
	}
	return "", nil
}

func (s sender) Post(ctx context.Context, t channels.Target, text string) (string, error) {
	opts := []slackapi.MsgOption{slackapi.MsgOptionText(text, false)}
	if t.Thread != "" {
		opts = append(opts, slackapi.MsgOptionTS(t.Thread))
	}
	if t.Evidence != "" {
		opts = append(opts, slackapi.MsgOptionMetadata(slackapi.SlackMetadata{EventType: MetadataEventType,
			EventPayload: map[string]any{"part_id": t.Evidence}}))
	}
	_, ts, err := s.api.PostMessageContext(ctx, t.Channel, opts...)
	return ts, mapError(err)
}

func (s sender) Update(ctx context.Context, t channels.Target, ref, text string) error {
	_, _, _, err := s.api.UpdateMessageContext(ctx, t.Channel, ref, slackapi.MsgOptionText(text, false))
	return mapError(err)
}

func (s sender) MarkRead(context.Context, string) error { return nil }

// revokedErrors mean the token no longer works: the connection is revoked.
var revokedErrors = []string{"token_revoked", "invalid_auth", "account_inactive", "not_authed", "token_expired", "team_access_not_granted"}

// mapError turns slack-go errors into channels' typed errors.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var rl *slackapi.RateLimitedError
	if errors.As(err, &rl) {
		return &channels.RateLimitedError{RetryAfter: max(rl.RetryAfter, time.Second), Provider: "Slack"}
	}
	var se slackapi.SlackErrorResponse
	if errors.As(err, &se) {
		return &channels.ProviderError{Provider: "Slack", Code: se.Err, Message: se.Err, Revoked: slices.Contains(revokedErrors, se.Err)}
	}
	var sc slackapi.StatusCodeError
	if errors.As(err, &sc) {
		switch {
		case sc.Code == http.StatusTooManyRequests: // without Retry-After: the caller backs off
			return &channels.RateLimitedError{Provider: "Slack"}
		case sc.Code >= 500: // Slack may have acted before failing
			return &channels.InDoubtError{Err: err}
		}
		return &channels.ProviderError{Provider: "Slack", Code: sc.Status, Message: "HTTP " + sc.Status}
	}
	// Connection errors (in doubt when the request went out): worth retrying.
	return err
}

func (p provider) SendTest(ctx context.Context, conn *channels.Connection, token, _ string) (string, error) {
	installer := conn.Config["installer_user_id"]
	if installer == "" {
		return "", &channels.ProviderError{Provider: "Slack", Code: "no_installer", Message: "the installing user is unknown; reinstall the app"}
	}
	api := p.client(token)
	ch, _, _, err := api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{installer}})
	if err != nil {
		return "", mapError(err)
	}
	if _, err := (sender{api: api}).Post(ctx, channels.Target{Channel: ch.ID}, p.s.opts.TestMessage); err != nil {
		return "", err
	}
	return "Sent a direct message in " + conn.DisplayName + " to the person who installed Konstruct.", nil
}

func (p provider) Check(ctx context.Context, conn *channels.Connection, token string) []channels.CheckResult {
	var out []channels.CheckResult
	resp, err := p.client(token).AuthTestContext(ctx)
	if err != nil {
		out = append(out, channels.CheckResult{Name: "token_valid", Status: channels.CheckFail,
			Detail: "Slack refused the bot token: " + mapError(err).Error(),
			Hint:   "Reinstall Konstruct in the workspace (Settings → Channels → Add to Slack)."})
		return out
	}
	out = append(out, channels.CheckResult{Name: "token_valid", Status: channels.CheckPass, Detail: "The bot token works for " + resp.Team + "."})

	granted := conn.Config["scope"]
	if h := resp.Header.Get("X-OAuth-Scopes"); h != "" {
		granted = h
	}
	var missing []string
	have := strings.Split(strings.ReplaceAll(granted, " ", ""), ",")
	for _, need := range Scopes {
		if !slices.Contains(have, need) {
			missing = append(missing, need)
		}
	}
	if len(missing) == 0 {
		out = append(out, channels.CheckResult{Name: "scopes", Status: channels.CheckPass, Detail: "Every scope Konstruct needs is granted."})
	} else {
		out = append(out, channels.CheckResult{Name: "scopes", Status: channels.CheckFail, Detail: "Missing scopes: " + strings.Join(missing, ", "),
			Hint: "Reinstall Konstruct so Slack asks for the missing permissions."})
	}
	out = append(out, eventsCheck(conn, time.Now()))
	return out
}

func eventsCheck(conn *channels.Connection, now time.Time) channels.CheckResult {
	const hint = "Mention the bot in a channel it was added to, or send it a direct message. If nothing arrives, check the Slack app's " +
		"Event Subscriptions: the Request URL must be this server's /api/webhooks/slack/events and the bot events app_mention and message.im subscribed " +
		"(and, so replies are never posted twice, message_metadata_posted for the metadata event type konstruct_part of this app)."
	switch {
	case conn.LastEventAt == nil:
		return channels.CheckResult{Name: "events_received", Status: channels.CheckWarn, Detail: "No event has arrived from this workspace yet.", Hint: hint}
	case now.Sub(*conn.LastEventAt) > 7*24*time.Hour:
		return channels.CheckResult{Name: "events_received", Status: channels.CheckWarn,
			Detail: "The last event arrived " + conn.LastEventAt.Format(time.RFC1123) + ".", Hint: hint}
	}
	return channels.CheckResult{Name: "events_received", Status: channels.CheckPass, Detail: "Events arrive (last at " + conn.LastEventAt.Format(time.RFC1123) + ")."}
}

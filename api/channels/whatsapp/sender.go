package whatsapp

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/konstruct/konstruct/api/channels"
)

// maxText is WhatsApp's limit for a text body.
const maxText = 4096

// Provider is the WhatsApp channels.Provider.
func (s *Service) Provider() channels.Provider { return provider{s} }

type provider struct{ s *Service }

func (p provider) Sender(conn *channels.Connection, token string) channels.Sender {
	return sender{g: p.s.graph, phoneID: conn.ExternalID, token: token}
}

type sender struct {
	g       graph
	phoneID string
	token   string
}

func (s sender) MaxLen() int { return maxText }

type sendResponse struct {
	Messages []struct {
		ID string `json:"id"`
	} `json:"messages"`
}

func (s sender) send(ctx context.Context, body map[string]any) (string, error) {
	body["messaging_product"] = "whatsapp"
	var out sendResponse
	if err := s.g.do(ctx, http.MethodPost, s.phoneID+"/messages", s.token, nil, body, &out); err != nil {
		return "", mapError(err)
	}
	if len(out.Messages) == 0 {
		return "", fmt.Errorf("whatsapp: send answered without a message id")
	}
	return out.Messages[0].ID, nil
}

// Post sends a text. A phone number goes in "to"; a business-scoped user id
// (a user who shared no number) in "recipient", which Meta takes for BSUIDs
// and parent BSUIDs. Evidence rides along as biz_opaque_callback_data, which
// Meta echoes in every status webhook of the message.
func (s sender) Post(ctx context.Context, t channels.Target, text string) (string, error) {
	body := map[string]any{"recipient_type": "individual", "type": "text",
		"text": map[string]any{"body": text, "preview_url": false}}
	if IsPhone(t.Channel) {
		body["to"] = t.Channel
	} else {
		body["recipient"] = t.Channel
	}
	if t.ReplyTo != "" {
		body["context"] = map[string]string{"message_id": t.ReplyTo}
	}
	if t.Evidence != "" {
		body["biz_opaque_callback_data"] = t.Evidence
	}
	return s.send(ctx, body)
}

// IsPhone reports whether a WhatsApp recipient is a phone number (digits,
// as Meta sends wa_id) rather than a BSUID ("US.13491208655302741918").
func IsPhone(id string) bool {
	id = strings.TrimPrefix(id, "+")
	if id == "" {
		return false
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (s sender) Update(context.Context, channels.Target, string, string) error {
	return channels.ErrUnsupported
}

// Download resolves a media id to its URL with the Graph API, then fetches it
// with the same token, from Meta's own hosts only.
func (s sender) Download(ctx context.Context, m channels.Media, max int64) ([]byte, string, error) {
	var info struct {
		URL      string `json:"url"`
		MimeType string `json:"mime_type"`
		FileSize string `json:"file_size"`
	}
	if err := s.g.do(ctx, http.MethodGet, m.ID, s.token, url.Values{"phone_number_id": {s.phoneID}}, nil, &info); err != nil {
		return nil, "", mapError(err)
	}
	if n, err := strconv.ParseInt(info.FileSize, 10, 64); err == nil && n > max {
		return nil, "", channels.ErrTooLarge
	}
	graphHost := ""
	if u, err := url.Parse(s.g.base); err == nil {
		graphHost = u.Host
	}
	data, mime, err := channels.Fetch(ctx, s.g.http, info.URL, s.token, max, func(host string) bool {
		return channels.HostIs(host, graphHost, "fbsbx.com", "facebook.com", "whatsapp.net", "fbcdn.net")
	})
	if mime == "" {
		mime = info.MimeType
	}
	return data, mime, err
}

// MarkRead marks the message read and shows "typing…" until the reply.
func (s sender) MarkRead(ctx context.Context, wamid string) error {
	body := map[string]any{"messaging_product": "whatsapp", "status": "read", "message_id": wamid,
		"typing_indicator": map[string]string{"type": "text"}}
	return mapError(s.g.do(ctx, http.MethodPost, s.phoneID+"/messages", s.token, nil, body, nil))
}

// SendTest sends the approved test template, which reaches a number even
// outside the 24-hour window.
func (p provider) SendTest(ctx context.Context, conn *channels.Connection, token, to string) (string, error) {
	to = strings.TrimPrefix(to, "+")
	s := p.Sender(conn, token).(sender)
	_, err := s.send(ctx, map[string]any{"recipient_type": "individual", "to": to, "type": "template",
		"template": map[string]any{"name": p.s.opts.Config.TestTemplate, "language": map[string]string{"code": "en_US"}}})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Sent the %q template from %s to +%s.", p.s.opts.Config.TestTemplate, conn.DisplayName, to), nil
}

func (p provider) Check(ctx context.Context, conn *channels.Connection, token string) []channels.CheckResult {
	g, waba := p.s.graph, conn.Config["waba_id"]
	var out []channels.CheckResult
	var phone phoneInfo
	if err := g.do(ctx, http.MethodGet, conn.ExternalID, token, url.Values{"fields": {"id,display_phone_number,verified_name,quality_rating"}}, nil, &phone); err != nil {
		return append(out, channels.CheckResult{Name: "token_valid", Status: channels.CheckFail, Detail: "Meta refused the token: " + err.Error(),
			Hint: "Create a new System User token in Meta Business Settings and connect the number again."})
	}
	out = append(out, channels.CheckResult{Name: "token_valid", Status: channels.CheckPass,
		Detail: fmt.Sprintf("The token works for %s (%s, quality %s).", phone.DisplayPhoneNumber, phone.VerifiedName, phone.QualityRating)})

	numbers, err := g.accountNumbers(ctx, waba, token)
	switch {
	case err != nil:
		out = append(out, channels.CheckResult{Name: "number_in_account", Status: channels.CheckFail, Detail: "The account could not be read: " + err.Error(),
			Hint: "Check that the token has whatsapp_business_management on account " + waba + "."})
	case !slices.Contains(numbers, conn.ExternalID):
		out = append(out, channels.CheckResult{Name: "number_in_account", Status: channels.CheckFail, Detail: "The number is no longer in account " + waba + ".",
			Hint: "Connect the number with the account it now belongs to."})
	default:
		out = append(out, channels.CheckResult{Name: "number_in_account", Status: channels.CheckPass, Detail: "The number belongs to account " + waba + "."})
	}

	const subHint = "Connect the number again (it subscribes Konstruct), or subscribe the app in Meta's WhatsApp Manager."
	apps, err := g.subscribedApps(ctx, waba, token)
	appID := p.s.opts.Config.AppID
	subscribed := slices.ContainsFunc(apps, func(id string) bool { return appID == "" || id == appID })
	switch {
	case err != nil:
		out = append(out, channels.CheckResult{Name: "webhooks_subscribed", Status: channels.CheckFail, Detail: "Subscriptions could not be read: " + err.Error(), Hint: subHint})
	case !subscribed:
		out = append(out, channels.CheckResult{Name: "webhooks_subscribed", Status: channels.CheckFail, Detail: "Konstruct's app is not subscribed to the account's webhooks, so messages do not reach it.", Hint: subHint})
	default:
		out = append(out, channels.CheckResult{Name: "webhooks_subscribed", Status: channels.CheckPass, Detail: "Konstruct's app receives the account's webhooks."})
	}

	// The Meta app and its webhook belong to the platform, not the tenant:
	// the hints say who can fix them rather than sending the operator there.
	const hint = "Send a message to the number from WhatsApp. If nothing arrives, ask this Konstruct installation's administrator to check its Meta app's webhook (the messages field must be subscribed)."
	switch {
	case p.s.opts.Config.AppSecret == "":
		out = append(out, channels.CheckResult{Name: "webhooks_received", Status: channels.CheckFail,
			Detail: "This Konstruct installation cannot verify WhatsApp webhooks (its Meta app secret is not set), so no message can arrive.",
			Hint:   "Ask this installation's administrator to set its Meta app secret."})
	case conn.LastEventAt == nil:
		out = append(out, channels.CheckResult{Name: "webhooks_received", Status: channels.CheckWarn, Detail: "No webhook has arrived for this number yet.", Hint: hint})
	case time.Since(*conn.LastEventAt) > 7*24*time.Hour:
		out = append(out, channels.CheckResult{Name: "webhooks_received", Status: channels.CheckWarn, Detail: "The last webhook arrived " + conn.LastEventAt.Format(time.RFC1123) + ".", Hint: hint})
	default:
		out = append(out, channels.CheckResult{Name: "webhooks_received", Status: channels.CheckPass, Detail: "Webhooks arrive (last at " + conn.LastEventAt.Format(time.RFC1123) + ")."})
	}
	return out
}

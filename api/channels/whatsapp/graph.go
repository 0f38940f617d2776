package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/konstruct/konstruct/api/channels"
)

// graph is a minimal Graph API client: JSON in, JSON out, Bearer auth.
type graph struct {
	base    string // https://graph.facebook.com
	version string // v25.0
	http    *http.Client
}

// GraphError is Meta's error object.
type GraphError struct {
	Status    int    `json:"-"`
	Message   string `json:"message"`
	Type      string `json:"type"`
	Code      int    `json:"code"`
	Subcode   int    `json:"error_subcode"`
	ErrorData struct {
		Details string `json:"details"`
	} `json:"error_data"`
	retryAfter time.Duration
}

func (e *GraphError) Error() string {
	msg := e.Message
	if e.ErrorData.Details != "" {
		msg += ": " + e.ErrorData.Details
	}
	return fmt.Sprintf("graph API %d (code %d): %s", e.Status, e.Code, msg)
}

func (g graph) do(ctx context.Context, method, path, token string, query url.Values, body, out any) error {
	u := g.base + "/" + g.version + "/" + strings.TrimLeft(path, "/")
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	// Through channels.OutcomeClient: a send whose answer was lost after the
	// request went out comes back as in doubt, not as unsent.
	resp, err := channels.OutcomeClient{HTTP: g.http}.Do(req)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var env struct {
			Error *GraphError `json:"error"`
		}
		if json.Unmarshal(data, &env) != nil || env.Error == nil {
			env.Error = &GraphError{Message: http.StatusText(resp.StatusCode)}
		}
		env.Error.Status = resp.StatusCode
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			env.Error.retryAfter = time.Duration(s) * time.Second
		}
		return env.Error
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("graph API: unexpected response: %w", err)
		}
	}
	return nil
}

// CodeRecipientUnsupported is Meta's error 131062: this kind of message
// cannot be sent to a business-scoped user id (the user has no phone number
// on file with us).
const CodeRecipientUnsupported = 131062

// RecipientUnsupportedReason is what the operator reads when 131062 flags a
// conversation.
const RecipientUnsupportedReason = "WhatsApp cannot deliver this kind of message to the user's business-scoped user ID " +
	"(error 131062): the user shared no phone number. Ask them to write again, or to share their number."

// rateLimitCodes are Meta's throttling errors: 4 app limit, 80007 account
// limit, 130429 throughput, 131056 pair rate limit.
var rateLimitCodes = map[int]bool{4: true, 80007: true, 130429: true, 131056: true}

// mapError turns Graph errors into channels' typed errors.
func mapError(err error) error {
	var ge *GraphError
	if !errors.As(err, &ge) {
		return err // network: retry
	}
	switch {
	case ge.Code == 131047:
		return channels.ErrWindowClosed
	case ge.Code == CodeRecipientUnsupported:
		return &channels.ProviderError{Provider: "WhatsApp", Code: strconv.Itoa(ge.Code), Message: RecipientUnsupportedReason}
	case ge.Status == http.StatusTooManyRequests || rateLimitCodes[ge.Code]:
		// Meta rarely sends Retry-After; without it the turn backs off
		// exponentially with jitter from a short first delay.
		return &channels.RateLimitedError{RetryAfter: ge.retryAfter, Provider: "WhatsApp"}
	case ge.Status >= 500:
		return &channels.InDoubtError{Err: err} // Meta may have sent it before failing
	}
	return &channels.ProviderError{Provider: "WhatsApp", Code: strconv.Itoa(ge.Code), Message: ge.Message,
		Revoked: ge.Code == 190 || (ge.Status == http.StatusUnauthorized && ge.Code == 0)}
}

// accountNumbers lists the phone number ids of a WhatsApp Business Account.
func (g graph) accountNumbers(ctx context.Context, waba, token string) ([]string, error) {
	var out struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := g.do(ctx, http.MethodGet, waba+"/phone_numbers", token, url.Values{"fields": {"id"}, "limit": {"200"}}, nil, &out); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(out.Data))
	for _, d := range out.Data {
		ids = append(ids, d.ID)
	}
	return ids, nil
}

// subscribedApps lists the ids of the apps that receive an account's webhooks.
func (g graph) subscribedApps(ctx context.Context, waba, token string) ([]string, error) {
	var out struct {
		Data []struct {
			API struct {
				ID string `json:"id"`
			} `json:"whatsapp_business_api_data"`
		} `json:"data"`
	}
	if err := g.do(ctx, http.MethodGet, waba+"/subscribed_apps", token, nil, nil, &out); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(out.Data))
	for _, d := range out.Data {
		ids = append(ids, d.API.ID)
	}
	return ids, nil
}

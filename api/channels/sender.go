package channels

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Target is where an outbound message goes.
type Target struct {
	Channel string // Slack channel id / WhatsApp recipient (wa_id or BSUID)
	Thread  string // Slack thread_ts; empty posts at top level
	ReplyTo string // WhatsApp: the inbound wamid to quote
	// Evidence is our id for this send (an outbound part's id). The provider
	// echoes it in its own record of the message (WhatsApp status webhooks'
	// biz_opaque_callback_data, Slack's message_metadata_posted events), which
	// is how a send whose answer was lost is found to have gone out.
	Evidence string
}

// Sender delivers messages through one connection.
type Sender interface {
	// Post sends text and returns the provider's id for the sent message.
	Post(ctx context.Context, t Target, text string) (ref string, err error)
	// Update replaces a message posted earlier (Slack placeholders).
	// Channels that cannot edit return ErrUnsupported.
	Update(ctx context.Context, t Target, ref, text string) error
	// MarkRead marks an inbound message as read where the channel shows it.
	MarkRead(ctx context.Context, inboundRef string) error
	// MaxLen is the longest text one message may carry.
	MaxLen() int
	// Download fetches media a user sent, from the channel's own hosts only,
	// refusing anything larger than max bytes.
	Download(ctx context.Context, m Media, max int64) (data []byte, mimeType string, err error)
}

// Media is a file a user sent: WhatsApp gives a media id, Slack a URL.
type Media struct {
	ID  string
	URL string
}

// DirectMessenger is what channels that can open a private chat offer
// (Slack): notifying a person of a hand-over.
type DirectMessenger interface {
	DirectMessage(ctx context.Context, userID, text string) (ref string, err error)
}

// Profiler is what channels that can name a person by their id offer
// (Slack users.info), so the portal shows customers by name.
type Profiler interface {
	UserName(ctx context.Context, userID string) (string, error)
}

// ErrTooLarge means media is over the size cap.
var ErrTooLarge = errors.New("channels: media is larger than allowed")

// ErrUnsupported means the channel cannot do this (WhatsApp cannot edit).
var ErrUnsupported = errors.New("channels: not supported by this channel")

// ErrWindowClosed means WhatsApp's 24-hour customer-service window is closed:
// only approved templates may be sent until the user writes again.
var ErrWindowClosed = errors.New("channels: the 24-hour messaging window is closed; the user must write first")

// RateLimitedError asks the caller to retry after a delay (the job snoozes
// rather than spinning). RetryAfter is zero when the provider did not say how
// long: the caller then backs off on its own (exponentially, with jitter).
type RateLimitedError struct {
	RetryAfter time.Duration
	Provider   string
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("channels: %s rate limit, retry after %s", e.Provider, e.RetryAfter)
}

// ProviderError is a refusal by the provider that retrying will not fix
// (a revoked token, an unknown channel), with its own code and words.
type ProviderError struct {
	Provider string
	Code     string
	Message  string
	// Revoked means our access is gone: the connection must be marked revoked.
	Revoked bool
}

func (e *ProviderError) Error() string {
	return fmt.Sprintf("%s refused: %s (%s)", e.Provider, e.Message, e.Code)
}

// InDoubtError means a request reached the provider whole but no usable
// answer came back (a timeout or a reset after the request was written, or
// a 5xx): the provider may or may not have acted on it. Sending again could
// duplicate the message; the caller must look for evidence first.
type InDoubtError struct{ Err error }

func (e *InDoubtError) Error() string { return "channels: outcome unknown: " + e.Err.Error() }
func (e *InDoubtError) Unwrap() error { return e.Err }

// InDoubt reports whether err leaves the outcome of a send unknown.
func InDoubt(err error) bool {
	var d *InDoubtError
	return errors.As(err, &d)
}

// Permanent reports whether err will not go away by retrying.
func Permanent(err error) bool {
	var pe *ProviderError
	return errors.As(err, &pe) || errors.Is(err, ErrWindowClosed) || errors.Is(err, ErrUnsupported)
}

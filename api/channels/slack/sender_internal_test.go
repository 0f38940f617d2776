package slack

import (
	"net/http"
	"testing"

	slackapi "github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/channels"
)

// slack-go reports a 429 without Retry-After as a bare status error: it is a
// rate limit all the same (the turn backs off), not an error to retry at
// River's pace. A 5xx leaves the outcome of a post unknown.
func TestMapErrorStatuses(t *testing.T) {
	t.Parallel()
	var rl *channels.RateLimitedError
	require.ErrorAs(t, mapError(slackapi.StatusCodeError{Code: http.StatusTooManyRequests, Status: "429 Too Many Requests"}), &rl)
	require.Zero(t, rl.RetryAfter)
	require.True(t, channels.InDoubt(mapError(slackapi.StatusCodeError{Code: 502, Status: "502 Bad Gateway"})))
	require.True(t, channels.Permanent(mapError(slackapi.StatusCodeError{Code: 404, Status: "404 Not Found"})))
}

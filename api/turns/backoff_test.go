package turns

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/channels"
)

// A 429 with Retry-After waits that long (plus at most a tenth, so throttled
// turns do not all come back at once); without it, the wait starts near one
// second and doubles with each consecutive 429, jittered, capped.
func TestThrottledWaits(t *testing.T) {
	t.Parallel()
	for range 200 {
		d := throttled(&channels.RateLimitedError{RetryAfter: 10 * time.Second}, 1)
		require.GreaterOrEqual(t, d, 10*time.Second)
		require.LessOrEqual(t, d, 11*time.Second)
		for n, want := range map[int][2]time.Duration{
			1: {500 * time.Millisecond, 1500 * time.Millisecond}, 2: {time.Second, 3 * time.Second},
			4: {4 * time.Second, 12 * time.Second}, 30: {time.Minute, 3 * time.Minute},
		} {
			d := throttled(&channels.RateLimitedError{}, n)
			require.GreaterOrEqual(t, d, want[0], "after %d throttles", n)
			require.Less(t, d, want[1], "after %d throttles", n)
		}
	}
}

package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/events"
	"github.com/konstruct/konstruct/api/fakes/webhookfake"
)

func init() { setups["webhooks"] = setupWebhooks }

// setupWebhooks gives the journey a receiver; afterwards it must have
// received the test event twice (sent, then sent again), same id.
func setupWebhooks(t *testing.T, _ *journeyEnv) (map[string]string, func(t *testing.T)) {
	recv := webhookfake.New(t)
	return map[string]string{"E2E_WEBHOOK_URL": recv.URL + "/konstruct"}, func(t *testing.T) {
		reqs := recv.Wait(t, 15*time.Second, func(r []webhookfake.Request) bool { return len(r) >= 2 })
		require.Equal(t, events.TypeTest, reqs[0].Event().Type)
		require.Equal(t, reqs[0].ID, reqs[1].ID, "sent again with the same webhook-id")
		require.NotEmpty(t, reqs[0].Signature)
	}
}

package events_test

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/events"
)

// The README example of the Standard Webhooks libraries, which
// standardwebhooks@1.1.1 also produces.
func TestSignMatchesTheStandardVector(t *testing.T) {
	t.Parallel()
	h, err := events.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`),
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	require.NoError(t, err)
	require.Equal(t, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", h.Signature)
	require.Equal(t, "1614265330", h.Timestamp)

	secret := events.NewSecret()
	require.True(t, strings.HasPrefix(secret, "whsec_"))
	h, err = events.Sign("evt", time.Now(), []byte("{}"), secret)
	require.NoError(t, err)
	require.NoError(t, events.Verify(secret, h, []byte("{}"), time.Now(), 5*time.Minute))
	require.Error(t, events.Verify(secret, h, []byte("{ }"), time.Now(), 5*time.Minute), "a changed body")
	require.Error(t, events.Verify(events.NewSecret(), h, []byte("{}"), time.Now(), 5*time.Minute), "another secret")
	require.Error(t, events.Verify(secret, h, []byte("{}"), time.Now().Add(time.Hour), 5*time.Minute), "a stale timestamp")
}

// verifyCase is one delivery for the official library to check.
type verifyCase struct {
	Secret  string            `json:"secret"`
	Body    string            `json:"body"`
	Headers map[string]string `json:"headers"`
	want    bool
	what    string
}

// officialVerify runs the npm standardwebhooks library over cases.
func officialVerify(t *testing.T, cases []verifyCase) {
	t.Helper()
	frontend := filepath.Join(repoRoot(t), "frontend")
	if _, err := os.Stat(filepath.Join(frontend, "node_modules", "standardwebhooks", "package.json")); err != nil {
		t.Fatalf("the official Standard Webhooks library is missing: install the portal's dependencies with `npm --prefix frontend ci`")
	}
	node, err := exec.LookPath("node")
	require.NoError(t, err, "node (20) is needed to run the official Standard Webhooks library")
	file := filepath.Join(t.TempDir(), "cases.json")
	data, err := json.Marshal(cases)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, data, 0o600))
	out, err := exec.Command(node, filepath.Join("testdata", "verify-standard-webhooks.cjs"), frontend, file).Output()
	require.NoError(t, err, "%s", out)
	var results []struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	require.NoError(t, json.Unmarshal(out, &results))
	require.Len(t, results, len(cases))
	for i, c := range cases {
		require.Equal(t, c.want, results[i].OK, "%s: %s", c.what, results[i].Error)
	}
}

func caseOf(r webhookRequest, secret string, want bool, what string) verifyCase {
	return verifyCase{Secret: secret, Body: string(r.Body), want: want, what: what,
		Headers: map[string]string{"webhook-id": r.ID, "webhook-timestamp": r.Timestamp, "webhook-signature": r.Signature}}
}

// Real deliveries verify with the official library, before, during and
// after a secret rotation: during the overlap both secrets verify every
// delivery; after a rotation without overlap only the newest does.
func TestOfficialLibraryVerifiesDeliveries(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	id, first := b.endpoint(t, nil)
	ep := b.tenant + "/webhook-endpoints/" + id.String()

	b.agent(t, map[string]any{"name": "Before rotation"})
	b.recv.WaitN(t, 1, 15*time.Second)

	r := b.acct.Client.Do("POST", ep+"/rotate-secret", map[string]any{"overlap_seconds": 3600})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var rotated struct {
		Secret                  string     `json:"secret"`
		PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at"`
	}
	r.JSON(t, &rotated)
	second := rotated.Secret
	require.NotEqual(t, first, second)
	require.NotNil(t, rotated.PreviousSecretExpiresAt)
	require.WithinDuration(t, time.Now().Add(time.Hour), *rotated.PreviousSecretExpiresAt, time.Minute)

	b.agent(t, map[string]any{"name": "During the overlap"})
	b.recv.WaitN(t, 2, 15*time.Second)

	r = b.acct.Client.Do("POST", ep+"/rotate-secret", map[string]any{"overlap_seconds": 0})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r.JSON(t, &rotated)
	third := rotated.Secret
	require.Nil(t, rotated.PreviousSecretExpiresAt)

	b.agent(t, map[string]any{"name": "After a hard rotation"})
	reqs := b.recv.WaitN(t, 3, 15*time.Second)
	require.Len(t, strings.Fields(reqs[0].Signature), 1)
	require.Len(t, strings.Fields(reqs[1].Signature), 2, "both secrets sign during the overlap")
	require.Len(t, strings.Fields(reqs[2].Signature), 1)

	tampered := reqs[0]
	tampered.Body = []byte(strings.Replace(string(tampered.Body), "Before rotation", "Before r0tation", 1))
	officialVerify(t, []verifyCase{
		caseOf(reqs[0], first, true, "before the rotation"),
		caseOf(reqs[1], first, true, "during the overlap, old secret"),
		caseOf(reqs[1], second, true, "during the overlap, new secret"),
		caseOf(reqs[2], third, true, "after a rotation without overlap"),
		caseOf(reqs[2], second, false, "the retired secret"),
		caseOf(reqs[0], second, false, "before the rotation, the later secret"),
		caseOf(tampered, first, false, "a changed body"),
	})
}

package contract_test

import (
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/contract"
	"github.com/konstruct/konstruct/api/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// What the server serves at each documented URL is the repository's
// openapi.yaml: byte for byte as YAML, and the same tree as JSON, webhooks and
// operation ids as written.
func TestServedSpecIsTheContract(t *testing.T) {
	t.Parallel()
	repo, err := os.ReadFile("../../openapi.yaml")
	require.NoError(t, err)
	want, err := contract.Tree(repo)
	require.NoError(t, err)

	c := apitest.Shared(t).Client(t)
	c.Origin = ""
	for _, path := range []string{"/api/openapi.yaml", "/openapi.yaml", "/api/openapi.json"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			r := c.Do("GET", path, nil)
			require.Equal(t, http.StatusOK, r.Status)
			got, err := contract.Tree(r.Body)
			require.NoError(t, err)
			require.Equal(t, want, got)
			if path != "/api/openapi.json" {
				require.Equal(t, "application/yaml", r.Header.Get("Content-Type"))
				require.Equal(t, string(repo), string(r.Body))
			} else {
				require.Equal(t, "application/json", r.Header.Get("Content-Type"))
			}
		})
	}

	// The failures the issue found, spelled out: webhook path items carry
	// their operations, operation ids keep their case, TooLarge is there.
	paths := want.(map[string]any)["paths"].(map[string]any)
	stripe := paths["/api/webhooks/stripe"].(map[string]any)["post"].(map[string]any)
	require.Equal(t, "stripeEvents", stripe["operationId"])
	require.Contains(t, want.(map[string]any)["components"].(map[string]any)["responses"], "TooLarge")
}

package rotation_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/rotation"
	"github.com/konstruct/konstruct/api/secrets"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestRotateReencryptsEverySecret(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	oldKey := secrets.NewKey(1)
	s, f := apitest.WithFakes(t, apitest.Opts{Env: map[string]string{"SECRETS_KEYS": oldKey}})
	a, b := s.SignUp(t), s.SignUp(t)
	ws := s.InstallSlack(t, a, f)
	num := s.ConnectWhatsApp(t, b, f)
	r := a.Client.Do("POST", "/api/portal/tenants/"+a.TenantID.String()+"/llm-keys", map[string]any{"provider": "openai", "label": "Ours", "api_key": "sk-rotate-me"},
		"Idempotency-Key", "rotation-test")
	require.Equal(t, http.StatusCreated, r.Status)

	newKey := secrets.NewKey(2)
	both, err := secrets.Parse(oldKey + "," + newKey)
	require.NoError(t, err)
	var calls int
	res, err := rotation.Rotate(ctx, s.App.Store, both, func(done, total, n int) {
		calls++
		require.LessOrEqual(t, done, total)
	})
	require.NoError(t, err)
	require.GreaterOrEqual(t, res.Reencrypted, 4, "two channels, one LLM key, one idempotency record")
	require.Equal(t, res.Tenants, calls, "progress is reported per tenant")

	var stale int
	require.NoError(t, s.DB.Owner.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM channel_connections WHERE secret_key_version < 2) +
		(SELECT count(*) FROM llm_keys WHERE secret_key_version < 2) +
		(SELECT count(*) FROM idempotency_keys WHERE response_key_version < 2)`).Scan(&stale))
	require.Zero(t, stale)

	// With only the new key configured, everything still works.
	again, err := rotation.Rotate(ctx, s.App.Store, both, nil)
	require.NoError(t, err)
	require.Zero(t, again.Reencrypted, "a second run has nothing to do")

	// With only the new key, every credential still opens.
	only2, err := secrets.Parse(newKey)
	require.NoError(t, err)
	for _, id := range []string{ws.ConnectionID.String(), num.ConnectionID.String()} {
		var ct []byte
		var v int
		require.NoError(t, s.DB.Owner.QueryRow(ctx, "SELECT secret_ciphertext, secret_key_version FROM channel_connections WHERE id = $1", id).Scan(&ct, &v))
		pt, err := only2.Decrypt(secrets.Sealed{Version: v, Ciphertext: ct}, []byte("channel_connections:"+id))
		require.NoError(t, err)
		require.Contains(t, []string{ws.Token, num.Token}, string(pt))
	}
}

package idempotency_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	acct := s.SignUp(t)
	path := "/api/portal/tenants/" + acct.TenantID.String() + "/agents"
	body := map[string]any{"name": "Once", "model": "openai/gpt-4o-mini"}

	t.Run("SameKeySameBodyReplays", func(t *testing.T) {
		t.Parallel()
		key := uuid.NewString()
		first := acct.Client.Do("POST", path, body, "Idempotency-Key", key)
		require.Equal(t, http.StatusCreated, first.Status, "%s", first.Body)
		second := acct.Client.Do("POST", path, body, "Idempotency-Key", key)
		require.Equal(t, http.StatusCreated, second.Status)
		require.Equal(t, "true", second.Header.Get("Idempotent-Replayed"))
		require.JSONEq(t, string(first.Body), string(second.Body))

		var n int
		require.NoError(t, s.DB.Owner.QueryRow(t.Context(), "SELECT count(*) FROM agents WHERE id = $1", first.Map(t)["id"]).Scan(&n))
		require.Equal(t, 1, n)
	})
	t.Run("SameJSONOtherKeyOrderReplays", func(t *testing.T) {
		t.Parallel()
		key := uuid.NewString()
		first := acct.Client.Do("POST", path, `{"name":"Reordered","model":"openai/gpt-4o-mini","temperature":0.5}`, "Idempotency-Key", key)
		require.Equal(t, http.StatusCreated, first.Status, "%s", first.Body)
		second := acct.Client.Do("POST", path, "{\n  \"temperature\": 0.5,\n  \"model\": \"openai/gpt-4o-mini\",  \"name\": \"Reordered\"\n}", "Idempotency-Key", key)
		require.Equal(t, http.StatusCreated, second.Status, "%s", second.Body)
		require.Equal(t, "true", second.Header.Get("Idempotent-Replayed"))
		require.Equal(t, first.Map(t)["id"], second.Map(t)["id"])
	})
	t.Run("OtherQueryConflicts", func(t *testing.T) {
		t.Parallel()
		key := uuid.NewString()
		keys := "/api/portal/tenants/" + acct.TenantID.String() + "/llm-keys"
		k := map[string]any{"provider": "openai", "label": "Idempotent key", "api_key": "sk-test-" + uuid.NewString()}
		require.Equal(t, http.StatusCreated, acct.Client.Do("POST", keys, k, "Idempotency-Key", key).Status)
		r := acct.Client.Do("POST", keys+"?verify=true", k, "Idempotency-Key", key)
		require.Equal(t, http.StatusConflict, r.Status, "%s", r.Body)
	})
	t.Run("SameKeyOtherBodyConflicts", func(t *testing.T) {
		t.Parallel()
		key := uuid.NewString()
		require.Equal(t, http.StatusCreated, acct.Client.Do("POST", path, body, "Idempotency-Key", key).Status)
		r := acct.Client.Do("POST", path, map[string]any{"name": "Other", "model": "openai/gpt-4o-mini"}, "Idempotency-Key", key)
		require.Equal(t, http.StatusConflict, r.Status)
		require.Contains(t, r.Problem(t).Detail, "different request")
	})
	t.Run("KeysArePerCaller", func(t *testing.T) {
		t.Parallel()
		key := uuid.NewString()
		require.Equal(t, http.StatusCreated, acct.Client.Do("POST", path, body, "Idempotency-Key", key).Status)
		other := s.SignUp(t)
		r := other.Client.Do("POST", "/api/portal/tenants/"+other.TenantID.String()+"/agents", body, "Idempotency-Key", key)
		require.Equal(t, http.StatusCreated, r.Status)
		require.Empty(t, r.Header.Get("Idempotent-Replayed"))
	})
	t.Run("FailureReleasesTheKey", func(t *testing.T) {
		t.Parallel()
		key := uuid.NewString()
		bad := map[string]any{"name": "Bad", "model": "openai/gpt-4o-mini", "fallback_models": []string{"openai/gpt-4o-mini"}}
		r := acct.Client.Do("POST", path, bad, "Idempotency-Key", key)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
		r = acct.Client.Do("POST", path, body, "Idempotency-Key", key)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	})
	t.Run("TokenSecretIsStoredEncrypted", func(t *testing.T) {
		t.Parallel()
		key := uuid.NewString()
		tokPath := "/api/portal/tenants/" + acct.TenantID.String() + "/api-tokens"
		first := acct.Client.Do("POST", tokPath, map[string]any{"name": "replayed", "role": "member"}, "Idempotency-Key", key)
		require.Equal(t, http.StatusCreated, first.Status)
		secret := first.Map(t)["secret"].(string)
		second := acct.Client.Do("POST", tokPath, map[string]any{"name": "replayed", "role": "member"}, "Idempotency-Key", key)
		require.Equal(t, secret, second.Map(t)["secret"])

		var found int
		require.NoError(t, s.DB.Owner.QueryRow(t.Context(),
			"SELECT count(*) FROM idempotency_keys WHERE position(convert_to($1, 'UTF8') in response_ciphertext) > 0", secret).Scan(&found))
		require.Zero(t, found, "the secret is stored in plaintext")
	})
}

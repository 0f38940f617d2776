package audit_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// The log names who did what to what: the user's name, the agent's and the
// key's (a deleted agent by the name its event recorded), not their ids.
func TestEventsCarryNames(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	acct := s.SignUp(t)
	base := "/api/portal/tenants/" + acct.TenantID.String()
	r := acct.Client.Do("POST", base+"/agents", map[string]any{"name": "Ada", "model": "openai/gpt-4o-mini"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	ada := r.Map(t)["id"].(string)
	r = acct.Client.Do("POST", base+"/agents", map[string]any{"name": "Temp", "model": "openai/gpt-4o-mini"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	temp := r.Map(t)["id"].(string)
	require.Equal(t, http.StatusNoContent, acct.Client.Do("DELETE", base+"/agents/"+temp, nil).Status)
	r = acct.Client.Do("POST", base+"/llm-keys", map[string]any{"provider": "openai", "label": "Production", "api_key": "sk-test-abcd1234"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	var events struct {
		Items []struct {
			Action      string
			ActorName   string `json:"actor_name"`
			TargetID    string `json:"target_id"`
			TargetLabel string `json:"target_label"`
		}
	}
	r = acct.Client.Do("GET", base+"/audit-events", nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r.JSON(t, &events)
	got := map[string]string{}
	for _, e := range events.Items {
		got[e.Action+" "+e.TargetID] = e.TargetLabel
		if e.Action == "agent.created" {
			require.Equal(t, "Test User", e.ActorName, "the user by name, not id or email")
		}
	}
	require.Equal(t, "Ada", got["agent.created "+ada])
	require.Equal(t, "Temp", got["agent.deleted "+temp], "a deleted agent by the name it had")
	var key string
	for _, e := range events.Items {
		if e.Action == "llm_key.created" {
			key = e.TargetLabel
		}
	}
	require.Equal(t, "Production (…1234)", key)
}

package e2e

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/fakes/graphfake"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
)

// noSlack clears the platform's Slack app, so Slack is not offered.
var noSlack = map[string]string{"SLACK_CLIENT_ID": "", "SLACK_CLIENT_SECRET": "", "SLACK_SIGNING_SECRET": ""}

// TestPlatformJourneys runs the journeys that need the platform configured
// differently from TestPortalJourneys' server (frontend/e2e/platform/): what
// an operator sees when the platform lacks an LLM key, the Meta app secret
// or a Slack app.
func TestPlatformJourneys(t *testing.T) {
	t.Parallel()
	env := prerequisites(t)

	// No LLM key anywhere and no Slack: the wizard does not say live until
	// the operator adds a key, and then it does, after a real model reply.
	t.Run("NoLLMKey", func(t *testing.T) {
		t.Parallel()
		llm := llmfake.New(t)
		vars := map[string]string{"SPA_DIR": env.dist, "OPENAI_API_URL": llm.URL + "/v1", "ANTHROPIC_API_URL": llm.URL,
			"TURN_DEBOUNCE": "0s", "LLM_MAX_RETRIES": "0"}
		for k, v := range noSlack {
			vars[k] = v
		}
		srv, fakes := apitest.WithFakes(t, apitest.Opts{Work: true, Env: vars})
		n := graphfake.Number{PhoneNumberID: "1077" + digits(11), WABAID: "1033" + digits(11), Display: "+1 555-0199",
			VerifiedName: "Lovelace Ltd", Token: "EAAG-e2e-" + uuid.NewString()}
		fakes.Graph.AddNumber(n)
		const phone = "16505559876"
		keyAdded := func() bool {
			var keys int
			err := srv.DB.Owner.QueryRow(context.Background(), "SELECT count(*) FROM llm_keys WHERE status = 'active'").Scan(&keys)
			return err == nil && keys > 0
		}
		apologised := textReached(fakes, n.PhoneNumberID, phone, "I'm sorry, I can't answer right now")
		operatorPhone(t, srv, fakes, n, phone, "Ada Lovelace",
			phoneStep{when: templateReached(fakes, n.PhoneNumberID, phone), text: "Hello from my phone"},
			phoneStep{when: func() bool { return apologised() && keyAdded() }, text: "Are you there now?"})

		account := srv.SignUp(t) // unused by the script, which signs up itself
		runJourney(t, env, srv, account, filepath.Join(env.frontend, "e2e", "platform", "no-llm-key.mjs"), map[string]string{
			"E2E_WA_PHONE_ID": n.PhoneNumberID, "E2E_WA_WABA_ID": n.WABAID, "E2E_WA_TOKEN": n.Token, "E2E_WA_TO": "+" + phone,
			"E2E_TENANT_KEY": "sk-tenant-e2e-" + uuid.NewString()[:8],
		})
		require.True(t, apologised(), "without a key the operator's first reply got the apology")
		require.True(t, textReached(fakes, n.PhoneNumberID, phone, "Are you there now?")(), "with the key, the model's reply reached the operator's phone")
	})

	// No Meta app secret and no Slack app: neither channel is offered, and
	// the operator is told why rather than given buttons that fail.
	t.Run("NothingToConnect", func(t *testing.T) {
		t.Parallel()
		vars := map[string]string{"SPA_DIR": env.dist, "WHATSAPP_APP_SECRET": ""}
		for k, v := range noSlack {
			vars[k] = v
		}
		srv, _ := apitest.WithFakes(t, apitest.Opts{Env: vars})
		account := srv.SignUp(t)
		runJourney(t, env, srv, account, filepath.Join(env.frontend, "e2e", "platform", "unavailable.mjs"), nil)
	})
}

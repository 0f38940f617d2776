package e2e

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/fakes/stripemock"
)

// TestBillingJourney runs the billing and usage pages against a server with
// billing on (Stripe is stripe-mock) and usage seeded for this month. Its
// script lives in frontend/e2e/billing/ so TestPortalJourneys, whose server
// has billing off, does not pick it up.
func TestBillingJourney(t *testing.T) {
	t.Parallel()
	env := prerequisites(t)
	mock := stripemock.Start(t)
	vars := apitest.BillingEnv(mock.URL)
	vars["SPA_DIR"] = env.dist
	srv := apitest.New(t, apitest.Opts{Env: vars})
	account := srv.SignUp(t)

	r := account.Client.Do("POST", "/api/portal/tenants/"+account.TenantID.String()+"/agents", map[string]any{"name": "Ada", "model": "openai/gpt-4o-mini"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	agent := uuid.MustParse(r.Map(t)["id"].(string))
	days := seedUsage(t, srv, account.TenantID, agent)
	t.Logf("seeded usage on %d days of this month", days)

	runJourney(t, env, srv, account, filepath.Join(env.frontend, "e2e", "billing", "billing.mjs"), nil)

	// The page's Subscribe button made exactly one Checkout Session for this tenant.
	var sessions int
	for _, req := range mock.Requests("POST", "/v1/checkout/sessions") {
		if req.Form.Get("client_reference_id") == account.TenantID.String() {
			sessions++
			require.Equal(t, "subscription", req.Form.Get("mode"))
			require.Equal(t, srv.URL+"/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}", req.Form.Get("success_url"))
		}
	}
	require.Equal(t, 1, sessions, "checkout sessions created for the tenant")

	// Stripe confirms the subscription (by webhook, as in production); the
	// page now offers the Customer Portal instead.
	var customer string
	require.NoError(t, srv.DB.Owner.QueryRow(context.Background(), "SELECT stripe_customer_id FROM tenants WHERE id = $1", account.TenantID).Scan(&customer))
	sub := apitest.StripeSubscription("sub_e2e_"+uuid.NewString()[:8], customer, account.TenantID.String(), "active", 1, time.Now().Add(30*24*time.Hour))
	r = srv.StripeWebhook(t, apitest.StripeWebhookSecret, apitest.StripeEvent(t, "evt_"+uuid.NewString(), "customer.subscription.created", time.Now(), sub), time.Now())
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	runJourney(t, env, srv, account, filepath.Join(env.frontend, "e2e", "billing", "billing-portal.mjs"), nil)
	require.NotEmpty(t, mock.Requests("POST", "/v1/billing_portal/sessions"), "a Customer Portal session was created")
}

// seedUsage inserts two usage records (two models, $1.25 together) on up to
// five days of this UTC month, ending now, and returns the number of days.
func seedUsage(t *testing.T, srv *apitest.Server, tenant, agent uuid.UUID) int {
	t.Helper()
	now := time.Now().UTC()
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	days := 0
	for d := 0; d < 5; d++ {
		at := now.Add(-time.Duration(d) * 24 * time.Hour)
		if at.Before(monthStart) {
			break
		}
		for _, rec := range []struct {
			model   string
			in, out int
			cost    string
		}{{"openai/gpt-4o-mini", 12000 + 1000*d, 3000, "0.25"}, {"openai/gpt-4o", 8000, 2000 + 500*d, "1.00"}} {
			_, err := srv.DB.Owner.Exec(context.Background(), `INSERT INTO usage_records (id, tenant_id, agent_id, provider, model, key_source,
				input_tokens, output_tokens, cost_usd, created_at) VALUES ($1, $2, $3, 'openai', $4, 'platform', $5, $6, $7::numeric, $8)`,
				uuid.New(), tenant, agent, rec.model, rec.in, rec.out, rec.cost, at)
			require.NoError(t, err)
		}
		days++
	}
	return days
}

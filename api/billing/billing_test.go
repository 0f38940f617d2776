package billing_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/billing"
	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/fakes/stripemock"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func billingPath(a *apitest.Account) string {
	return "/api/portal/tenants/" + a.TenantID.String() + "/billing"
}

func addAgent(t *testing.T, a *apitest.Account, name string) string {
	t.Helper()
	r := a.Client.Do("POST", "/api/portal/tenants/"+a.TenantID.String()+"/agents", map[string]any{"name": name, "model": "openai/gpt-4o-mini"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	return r.Map(t)["id"].(string)
}

func TestCheckoutAndPortal(t *testing.T) {
	t.Parallel()
	mock := stripemock.Start(t)
	s := apitest.New(t, apitest.Opts{Env: apitest.BillingEnv(mock.URL)})

	t.Run("CheckoutCreatesTheCustomerOnceWithOneSeatPerActiveAgent", func(t *testing.T) {
		t.Parallel()
		acct := s.SignUp(t)
		addAgent(t, acct, "Ada")
		addAgent(t, acct, "Grace")
		body := map[string]any{"tenant_id": acct.TenantID}

		r := acct.Client.Do("POST", "/api/portal/billing/checkout", body)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		require.True(t, strings.HasPrefix(r.Map(t)["checkout_url"].(string), "https://"), "%s", r.Body)

		var customer string
		require.NoError(t, s.DB.Owner.QueryRow(context.Background(), "SELECT stripe_customer_id FROM tenants WHERE id = $1", acct.TenantID).Scan(&customer))
		require.NotEmpty(t, customer)
		sessions := forTenant(mock.Requests("POST", "/v1/checkout/sessions"), acct.TenantID)
		require.Len(t, sessions, 1)
		f := sessions[0].Form
		require.Equal(t, "subscription", f.Get("mode"))
		require.Equal(t, apitest.StripePrice, f.Get("line_items[0][price]"))
		require.Equal(t, "2", f.Get("line_items[0][quantity]"), "one seat per active agent")
		require.Equal(t, customer, f.Get("customer"))
		require.Equal(t, s.URL+"/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}", f.Get("success_url"))
		require.Equal(t, s.URL+"/billing?checkout=canceled", f.Get("cancel_url"))
		require.Equal(t, acct.TenantID.String(), f.Get("subscription_data[metadata][tenant_id]"))

		// A second checkout reuses the customer.
		customers := len(mock.Requests("POST", "/v1/customers"))
		r = acct.Client.Do("POST", "/api/portal/billing/checkout", body)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		require.Len(t, mock.Requests("POST", "/v1/customers"), customers, "no new customer")
		sessions = forTenant(mock.Requests("POST", "/v1/checkout/sessions"), acct.TenantID)
		require.Len(t, sessions, 2)
		require.Equal(t, customer, sessions[1].Form.Get("customer"))

		// The portal opens for that customer, coming back to /billing.
		r = acct.Client.Do("POST", "/api/portal/billing/portal", body)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		require.True(t, strings.HasPrefix(r.Map(t)["portal_url"].(string), "https://"), "%s", r.Body)
		var portal []stripemock.Request
		for _, p := range mock.Requests("POST", "/v1/billing_portal/sessions") {
			if p.Form.Get("customer") == customer {
				portal = append(portal, p)
			}
		}
		require.Len(t, portal, 1)
		require.Equal(t, s.URL+"/billing", portal[0].Form.Get("return_url"))
	})

	t.Run("PortalBeforeCheckoutIsAConflict", func(t *testing.T) {
		t.Parallel()
		acct := s.SignUp(t)
		r := acct.Client.Do("POST", "/api/portal/billing/portal", map[string]any{"tenant_id": acct.TenantID})
		require.Equal(t, http.StatusConflict, r.Status, "%s", r.Body)
		r.Problem(t)
	})

	t.Run("MembersMayNotCheckOut", func(t *testing.T) {
		t.Parallel()
		acct := s.SignUp(t)
		member := s.WithToken(t, acct.Token(t, "member"))
		for _, path := range []string{"/api/portal/billing/checkout", "/api/portal/billing/portal"} {
			r := member.Do("POST", path, map[string]any{"tenant_id": acct.TenantID})
			require.Equal(t, http.StatusForbidden, r.Status, "%s: %s", path, r.Body)
		}
		// Members may read the state.
		r := member.Do("GET", billingPath(acct), nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		st := r.Map(t)
		require.Equal(t, true, st["enabled"])
		require.Equal(t, "none", st["status"])
		require.Equal(t, false, st["agents_enabled"], "no trial configured and no subscription")
		require.Equal(t, "no_subscription", st["blocked_reason"])
		require.Equal(t, "checkout", st["next_action"])
	})
}

// forTenant keeps the checkout sessions made for one tenant (tests share
// the mock).
func forTenant(reqs []stripemock.Request, tenant uuid.UUID) []stripemock.Request {
	var out []stripemock.Request
	for _, r := range reqs {
		if r.Form.Get("client_reference_id") == tenant.String() {
			out = append(out, r)
		}
	}
	return out
}

// The billing page shows what a seat costs: Stripe's price for the plan,
// looked up once and kept.
func TestBillingShowsTheSeatPrice(t *testing.T) {
	t.Parallel()
	mock := stripemock.Start(t)
	s := apitest.New(t, apitest.Opts{Env: apitest.BillingEnv(mock.URL)})
	acct := s.SignUp(t)
	var st struct {
		Price *struct {
			UnitAmount int64 `json:"unit_amount"`
			Currency   string
			Interval   string
		}
	}
	for range 2 {
		r := acct.Client.Do("GET", billingPath(acct), nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		r.JSON(t, &st)
		require.NotNil(t, st.Price, "%s", r.Body)
		require.Positive(t, st.Price.UnitAmount)
		require.NotEmpty(t, st.Price.Currency)
		require.NotEmpty(t, st.Price.Interval)
	}
	require.Len(t, mock.Requests("GET", "/v1/prices/"+apitest.StripePrice), 1, "the price is cached")
}

func TestBillingDisabledGatesNothing(t *testing.T) {
	t.Parallel()
	s := apitest.New(t, apitest.Opts{})
	acct := s.SignUp(t)
	r := acct.Client.Do("POST", "/api/portal/billing/checkout", map[string]any{"tenant_id": acct.TenantID})
	require.Equal(t, http.StatusServiceUnavailable, r.Status, "%s", r.Body)
	r.Problem(t)
	r = acct.Client.Do("GET", billingPath(acct), nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	st := r.Map(t)
	require.Equal(t, false, st["enabled"])
	require.Equal(t, true, st["agents_enabled"])
	require.Equal(t, "none", st["next_action"])
	require.Nil(t, st["price"], "no Stripe, no price")
	r = s.StripeWebhook(t, apitest.StripeWebhookSecret, apitest.StripeEvent(t, "evt_"+uuid.NewString(), "invoice.paid", time.Now(), map[string]any{}), time.Now())
	require.Equal(t, http.StatusNotFound, r.Status)
}

type webhookBundle struct {
	s    *apitest.Server
	acct *apitest.Account
	cus  string
	sub  string
}

func (b *webhookBundle) state(t *testing.T) map[string]any {
	t.Helper()
	r := b.acct.Client.Do("GET", billingPath(b.acct), nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	return r.Map(t)
}

func (b *webhookBundle) send(t *testing.T, typ string, created time.Time, obj map[string]any) (string, *apitest.Response) {
	t.Helper()
	id := "evt_" + uuid.NewString()
	return id, b.s.StripeWebhook(t, apitest.StripeWebhookSecret, apitest.StripeEvent(t, id, typ, created, obj), time.Now())
}

func (b *webhookBundle) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(), query, args...).Scan(&n))
	return n
}

func (b *webhookBundle) audits(t *testing.T, action string) int {
	return b.count(t, "SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = $2", b.acct.TenantID, action)
}

func TestStripeWebhook(t *testing.T) {
	t.Parallel()
	s := apitest.New(t, apitest.Opts{Env: apitest.BillingEnv("http://127.0.0.1:1")})
	base := time.Now().Add(-time.Hour).Truncate(time.Second)

	// setup links a new tenant to a customer and an active subscription of 2 seats.
	setup := func(t *testing.T) *webhookBundle {
		t.Helper()
		b := &webhookBundle{s: s, acct: s.SignUp(t), cus: "cus_" + uuid.NewString()[:8], sub: "sub_" + uuid.NewString()[:8]}
		_, r := b.send(t, "checkout.session.completed", base, map[string]any{"id": "cs_" + uuid.NewString()[:8], "object": "checkout.session",
			"client_reference_id": b.acct.TenantID.String(), "customer": b.cus, "subscription": b.sub, "mode": "subscription", "payment_status": "paid"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		_, r = b.send(t, "customer.subscription.created", base, apitest.StripeSubscription(b.sub, b.cus, b.acct.TenantID.String(), "active", 2, base.Add(30*24*time.Hour)))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		return b
	}

	t.Run("ValidEventsChangeTheState", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		st := b.state(t)
		require.Equal(t, "active", st["status"])
		require.Equal(t, "standard", st["plan"])
		require.EqualValues(t, 2, st["seats"])
		require.Equal(t, base.Add(30*24*time.Hour).UTC().Format(time.RFC3339), st["period_end"])
		require.Equal(t, true, st["agents_enabled"])
		require.Equal(t, "portal", st["next_action"])

		// A failed payment: past due, still answering within the grace period.
		_, r := b.send(t, "invoice.payment_failed", base.Add(time.Minute), map[string]any{"id": "in_1", "object": "invoice", "customer": b.cus, "subscription": b.sub})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		st = b.state(t)
		require.Equal(t, "past_due", st["status"])
		require.Equal(t, true, st["agents_enabled"])
		require.NotNil(t, st["grace_ends_at"])
		_, r = b.send(t, "invoice.paid", base.Add(2*time.Minute), map[string]any{"id": "in_1", "object": "invoice", "customer": b.cus, "subscription": b.sub})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		require.Equal(t, "active", b.state(t)["status"])

		_, r = b.send(t, "customer.subscription.deleted", base.Add(3*time.Minute),
			apitest.StripeSubscription(b.sub, b.cus, b.acct.TenantID.String(), "canceled", 2, base.Add(30*24*time.Hour)))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		st = b.state(t)
		require.Equal(t, "canceled", st["status"])
		require.Equal(t, false, st["agents_enabled"])
		require.Equal(t, "subscription_canceled", st["blocked_reason"])
		require.Equal(t, "checkout", st["next_action"])
		require.Equal(t, 1, b.audits(t, "billing.subscription_deleted"))
	})

	t.Run("BadSignaturesAre400AndChangeNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		events := b.count(t, "SELECT count(*) FROM stripe_events WHERE tenant_id = $1", b.acct.TenantID)
		canceled := apitest.StripeSubscription(b.sub, b.cus, b.acct.TenantID.String(), "canceled", 2, base)
		for name, send := range map[string]func(body []byte) *apitest.Response{
			"WrongSecret": func(body []byte) *apitest.Response { return s.StripeWebhook(t, "whsec_wrong", body, time.Now()) },
			"Stale": func(body []byte) *apitest.Response {
				return s.StripeWebhook(t, apitest.StripeWebhookSecret, body, time.Now().Add(-6*time.Minute))
			},
			"Unsigned": func(body []byte) *apitest.Response {
				c := s.Client(t)
				return c.Do("POST", "/api/webhooks/stripe", body)
			},
		} {
			r := send(apitest.StripeEvent(t, "evt_"+uuid.NewString(), "customer.subscription.deleted", time.Now(), canceled))
			require.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", name, r.Body)
			r.Problem(t)
		}
		require.Equal(t, "active", b.state(t)["status"])
		require.Equal(t, events, b.count(t, "SELECT count(*) FROM stripe_events WHERE tenant_id = $1", b.acct.TenantID))
	})

	t.Run("AnEventIsAppliedOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		body := apitest.StripeEvent(t, "evt_"+uuid.NewString(), "invoice.paid", base.Add(time.Minute),
			map[string]any{"id": "in_2", "object": "invoice", "customer": b.cus, "subscription": b.sub})
		for range 2 {
			r := s.StripeWebhook(t, apitest.StripeWebhookSecret, body, time.Now())
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		}
		require.Equal(t, 1, b.audits(t, "billing.invoice_paid"), "a redelivery applies nothing")

		// Copies arriving at once: one applies, the others find its row.
		body = apitest.StripeEvent(t, "evt_"+uuid.NewString(), "invoice.paid", base.Add(2*time.Minute),
			map[string]any{"id": "in_3", "object": "invoice", "customer": b.cus, "subscription": b.sub})
		var wg sync.WaitGroup
		statuses := make([]int, 6)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = s.StripeWebhook(t, apitest.StripeWebhookSecret, body, time.Now()).Status
			}()
		}
		wg.Wait()
		for _, st := range statuses {
			require.Equal(t, http.StatusOK, st)
		}
		require.Equal(t, 2, b.audits(t, "billing.invoice_paid"), "six concurrent copies applied once")
	})

	t.Run("AnOlderUpdateAfterANewerOneIsIgnored", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		newer := apitest.StripeSubscription(b.sub, b.cus, b.acct.TenantID.String(), "past_due", 3, base.Add(30*24*time.Hour))
		older := apitest.StripeSubscription(b.sub, b.cus, b.acct.TenantID.String(), "active", 5, base.Add(30*24*time.Hour))
		_, r := b.send(t, "customer.subscription.updated", base.Add(20*time.Second), newer)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		id, r := b.send(t, "customer.subscription.updated", base.Add(10*time.Second), older)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		st := b.state(t)
		require.Equal(t, "past_due", st["status"])
		require.EqualValues(t, 3, st["seats"])
		require.Equal(t, 1, b.count(t, "SELECT count(*) FROM stripe_events WHERE id = $1", id), "the stale event is recorded as seen")
	})

	t.Run("UnknownTypesAndCustomersAreIgnored", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		id, r := b.send(t, "customer.created", time.Now(), map[string]any{"id": b.cus, "object": "customer"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		require.Zero(t, b.count(t, "SELECT count(*) FROM stripe_events WHERE id = $1", id))
		id, r = b.send(t, "invoice.paid", time.Now(), map[string]any{"id": "in_x", "object": "invoice", "customer": "cus_nobody", "subscription": "sub_nobody"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		require.Zero(t, b.count(t, "SELECT count(*) FROM stripe_events WHERE id = $1", id))
	})
}

func TestSeatsFollowActiveAgents(t *testing.T) {
	t.Parallel()
	mock := stripemock.Start(t)
	s := apitest.New(t, apitest.Opts{Work: true, Env: apitest.BillingEnv(mock.URL)})
	acct := s.SignUp(t)
	first := addAgent(t, acct, "Ada")
	sub, cus := "sub_"+uuid.NewString()[:8], "cus_"+uuid.NewString()[:8]
	body := apitest.StripeEvent(t, "evt_"+uuid.NewString(), "customer.subscription.created", time.Now(),
		apitest.StripeSubscription(sub, cus, acct.TenantID.String(), "active", 1, time.Now().Add(30*24*time.Hour)))
	require.Equal(t, http.StatusOK, s.StripeWebhook(t, apitest.StripeWebhookSecret, body, time.Now()).Status)

	seats := func() int {
		var n int
		require.NoError(t, s.DB.Owner.QueryRow(context.Background(), "SELECT subscription_seats FROM tenants WHERE id = $1", acct.TenantID).Scan(&n))
		return n
	}
	addAgent(t, acct, "Grace")
	s.Settle(t)
	require.Equal(t, 2, seats())
	calls := mock.Requests("POST", "/v1/subscription_items/si_"+sub)
	require.Len(t, calls, 1)
	require.Equal(t, "2", calls[0].Form.Get("quantity"))
	require.NotEmpty(t, calls[0].Idempotency)

	r := acct.Client.Do("PATCH", "/api/portal/tenants/"+acct.TenantID.String()+"/agents/"+first, map[string]any{"is_active": false})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	s.Settle(t)
	require.Equal(t, 1, seats())
	calls = mock.Requests("POST", "/v1/subscription_items/si_"+sub)
	require.Len(t, calls, 2)
	require.Equal(t, "1", calls[1].Form.Get("quantity"))

	// Renaming an agent changes no seats and calls nobody.
	r = acct.Client.Do("PATCH", "/api/portal/tenants/"+acct.TenantID.String()+"/agents/"+first, map[string]any{"name": "Ada L."})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	s.Settle(t)
	require.Len(t, mock.Requests("POST", "/v1/subscription_items/"), 2)
}

func TestPolicy(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)
	str := func(s string) *string { return &s }
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	p := billing.Policy{Enabled: true, TrialDays: 14, Grace: 72 * time.Hour}
	for _, tc := range []struct {
		name string
		p    billing.Policy
		a    billing.Account
		want string
	}{
		{"Disabled", billing.Policy{}, billing.Account{CreatedAt: now.Add(-100 * 24 * time.Hour), Status: str("canceled")}, ""},
		{"InTrial", p, billing.Account{CreatedAt: now.Add(-13 * 24 * time.Hour)}, ""},
		{"TrialEnded", p, billing.Account{CreatedAt: now.Add(-15 * 24 * time.Hour)}, "trial_ended"},
		{"TrialExtended", p, billing.Account{CreatedAt: now.Add(-15 * 24 * time.Hour), TrialEndsAt: at(time.Hour)}, ""},
		{"NoTrial", billing.Policy{Enabled: true}, billing.Account{CreatedAt: now}, "no_subscription"},
		{"Active", p, billing.Account{CreatedAt: now.Add(-100 * 24 * time.Hour), Status: str("active")}, ""},
		{"Trialing", p, billing.Account{CreatedAt: now.Add(-100 * 24 * time.Hour), Status: str("trialing")}, ""},
		{"PastDueInGrace", p, billing.Account{Status: str("past_due"), PastDueSince: at(-71 * time.Hour)}, ""},
		{"PastDueAfterGrace", p, billing.Account{Status: str("past_due"), PastDueSince: at(-73 * time.Hour)}, "payment_overdue"},
		{"Canceled", p, billing.Account{Status: str("canceled")}, "subscription_canceled"},
		{"Unpaid", p, billing.Account{Status: str("unpaid")}, "subscription_unpaid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, tc.p.Blocked(&tc.a, now))
		})
	}
}

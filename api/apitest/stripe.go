package apitest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/konstruct/konstruct/api/fakes/stripemock"
)

// StripeWebhookSecret is the webhook signing secret of BillingEnv.
const StripeWebhookSecret = "whsec_konstruct_test"

// StripePrice is the seat price of BillingEnv.
const StripePrice = "price_konstruct_seat"

// BillingEnv enables billing against a Stripe API at apiURL (stripe-mock,
// or an address never called when a test only sends webhooks), with no trial.
func BillingEnv(apiURL string) map[string]string {
	return map[string]string{"STRIPE_SECRET_KEY": stripemock.Key, "STRIPE_WEBHOOK_SECRET": StripeWebhookSecret,
		"STRIPE_PRICE_ID": StripePrice, "STRIPE_API_URL": apiURL, "BILLING_TRIAL_DAYS": "0"}
}

// StripeEvent is an event as Stripe sends it (API version 2023-10-16, which
// stripe-go's ConstructEvent requires) around object.
func StripeEvent(t testing.TB, id, typ string, created time.Time, object map[string]any) []byte {
	t.Helper()
	body, err := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": stripe.APIVersion,
		"created": created.Unix(), "type": typ, "livemode": false, "data": map[string]any{"object": object}})
	require.NoError(t, err)
	return body
}

// StripeWebhook signs body with secret at signedAt (stripe-go's test
// signing helper) and posts it to the Stripe webhook.
func (s *Server) StripeWebhook(t testing.TB, secret string, body []byte, signedAt time.Time) *Response {
	t.Helper()
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: signedAt})
	c := s.Client(t)
	c.Origin = ""
	return c.Do("POST", "/api/webhooks/stripe", body, "Stripe-Signature", signed.Header)
}

// StripeSubscription is a subscription object for events.
func StripeSubscription(id, customer, tenantID, status string, seats int, periodEnd time.Time) map[string]any {
	return map[string]any{"id": id, "object": "subscription", "customer": customer, "status": status,
		"current_period_end": periodEnd.Unix(), "metadata": map[string]string{"tenant_id": tenantID},
		"items": map[string]any{"object": "list", "data": []map[string]any{{"id": "si_" + id, "object": "subscription_item", "quantity": seats,
			"price": map[string]any{"id": StripePrice, "object": "price"}}}}}
}

package billing_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v76"

	"github.com/konstruct/konstruct/api/apitest"
)

// syncBuffer is a log sink tests read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Every shape of signed event is answered without a 500: events without
// data or with objects of another kind are acknowledged and ignored; a
// signature from the future is refused like a stale one; an event of
// another API version is refused with an error and a log line saying so
// (issue 14: no data → 500, +10 min → 200, another version → "signature
// wrong" and no log).
func TestStripeWebhookEventShapes(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	s := apitest.New(t, apitest.Opts{Env: apitest.BillingEnv("http://127.0.0.1:1"), LogTo: logs})
	event := func(t *testing.T, fields map[string]any) []byte {
		body := map[string]any{"id": "evt_" + uuid.NewString(), "object": "event", "api_version": stripe.APIVersion,
			"created": time.Now().Unix(), "type": "customer.subscription.updated", "livemode": false}
		for k, v := range fields {
			if v == nil {
				delete(body, k)
			} else {
				body[k] = v
			}
		}
		b, err := json.Marshal(body)
		require.NoError(t, err)
		return b
	}

	for _, tt := range []struct {
		name   string
		fields map[string]any
		at     time.Duration
		status int
	}{
		{"WithoutData", map[string]any{"data": nil}, 0, http.StatusOK},
		{"NullData", map[string]any{"data": json.RawMessage("null")}, 0, http.StatusOK},
		{"EmptyData", map[string]any{"data": map[string]any{}}, 0, http.StatusOK},
		{"ObjectOfAnotherKind", map[string]any{"data": map[string]any{"object": map[string]any{"id": "ch_1", "object": "charge", "amount": 5}}}, 0, http.StatusOK},
		{"UnknownType", map[string]any{"type": "radar.early_fraud_warning.created", "data": nil}, 0, http.StatusOK},
		{"InvoiceWithoutData", map[string]any{"type": "invoice.paid", "data": nil}, 0, http.StatusOK},
		{"CheckoutWithoutData", map[string]any{"type": "checkout.session.completed", "data": nil}, 0, http.StatusOK},
		{"SignedInTheFuture", map[string]any{"type": "invoice.paid", "data": map[string]any{"object": map[string]any{"id": "in_1", "object": "invoice"}}},
			10 * time.Minute, http.StatusBadRequest},
		{"SignedSlightlyAhead", map[string]any{"data": nil}, 2 * time.Minute, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.StripeWebhook(t, apitest.StripeWebhookSecret, event(t, tt.fields), time.Now().Add(tt.at))
			require.Equal(t, tt.status, r.Status, "%s", r.Body)
			if tt.status != http.StatusOK {
				r.Problem(t)
			}
		})
	}

	t.Run("AnotherAPIVersion", func(t *testing.T) {
		r := s.StripeWebhook(t, apitest.StripeWebhookSecret, event(t, map[string]any{"api_version": "2025-03-31.basil"}), time.Now())
		require.Equal(t, http.StatusBadRequest, r.Status)
		p := r.Problem(t)
		require.Contains(t, p.Detail, "2025-03-31.basil")
		require.Contains(t, p.Detail, stripe.APIVersion)
		require.NotContains(t, p.Detail, "Signature")
		require.Contains(t, logs.String(), "another API version")
	})
}

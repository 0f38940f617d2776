package events

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/netguard"
)

// The delivery client checks the address it actually connects to, so a
// name that resolved to a public address when the endpoint was saved and
// to a private one later (DNS rebinding) is refused at dial time.
func TestDeliveriesDialOnlyAllowedAddresses(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(srv.Close)

	_, err := deliveryClient(netguard.Policy{}, 5*time.Second).Post(srv.URL, "application/json", nil)
	require.ErrorIs(t, err, netguard.ErrForbidden)
	require.Equal(t, "the endpoint's address is private, loopback or link-local, which is not allowed", describe(err))

	resp, err := deliveryClient(netguard.Policy{AllowPrivate: true}, 5*time.Second).Post(srv.URL, "application/json", nil)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
}

// In production an endpoint must use https.
func TestProductionRequiresHTTPS(t *testing.T) {
	t.Parallel()
	s := New(Opts{RequireHTTPS: true})
	_, err := s.checkURL(context.Background(), "http://93.184.215.14/hooks")
	var e *errs.Error
	require.True(t, errors.As(err, &e), "%v", err)
	require.Equal(t, "body.url", e.Fields[0].Location)
	u, err := s.checkURL(context.Background(), " https://93.184.215.14/hooks ")
	require.NoError(t, err)
	require.Equal(t, "https://93.184.215.14/hooks", u)
}

func TestRetryAfterHeader(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	require.Equal(t, 30*time.Second, retryAfter("30", now))
	require.Equal(t, 2*time.Minute, retryAfter(now.Add(2*time.Minute).Format(http.TimeFormat), now))
	require.Zero(t, retryAfter("soon", now))
	require.Zero(t, retryAfter("", now))
}

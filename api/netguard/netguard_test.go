package netguard_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/netguard"
)

func TestAllowed(t *testing.T) {
	t.Parallel()
	strict, lax := netguard.Policy{}, netguard.Policy{AllowPrivate: true}
	for addr, want := range map[string][2]bool{ // strict, lax
		"8.8.8.8": {true, true}, "2606:4700::1111": {true, true},
		"127.0.0.1": {false, true}, "::1": {false, true}, "10.1.2.3": {false, true}, "172.16.0.9": {false, true},
		"192.168.1.1": {false, true}, "100.64.1.1": {false, true}, "fd00::1": {false, true}, "::ffff:10.0.0.1": {false, true},
		"169.254.169.254": {false, false}, "fe80::1": {false, false}, "0.0.0.0": {false, false}, "224.0.0.1": {false, false},
		// NAT64 and 6to4 addresses are judged by the IPv4 address they carry.
		"64:ff9b::a9fe:a9fe": {false, false}, "64:ff9b::7f00:1": {false, true}, "2002:a9fe:a9fe::1": {false, false},
		"2002:0a00:0001::": {false, true}, "64:ff9b::808:808": {true, true}, "2002:0808:0808::1": {true, true},
		"64:ff9b:1::a00:1": {false, true},
	} {
		a := netip.MustParseAddr(addr)
		require.Equal(t, want[0], strict.Allowed(a), "strict %s", addr)
		require.Equal(t, want[1], lax.Allowed(a), "lax %s", addr)
	}
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := netguard.Policy{}
	for _, bad := range []string{"http://127.0.0.1:11434/v1", "http://localhost:8080", "http://169.254.169.254/latest", "ftp://example.com",
		"http://user:pw@8.8.8.8/", "not a url", "http://[::1]/"} {
		require.Error(t, p.CheckURL(ctx, bad), bad)
	}
	require.NoError(t, p.CheckURL(ctx, "https://8.8.8.8/v1"))
	require.NoError(t, netguard.Policy{AllowPrivate: true}.CheckURL(ctx, "http://127.0.0.1:11434/v1"))
}

// A URL that passed the save-time check is still refused at dial time when
// it now lands on a forbidden address.
func TestDialTimeGuard(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	defer srv.Close()
	_, err := netguard.Policy{}.Client(5 * time.Second).Get(srv.URL)
	require.ErrorIs(t, err, netguard.ErrForbidden)

	resp, err := netguard.Policy{AllowPrivate: true}.Client(5 * time.Second).Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	require.False(t, errors.Is(err, netguard.ErrForbidden))
}

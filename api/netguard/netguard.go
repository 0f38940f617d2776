// Package netguard keeps outbound calls to user-supplied URLs (a tenant's
// custom LLM base URL, an agent's HTTP tool endpoints) away from the
// platform's own network: loopback, private, link-local (cloud metadata),
// carrier-grade NAT, multicast and unspecified addresses are refused, unless
// the platform operator allows private addresses. The check runs when a URL
// is saved and again at dial time on the address actually connected to, so a
// hostname that resolves differently later (DNS rebinding) is still caught.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Policy is the platform's rule for user-supplied destinations.
type Policy struct {
	// AllowPrivate permits private and loopback addresses (self-hosted
	// models next to the platform, development machines).
	AllowPrivate bool
}

// ErrForbidden is returned for a destination the policy refuses.
var ErrForbidden = errors.New("netguard: destination address is not allowed")

var cgnat = netip.MustParsePrefix("100.64.0.0/10")
var thisNet = netip.MustParsePrefix("0.0.0.0/8")

// Allowed reports whether the policy lets a connection reach addr.
func (p Policy) Allowed(addr netip.Addr) bool {
	addr = addr.Unmap()
	if v4, ok := embeddedIPv4(addr); ok {
		// NAT64 and 6to4 addresses reach the IPv4 address inside them.
		return p.Allowed(v4)
	}
	if addr.IsUnspecified() || addr.IsMulticast() || addr.IsLinkLocalUnicast() || addr.IsLinkLocalMulticast() ||
		addr.IsInterfaceLocalMulticast() || thisNet.Contains(addr) || addr == netip.MustParseAddr("255.255.255.255") {
		return false // never useful, and link-local holds cloud metadata services
	}
	if addr.IsLoopback() || addr.IsPrivate() || cgnat.Contains(addr) || nat64Local.Contains(addr) {
		return p.AllowPrivate
	}
	return true
}

var nat64 = netip.MustParsePrefix("64:ff9b::/96")
var nat64Local = netip.MustParsePrefix("64:ff9b:1::/48") // local-use NAT64: a private network's translator
var sixToFour = netip.MustParsePrefix("2002::/16")

// embeddedIPv4 returns the IPv4 address a NAT64 (RFC 6052/8215) or 6to4
// (RFC 3056) address carries.
func embeddedIPv4(addr netip.Addr) (netip.Addr, bool) {
	b := addr.As16()
	switch {
	case !addr.Is6():
		return netip.Addr{}, false
	case nat64.Contains(addr):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case sixToFour.Contains(addr):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	}
	return netip.Addr{}, false
}

// CheckURL validates a user-supplied http(s) URL and every address its host
// resolves to now.
func (p Policy) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("must be an absolute http(s) URL")
	}
	if u.User != nil {
		return errors.New("must not contain credentials")
	}
	host := u.Hostname()
	if addr, err := netip.ParseAddr(host); err == nil {
		if !p.Allowed(addr) {
			return fmt.Errorf("points at a private, loopback or link-local address (%s), which is not allowed", addr)
		}
		return nil
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(rctx, "ip", host)
	if err != nil {
		return fmt.Errorf("host %q does not resolve", host)
	}
	for _, a := range addrs {
		if !p.Allowed(a) {
			return fmt.Errorf("host %q resolves to a private, loopback or link-local address (%s), which is not allowed", host, a.Unmap())
		}
	}
	return nil
}

// Dialer returns a dialer that refuses disallowed addresses at connect time.
func (p Policy) Dialer() *net.Dialer {
	return &net.Dialer{
		Timeout:   10 * time.Second,
		KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrForbidden, address)
			}
			if !p.Allowed(ap.Addr()) {
				return fmt.Errorf("%w: %s", ErrForbidden, ap.Addr())
			}
			return nil
		},
	}
}

// Client returns an HTTP client for user-supplied URLs: guarded dials, no
// proxy from the environment, and a bounded number of redirects (each
// redirect target is dialled through the same guard). timeout bounds each
// request, redirects and body included; it must be positive.
func (p Policy) Client(timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext:           p.Dialer().DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: timeout,
		},
		CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("netguard: too many redirects")
			}
			return nil
		},
	}
}

package channels

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// HostAllowed decides whether media may be fetched from a host.
type HostAllowed func(host string) bool

// Fetch downloads media with a bearer token from an allowed host (redirects
// included), refusing bodies over max bytes.
func Fetch(ctx context.Context, client *http.Client, rawURL, token string, max int64, allowed HostAllowed) ([]byte, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || !allowed(u.Host) {
		return nil, "", fmt.Errorf("channels: media URL %q is not on the channel's own hosts", redactQuery(rawURL))
	}
	c := *client
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 || !allowed(req.URL.Host) {
			return errors.New("channels: media redirected away from the channel's hosts")
		}
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("channels: media download answered %d", resp.StatusCode)
	}
	if resp.ContentLength > max {
		return nil, "", ErrTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, "", err
	}
	if int64(len(data)) > max {
		return nil, "", ErrTooLarge
	}
	return data, resp.Header.Get("Content-Type"), nil
}

func redactQuery(raw string) string {
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		return raw[:i]
	}
	return raw
}

// HostIs matches a host exactly or as a subdomain of one of the domains.
func HostIs(host string, exact string, domains ...string) bool {
	h := strings.ToLower(host)
	if h == strings.ToLower(exact) {
		return true
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	for _, d := range domains {
		if h == d || strings.HasSuffix(h, "."+d) {
			return true
		}
	}
	return false
}

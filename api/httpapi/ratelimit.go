package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/auth"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/ratelimit"
)

// Rate limits, by policy (the names in the RateLimit-Policy field):
//
//   - caller: a signed-in user or an API token, API_RATE_LIMIT a minute;
//   - address: everything else that reaches the API from one client address
//     (behind TRUSTED_PROXIES, the forwarded one), ADDRESS_RATE_LIMIT a
//     minute: anonymous calls, calls whose credentials fail — counted before
//     they are refused, so guessing tokens or cookies is throttled like any
//     anonymous traffic — and unknown API paths;
//   - webhook: webhook deliveries a client address got refused (bad
//     signature, malformed, too large), ADDRESS_RATE_LIMIT a minute; past it
//     the address's deliveries get 429 before any work. Signed deliveries
//     are never counted, so Slack, Meta and Stripe are not throttled.
//
// Health probes are never counted or refused (a load balancer polls them);
// they report the address's standing.
const (
	policyCaller  = "caller"
	policyAddress = "address"
	policyWebhook = "webhook"
	limitWindow   = time.Minute
)

// limits holds the limiter and the quotas.
type limits struct {
	l               *ratelimit.Limiter
	caller, address int
}

// limitState is what the response's rate-limit fields say; filled by
// whichever step counted the request.
type limitState struct {
	policy string
	quota  int
	res    ratelimit.Result
	set    bool
}

func (st *limitState) record(policy string, quota int, r ratelimit.Result) {
	st.policy, st.quota, st.res, st.set = policy, quota, r, true
}

// write sets the IETF fields (draft-ietf-httpapi-ratelimit-headers):
// RateLimit-Policy: "caller";q=600;w=60 and RateLimit: "caller";r=597;t=42.
func (st *limitState) write(h http.Header) {
	reset := int(st.res.Reset.Seconds()) + 1
	h.Set("RateLimit-Policy", fmt.Sprintf("%q;q=%d;w=%d", st.policy, st.quota, int(limitWindow.Seconds())))
	h.Set("RateLimit", fmt.Sprintf("%q;r=%d;t=%d", st.policy, st.res.Remaining, reset))
}

func (st *limitState) refusal() error {
	reset := int(st.res.Reset.Seconds()) + 1
	return &errs.Error{Kind: errs.RateLimited, RetryAfter: st.res.Reset,
		Message: fmt.Sprintf("Too many requests; retry in %d seconds.", reset)}
}

const limitStateKey = "konstruct.ratelimit"

func stateOf(c echo.Context) *limitState {
	st, _ := c.Get(limitStateKey).(*limitState)
	return st
}

// limitedPath reports whether a path's responses carry the rate-limit
// fields: the API, webhooks, probes and metrics (the portal's static files
// do not).
func limitedPath(p string) bool {
	return strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/readyz" || p == "/metrics"
}

func addressKey(c echo.Context) string { return "api:ip:" + c.RealIP() }

// rateFields makes every API, webhook and probe response carry the
// rate-limit fields, and every 401 WWW-Authenticate. A response that no step
// counted (a probe, a body refused before authentication, the metrics)
// reports the client address's standing; an unknown API path counts
// against the address like any anonymous call.
func (lm *limits) rateFields() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !limitedPath(c.Request().URL.Path) {
				return next(c)
			}
			st := &limitState{}
			c.Set(limitStateKey, st)
			ctx := context.WithoutCancel(c.Request().Context())
			c.Response().Before(func() {
				h := c.Response().Header()
				if !st.set {
					if r, err := lm.l.Peek(ctx, addressKey(c), lm.address, limitWindow); err == nil {
						st.record(policyAddress, lm.address, r)
					}
				}
				if st.set {
					st.write(h)
				}
				if c.Response().Status == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
					h.Set("WWW-Authenticate", `Bearer realm="konstruct"`)
				}
			})
			if c.Path() == "/api/*" { // no route: probing counts like any anonymous call
				r, err := lm.l.Hit(ctx, addressKey(c), lm.address, limitWindow)
				if err != nil {
					return err
				}
				st.record(policyAddress, lm.address, r)
				if !r.Allowed {
					return st.refusal()
				}
			}
			return next(c)
		}
	}
}

// authenticate resolves the caller and counts the request — against the
// caller, or against the client address when there is none or the
// credentials fail — before it refuses anything: a stranger guessing tokens
// spends their address's budget, then gets 429 without any check.
func (lm *limits) authenticate(a *auth.Service, isPublic func(echo.Context) bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			p, authErr := a.Authenticate(req)
			if authErr == nil && p == nil && !isPublic(c) {
				authErr = access.ErrUnauthenticated
			}
			if p != nil {
				c.SetRequest(req.WithContext(access.WithPrincipal(req.Context(), p)))
			}
			st := stateOf(c)
			if st == nil {
				st = &limitState{}
			}
			if path := c.Path(); path == "/healthz" || path == "/readyz" {
				return next(c) // probes: reported by rateFields, never counted
			}
			key, policy, quota := addressKey(c), policyAddress, lm.address
			if p != nil {
				key, policy, quota = "api:"+p.Key(), policyCaller, lm.caller
			}
			r, err := lm.l.Hit(req.Context(), key, quota, limitWindow)
			if err != nil {
				return err
			}
			st.record(policy, quota, r)
			if !r.Allowed {
				return st.refusal()
			}
			if authErr != nil {
				if e, ok := errs.As(authErr); ok && e.Kind == errs.Unauthorized && req.Header.Get("Authorization") != "" {
					c.Response().Header().Set("WWW-Authenticate", `Bearer realm="konstruct", error="invalid_token"`)
				}
				return authErr
			}
			return next(c)
		}
	}
}

// webhookRejections refuses, with 429, a client address whose webhook
// deliveries were refused more than ADDRESS_RATE_LIMIT times this minute,
// and counts each refusal (400, 401, 403, 413). Signed deliveries cost one
// read and are never throttled.
func (lm *limits) webhookRejections() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx := c.Request().Context()
			key := "hook:ip:" + c.RealIP()
			r, err := lm.l.Peek(ctx, key, lm.address, limitWindow)
			if err != nil {
				return err
			}
			st := stateOf(c)
			if st == nil {
				st = &limitState{}
			}
			st.record(policyWebhook, lm.address, r)
			if !r.Allowed {
				return st.refusal()
			}
			if err := next(c); err != nil {
				c.Error(err)
			}
			switch c.Response().Status {
			case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestEntityTooLarge:
				if _, err := lm.l.Hit(context.WithoutCancel(ctx), key, lm.address, limitWindow); err != nil && !errors.Is(err, context.Canceled) {
					return err
				}
			}
			return nil
		}
	}
}

package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
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

// limits holds the limiter, the quotas, and this process's last view of
// each key it counted this minute.
type limits struct {
	l               *ratelimit.Limiter
	caller, address int

	mu   sync.Mutex
	seen map[string]seenResult
}

type seenResult struct {
	window time.Time // the minute it was counted in
	res    ratelimit.Result
}

func newLimits(l *ratelimit.Limiter, caller, address int) *limits {
	return &limits{l: l, caller: caller, address: address, seen: map[string]seenResult{}}
}

// hit counts key and remembers the result for this minute.
func (lm *limits) hit(ctx context.Context, key string, quota int) (ratelimit.Result, error) {
	r, err := lm.l.Hit(ctx, key, quota, limitWindow)
	if err == nil {
		lm.remember(key, r)
	}
	return r, err
}

func (lm *limits) remember(key string, r ratelimit.Result) {
	now := time.Now()
	lm.mu.Lock()
	defer lm.mu.Unlock()
	if len(lm.seen) >= 10000 { // forget past minutes before growing
		for k, v := range lm.seen {
			if !v.window.Equal(now.Truncate(limitWindow)) {
				delete(lm.seen, k)
			}
		}
	}
	lm.seen[key] = seenResult{window: now.Truncate(limitWindow), res: r}
}

// view is this process's last count of key this minute, without asking the
// database (a full quota when it counted none): what probes and signed
// webhook deliveries report, so neither costs a database read.
func (lm *limits) view(key string, quota int) ratelimit.Result {
	now := time.Now()
	lm.mu.Lock()
	v, ok := lm.seen[key]
	lm.mu.Unlock()
	if ok && v.window.Equal(now.Truncate(limitWindow)) {
		return v.res
	}
	reset := now.Truncate(limitWindow).Add(limitWindow).Sub(now)
	return ratelimit.Result{Limit: quota, Remaining: quota, Reset: reset, Allowed: true}
}

// limitState is what the response's rate-limit fields say; filled by
// whichever step counted the request.
type limitState struct {
	policy string
	quota  int
	res    ratelimit.Result
	set    bool
	// resolve, when set, records the state once the response's status is
	// known (webhooks count only their refusals).
	resolve func()
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
				if st.resolve != nil {
					st.resolve()
				}
				switch p := c.Request().URL.Path; {
				case st.set:
				case p == "/healthz" || p == "/readyz" || p == "/metrics":
					// A liveness probe must not wait on PostgreSQL.
					st.record(policyAddress, lm.address, lm.view(addressKey(c), lm.address))
				default:
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
				r, err := lm.hit(ctx, addressKey(c), lm.address)
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
			r, err := lm.hit(req.Context(), key, quota)
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
// deliveries were refused (400, 401, 403, 413) ADDRESS_RATE_LIMIT times this
// minute, until the minute ends. Only refusals are counted, in the database
// (so every process sees them) and remembered here; a signed delivery reads
// nothing and is never throttled: Slack, Meta and Stripe pay no round trip
// for it. Its rate-limit fields are this process's view of the address.
func (lm *limits) webhookRejections() echo.MiddlewareFunc {
	refused := map[int]bool{http.StatusBadRequest: true, http.StatusUnauthorized: true, http.StatusForbidden: true,
		http.StatusRequestEntityTooLarge: true}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx := context.WithoutCancel(c.Request().Context())
			key := "hook:ip:" + c.RealIP()
			st := stateOf(c)
			if st == nil {
				st = &limitState{}
			}
			if r := lm.view(key, lm.address); r.Remaining == 0 {
				st.record(policyWebhook, lm.address, r)
				return st.refusal()
			}
			st.resolve = func() {
				r := lm.view(key, lm.address)
				if refused[c.Response().Status] {
					// A failed count only loses this refusal's weight.
					if counted, err := lm.hit(ctx, key, lm.address); err == nil {
						r = counted
					}
				}
				st.record(policyWebhook, lm.address, r)
			}
			return next(c)
		}
	}
}

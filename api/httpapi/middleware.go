package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/obs"
	"github.com/konstruct/konstruct/api/ratelimit"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// requestScope gives every request an id (the caller's X-Request-Id when it
// is sane, else a new one), echoes it in the response, and starts the log
// scope.
func requestScope() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id := c.Request().Header.Get(echo.HeaderXRequestID)
			if !requestIDPattern.MatchString(id) {
				var b [12]byte
				_, _ = rand.Read(b[:])
				id = hex.EncodeToString(b[:])
			}
			c.Response().Header().Set(echo.HeaderXRequestID, id)
			ctx := obs.WithRequest(c.Request().Context(), obs.Request{ID: id, ClientIP: c.RealIP(),
				UserAgent: c.Request().UserAgent(), Accept: c.Request().Header.Get("Accept")})
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}
}

// accessLog writes one line per request (health probes at debug level) and
// records its latency by route template.
func accessLog(log *slog.Logger, m *obs.Metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			route := c.Path()
			if route == "" || route == "/*" {
				route = "unmatched"
			}
			m.ObserveHTTP(route, c.Request().Method, c.Response().Status, time.Since(start))
			level := slog.LevelInfo
			if p := c.Path(); p == "/healthz" || p == "/readyz" {
				level = slog.LevelDebug
			}
			log.Log(c.Request().Context(), level, "http request",
				"method", c.Request().Method, "route", c.Path(), "path", c.Request().URL.Path,
				"status", c.Response().Status, "bytes", c.Response().Size,
				"duration_ms", float64(time.Since(start).Microseconds())/1000, "ip", c.RealIP())
			return nil
		}
	}
}

// recoverPanics turns a panic into a 500 problem and logs the stack.
func recoverPanics(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				if r := recover(); r != nil {
					if r == http.ErrAbortHandler {
						panic(r)
					}
					log.ErrorContext(c.Request().Context(), "panic in handler", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
					err = &errs.Error{Kind: errs.Internal, Err: fmt.Errorf("panic: %v", r)}
				}
			}()
			return next(c)
		}
	}
}

// securityHeaders sets the headers every response should carry.
func securityHeaders(https bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "+
				"connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self' https://slack.com")
			if https {
				h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
			}
			return next(c)
		}
	}
}

// rateLimit counts every API request against its caller (or, before sign-in,
// its address) and sets the RateLimit-* headers.
func rateLimit(l *ratelimit.Limiter, perCaller, anonymous int) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx := c.Request().Context()
			key, limit := "ip:"+c.RealIP(), anonymous
			if p, ok := access.From(ctx); ok {
				key, limit = p.Key(), perCaller
			}
			r, err := l.Hit(ctx, "api:"+key, limit, time.Minute)
			if err != nil {
				return err
			}
			h := c.Response().Header()
			reset := strconv.Itoa(int(r.Reset.Seconds()) + 1)
			h.Set("RateLimit-Limit", strconv.Itoa(r.Limit))
			h.Set("RateLimit-Remaining", strconv.Itoa(r.Remaining))
			h.Set("RateLimit-Reset", reset)
			if !r.Allowed {
				return &errs.Error{Kind: errs.RateLimited, RetryAfter: r.Reset,
					Message: fmt.Sprintf("Too many requests; retry in %s seconds.", reset)}
			}
			return next(c)
		}
	}
}

// countRejections labels a webhook's refusals for the metrics: the handlers
// answer 401 for signatures, 400 for malformed bodies, 413 when too large,
// 403 for a wrong verify token and 503 when the channel is not configured.
func countRejections(m *obs.Metrics, provider string) echo.MiddlewareFunc {
	reasons := map[int]string{401: "signature", 400: "malformed", 413: "too_large", 403: "verify_token", 503: "disabled"}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			if reason, ok := reasons[c.Response().Status]; ok {
				m.Rejected(provider, reason)
			}
			return nil
		}
	}
}

// platformAdminSession admits only a platform administrator signed in to the
// portal (the admin pages, such as River UI). A browser without a session is
// sent to sign in; anything else signed out gets 401, and a signed-in user who
// is not an administrator, or an API token, 403.
func platformAdminSession() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p, ok := access.From(c.Request().Context())
			switch {
			case !ok && c.Request().Method == http.MethodGet && strings.Contains(c.Request().Header.Get("Accept"), "text/html"):
				return c.Redirect(http.StatusSeeOther, "/sign-in")
			case !ok:
				return access.ErrUnauthenticated
			case !p.ViaCookie || !p.PlatformAdmin:
				return errs.E(errs.Forbidden, "Only platform administrators signed in to the portal may open this page.")
			}
			return next(c)
		}
	}
}

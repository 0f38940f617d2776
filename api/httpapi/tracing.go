package httpapi

import (
	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/contrib/instrumentation/github.com/labstack/echo/otelecho"

	"github.com/konstruct/konstruct/api/obs"
)

// traceRequests gives every request a server span named by its route
// template ("POST /api/webhooks/slack/events"), never the raw path, with the
// method and status. It sits outside accessLog, so the access log line is
// written inside the span and carries its trace id, and the span sees the
// final status after the error handler ran. What otelecho records is the
// method, scheme, host, peer address, user agent, X-Forwarded-For client and
// the path without its query (the Slack OAuth callback's code never reaches
// a span); no other header, so no Authorization or cookie. Health probes and
// metric scrapes are not traced: they would drown the traces that matter.
// The host attribute is PUBLIC_URL's, not the caller's Host header. With
// tracing off it is a pass-through.
func traceRequests(t *obs.Tracing, host string) echo.MiddlewareFunc {
	if !t.Enabled() {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	return otelecho.Middleware(host, otelecho.WithTracerProvider(t.Provider()), otelecho.WithPropagators(t.Propagator()),
		otelecho.WithSkipper(func(c echo.Context) bool {
			switch c.Path() {
			case "/healthz", "/readyz", "/metrics":
				return true
			}
			return false
		}))
}

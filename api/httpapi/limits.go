package httpapi

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// Request body limits per contract operation. Limits apply before
// authentication, so they bound what a stranger can make the server read.
const (
	// noBodyLimit is for operations the contract gives no request body.
	noBodyLimit = 4 << 10
	// smallBodyLimit is for operations whose body is a few short fields.
	smallBodyLimit = 64 << 10
)

// smallBodies are operations (by operationId) whose bodies are a few short fields: sign-up
// and sign-in are unauthenticated; the others carry names, emails, roles,
// tokens and ids. Every other operation with a body gets HTTP_BODY_LIMIT
// (agent instructions and tools, previews, replies, escalation topics).
var smallBodies = map[string]bool{
	"signUp": true, "signIn": true, "createTenant": true, "updateTenant": true,
	"addMember": true, "updateMember": true, "createAPIToken": true, "connectWhatsApp": true,
	"sendTestMessage": true, "updateConnection": true, "createLLMKey": true,
	"eraseParticipant": true,
}

// limitOf is the body limit of an operation; def is HTTP_BODY_LIMIT.
func limitOf(op *operation, def int64) int64 {
	switch {
	case op.op.RequestBody == nil:
		return min(noBodyLimit, def)
	case smallBodies[op.op.OperationID]:
		return min(smallBodyLimit, def)
	}
	return def
}

// bodyLimits answers 413 (a problem) when a request's body is larger than
// its operation accepts.
func bodyLimits(routes routeTable, def int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		byLimit := map[int64]echo.HandlerFunc{def: middleware.BodyLimit(bodyLimit(def))(next)}
		for _, op := range routes {
			if n := limitOf(op, def); byLimit[n] == nil {
				byLimit[n] = middleware.BodyLimit(bodyLimit(n))(next)
			}
		}
		return func(c echo.Context) error {
			n := def
			if op := routes.lookup(c); op != nil {
				n = limitOf(op, def)
			}
			return byLimit[n](c)
		}
	}
}

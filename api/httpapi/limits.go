package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"
	gbytes "github.com/labstack/gommon/bytes"

	"github.com/konstruct/konstruct/api/errs"
)

// Request body limits per contract operation. Limits apply before
// authentication, so they bound what a stranger can make the server read.
const smallBodyLimit = 64 << 10 // for operations whose body is a few short fields

// smallBodies are operations (by operationId) whose bodies are a few short
// fields: sign-up and sign-in are unauthenticated; the others carry names,
// emails, roles, tokens and ids. Every other operation with a body gets
// HTTP_BODY_LIMIT (agent instructions and tools, previews, replies,
// escalation topics).
var smallBodies = map[string]bool{
	"signUp": true, "signIn": true, "createTenant": true, "updateTenant": true,
	"addMember": true, "updateMember": true, "createAPIToken": true, "connectWhatsApp": true,
	"sendTestMessage": true, "updateConnection": true, "createLLMKey": true,
	"eraseParticipant": true, "acceptInvitation": true,
}

// limitOf is the body limit of an operation that has a request body; def is
// HTTP_BODY_LIMIT.
func limitOf(op *operation, def, upload int64) int64 {
	if op.op.OperationID == "uploadKnowledgeFile" {
		// The file's own limit (KNOWLEDGE_FILE_MAX_BYTES) is checked by the
		// service, which names it; this bounds the multipart envelope.
		return upload + smallBodyLimit
	}
	if smallBodies[op.op.OperationID] {
		return min(smallBodyLimit, def)
	}
	return def
}

// bodyLimits enforces each operation's body limit (see readLimited). An
// operation the contract gives no body never reads one: whatever is sent is
// replaced by an empty body, so nothing downstream can be made to read it.
func bodyLimits(routes routeTable, def, upload int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			op := routes.lookup(c)
			if op != nil && op.op.RequestBody == nil {
				c.Request().Body, c.Request().ContentLength, c.Request().GetBody = http.NoBody, 0, nil
				return next(c)
			}
			n := def
			if op != nil {
				n = limitOf(op, def, upload)
			}
			if err := readLimited(c.Request(), n); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// webhookLimit enforces a webhook's body limit ("1M", "3M"; see readLimited).
func webhookLimit(limit string) echo.MiddlewareFunc {
	n, err := gbytes.Parse(limit)
	if err != nil {
		panic(fmt.Sprintf("httpapi: webhook body limit %q: %v", limit, err))
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := readLimited(c.Request(), n); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// tooLarge is the problem for a body over its limit.
func tooLarge(limit int64) error {
	return &errs.Error{Kind: errs.TooLarge, Code: "body_too_large",
		Message: fmt.Sprintf("The request body is larger than this endpoint accepts (%d bytes).", limit)}
}

// readLimited reads the whole body, at most limit bytes, and puts it back as
// a re-readable body. A declared Content-Length over the limit is refused
// before anything is read; a body without one (chunked) is read until it
// passes the limit. Either way the answer is one 413 problem, so no later
// reader (the contract check, a webhook's signature check) sees a truncated
// body or reports the overflow as something else.
func readLimited(r *http.Request, limit int64) error {
	if r.ContentLength > limit {
		return tooLarge(limit)
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	_ = r.Body.Close()
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge(limit)
		}
		return errs.Wrap(errs.BadRequest, err, "The request body could not be read.")
	}
	if int64(len(data)) > limit {
		return tooLarge(limit)
	}
	r.ContentLength = int64(len(data))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	r.Body, _ = r.GetBody()
	return nil
}

package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/obs"
	"github.com/konstruct/konstruct/api/store"
)

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail,omitempty"`
	Instance  string            `json:"instance,omitempty"`
	Code      string            `json:"code,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	Errors    []errs.FieldError `json:"errors,omitempty"`
}

var statusByKind = map[errs.Kind]int{
	errs.Internal:     http.StatusInternalServerError,
	errs.BadRequest:   http.StatusBadRequest,
	errs.Unauthorized: http.StatusUnauthorized,
	errs.Forbidden:    http.StatusForbidden,
	errs.NotFound:     http.StatusNotFound,
	errs.Conflict:     http.StatusConflict,
	errs.TooLarge:     http.StatusRequestEntityTooLarge,
	errs.Invalid:      http.StatusUnprocessableEntity,
	errs.RateLimited:  http.StatusTooManyRequests,
	errs.Upstream:     http.StatusBadGateway,
	errs.Unavailable:  http.StatusServiceUnavailable,
}

// errorHandler is Echo's HTTPErrorHandler: the one place an error becomes a
// response. Client-safe text goes out; internal causes only go to the log.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		ctx := c.Request().Context()
		p, retryAfter := toProblem(ctx, err)
		p.Instance = c.Request().URL.Path
		p.RequestID = obs.RequestID(ctx)
		if p.Status >= 500 {
			log.ErrorContext(ctx, "request failed", "method", c.Request().Method, "path", c.Path(), "status", p.Status, "err", err)
		}
		if retryAfter > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfter))
		}
		writeProblem(c, p)
	}
}

func writeProblem(c echo.Context, p Problem) {
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().Header().Set("Cache-Control", "no-store")
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(p.Status)
		return
	}
	_ = c.JSON(p.Status, p)
}

func toProblem(ctx context.Context, err error) (Problem, int) {
	if e, ok := errs.As(err); ok {
		status := statusByKind[e.Kind]
		detail := e.Message
		if e.Kind == errs.Internal {
			detail = "Something went wrong on our side. It has been logged; quote the request id if you contact support."
		}
		return newProblem(status, detail, e.Code, e.Fields), int(math.Ceil(e.RetryAfter.Seconds()))
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		detail := http.StatusText(he.Code)
		switch he.Code {
		case http.StatusNotFound:
			detail = "No such endpoint."
		case http.StatusMethodNotAllowed:
			detail = "This endpoint does not support the method."
		case http.StatusRequestEntityTooLarge:
			detail = "The request body is larger than this endpoint accepts."
		case http.StatusBadRequest:
			// The strict server's own binding errors (a path parameter that is
			// not a UUID, say) reach here when the validator did not catch them.
			detail = fmt.Sprint(he.Message)
		}
		return newProblem(he.Code, detail, "", nil), 0
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return newProblem(http.StatusServiceUnavailable, "The request took too long; retry it.", "timeout", nil), 1
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads this.
		return newProblem(499, "The client closed the request.", "", nil), 0
	case errors.Is(err, store.ErrNotFound):
		return newProblem(http.StatusNotFound, "Not found.", "", nil), 0
	}
	return newProblem(http.StatusInternalServerError, "Something went wrong on our side. It has been logged; quote the request id if you contact support.", "", nil), 0
}

func newProblem(status int, detail, code string, fields []errs.FieldError) Problem {
	title := http.StatusText(status)
	if title == "" {
		title = "Error"
	}
	return Problem{Type: "about:blank", Title: title, Status: status, Detail: detail, Code: code, Errors: fields}
}

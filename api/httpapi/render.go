package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"reflect"
	"regexp"
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
	errs.Unsupported:  http.StatusUnsupportedMediaType,
}

// errorHandler is Echo's HTTPErrorHandler: the one place an error becomes a
// response. Client-safe text goes out; internal causes only go to the log.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		ctx := c.Request().Context()
		p, retryAfter, undecided := toProblem(ctx, err)
		p.Instance = c.Request().URL.Path
		p.RequestID = obs.RequestID(ctx)
		switch {
		case p.Status >= 500:
			log.ErrorContext(ctx, "request failed", "method", c.Request().Method, "path", c.Path(), "status", p.Status, "err", err)
		case undecided:
			// A constraint the service did not expect: the client gets a
			// sensible 4xx, and the log says which constraint, so the
			// service can learn to say something better.
			log.WarnContext(ctx, "database refused the request", "method", c.Request().Method, "path", c.Path(), "status", p.Status, "err", err)
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

// storeProblems renders what the store classified (store.Classify) and no
// service turned into an errs.Error: services decide what a conflict means
// for their resource; this is the default when they did not.
var storeProblems = []struct {
	sentinel   error
	status     int
	detail     string
	code       string
	retryAfter int
}{
	{store.ErrConflict, http.StatusConflict, "This clashes with something that already exists; reload and try again.", "conflict", 0},
	{store.ErrReference, http.StatusConflict, "This refers to something that no longer exists, or something still refers to it; reload and try again.", "conflict", 0},
	{store.ErrInvalid, http.StatusUnprocessableEntity, "A value is outside what is allowed.", "", 0},
	{store.ErrRetry, http.StatusServiceUnavailable, "The request ran into a concurrent change; retry it.", "retry", 1},
	{store.ErrUnavailable, http.StatusServiceUnavailable, "The service is briefly unavailable; retry shortly.", "unavailable", 1},
	// A grant or policy refused the application itself: our bug (500,
	// logged), never the caller's.
	{store.ErrPermission, http.StatusInternalServerError, internalDetail, "", 0},
}

const internalDetail = "Something went wrong on our side. It has been logged; quote the request id if you contact support."

// toProblem turns err into a problem document, the seconds for Retry-After,
// and whether it was a database refusal no service decided on.
func toProblem(ctx context.Context, err error) (Problem, int, bool) {
	if e, ok := errs.As(err); ok {
		status := statusByKind[e.Kind]
		detail := e.Message
		if e.Kind == errs.Internal {
			detail = internalDetail
		}
		return newProblem(status, detail, e.Code, e.Fields), int(math.Ceil(e.RetryAfter.Seconds())), false
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
			// The strict server's own binding errors reach here when the
			// contract check did not catch them; they still name a location.
			return bindingProblem(he), 0, false
		}
		return newProblem(he.Code, detail, "", nil), 0, false
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return newProblem(http.StatusServiceUnavailable, "The request took too long; retry it.", "timeout", nil), 1, false
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads this.
		return newProblem(499, "The client closed the request.", "", nil), 0, false
	case errors.Is(err, store.ErrNotFound):
		return newProblem(http.StatusNotFound, "Not found.", "", nil), 0, false
	}
	for _, sp := range storeProblems {
		if errors.Is(err, sp.sentinel) {
			return newProblem(sp.status, sp.detail, sp.code, nil), sp.retryAfter, true
		}
	}
	return newProblem(http.StatusInternalServerError, internalDetail, "", nil), 0, false
}

// bindingProblem words a 400 from the generated handlers' decoding (a body
// value Go cannot hold, a parameter it cannot parse) as a problem with the
// location it concerns, never Echo's internal text.
func bindingProblem(he *echo.HTTPError) Problem {
	const detail = "The request does not match the API contract; see errors."
	var ute *json.UnmarshalTypeError
	var syn *json.SyntaxError
	switch {
	case errors.As(he.Internal, &ute):
		loc := "body"
		if ute.Field != "" {
			loc += "." + ute.Field
		}
		msg := "has the wrong type"
		switch ute.Type.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			msg = "must be an integer the server can hold, written as digits"
		case reflect.String:
			msg = "must be a string"
		case reflect.Bool:
			msg = "must be a boolean"
		case reflect.Float32, reflect.Float64:
			msg = "must be a number"
		}
		return newProblem(http.StatusBadRequest, loc+": "+msg, "", []errs.FieldError{{Location: loc, Message: msg}})
	case errors.As(he.Internal, &syn):
		return newProblem(http.StatusBadRequest, detail, "", []errs.FieldError{{Location: "body", Message: "is not valid JSON"}})
	}
	msg := fmt.Sprint(he.Message)
	loc := "request"
	if m := paramFormat.FindStringSubmatch(msg); m != nil {
		loc, msg = "parameter."+m[1], "has the wrong format"
	}
	return newProblem(http.StatusBadRequest, detail, "", []errs.FieldError{{Location: loc, Message: msg}})
}

// paramFormat matches the generated handlers' parameter binding errors.
var paramFormat = regexp.MustCompile(`^Invalid format for parameter ([A-Za-z0-9_.-]+)`)

func newProblem(status int, detail, code string, fields []errs.FieldError) Problem {
	title := http.StatusText(status)
	if title == "" {
		title = "Error"
	}
	return Problem{Type: "about:blank", Title: title, Status: status, Detail: detail, Code: code, Errors: fields}
}

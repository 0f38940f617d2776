// Package errs is Konstruct's closed list of error kinds. Domain code returns
// an *Error that carries a kind, a message that is safe to show a client, the
// fields that were wrong, and (separately) the internal cause. The HTTP edge
// (httpapi) maps kinds to status codes and renders RFC 9457 problems; nothing
// else builds an error response.
package errs

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

const (
	Internal     Kind = iota // a bug or an unexpected failure: 500, details only in the log
	BadRequest               // the request does not match the contract: 400
	Unauthorized             // no or bad credentials: 401
	Forbidden                // authenticated but not allowed: 403
	NotFound                 // does not exist, or not visible to the caller: 404
	Conflict                 // clashes with the current state: 409
	TooLarge                 // body over the limit: 413
	Invalid                  // matches the contract but breaks a rule: 422
	RateLimited              // too many requests: 429
	Upstream                 // a provider (Slack, Meta, Stripe, an LLM) refused: 502
	Unavailable              // try again later: 503
	Unsupported              // a file type the endpoint does not take: 415
)

// FieldError points at one wrong input. Location is "body.label",
// "query.limit", "path.tenant_id" or "header.Idempotency-Key".
type FieldError struct {
	Location string `json:"location"`
	Message  string `json:"message"`
}

// Error is a classified error.
type Error struct {
	Kind       Kind
	Message    string       // safe to show to the client
	Fields     []FieldError // for BadRequest and Invalid
	Code       string       // optional machine-readable reason, e.g. "slack_token_revoked"
	RetryAfter time.Duration
	Err        error // internal cause, logged, never shown
}

func (e *Error) Error() string {
	msg := e.Message
	if len(e.Fields) > 0 {
		msg = fmt.Sprintf("%s (%s: %s)", msg, e.Fields[0].Location, e.Fields[0].Message)
	}
	if e.Err != nil {
		return msg + ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// E makes an error of a kind with a client-safe message.
func E(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrap classifies an internal error with a client-safe message.
func Wrap(kind Kind, err error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: err}
}

// Field returns a 422 for one field.
func Field(location, format string, args ...any) *Error {
	return Fields(FieldError{Location: location, Message: fmt.Sprintf(format, args...)})
}

// Fields returns a 422 listing the wrong fields.
func Fields(fields ...FieldError) *Error {
	msg := "The request has invalid fields."
	if len(fields) == 1 {
		msg = fields[0].Message
	}
	return &Error{Kind: Invalid, Message: msg, Fields: fields}
}

// NotFoundf says that a thing does not exist (or is not the caller's).
func NotFoundf(format string, args ...any) *Error { return E(NotFound, format, args...) }

// KindOf returns the kind of err, or Internal when it carries none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

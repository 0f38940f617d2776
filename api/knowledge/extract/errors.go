package extract

import (
	"errors"
	"fmt"
)

// The reasons an input is refused. Match them with errors.Is; errors.As with
// *Error gives the limit and a client-safe sentence.
//
// Suggested HTTP mapping: ErrUnsupportedType 415; ErrTooLarge 413;
// ErrTooManyPages, ErrEncrypted, ErrCorrupt, ErrZipBomb and ErrEmpty 422.
var (
	ErrUnsupportedType = errors.New("unsupported file type")
	ErrTooLarge        = errors.New("file too large")
	ErrTooManyPages    = errors.New("too many pages")
	ErrEncrypted       = errors.New("file is encrypted")
	ErrCorrupt         = errors.New("file is corrupt")
	ErrZipBomb         = errors.New("file expands too much when decompressed")
	ErrEmpty           = errors.New("file has no text")
)

// Error is a refused input. Reason is one of the Err* values above; Message
// names the file's problem and, for limits, the limit, in words fit to show
// an operator ("the PDF has 812 pages; the limit is 500"). Err is the
// internal cause, if any, for logs.
type Error struct {
	Reason  error
	Message string
	Limit   int64 // the limit that was exceeded (bytes, pages or a ratio); 0 when no limit applies
	Actual  int64 // the value that exceeded it, when known
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Is makes errors.Is(err, ErrTooLarge) and friends work.
func (e *Error) Is(target error) bool { return target == e.Reason }

func (e *Error) Unwrap() error { return e.Err }

func refuse(reason error, cause error, format string, args ...any) *Error {
	return &Error{Reason: reason, Message: fmt.Sprintf(format, args...), Err: cause}
}

func overLimit(reason error, limit, actual int64, format string, args ...any) *Error {
	return &Error{Reason: reason, Message: fmt.Sprintf(format, args...), Limit: limit, Actual: actual}
}

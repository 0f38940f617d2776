package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"

	"github.com/jackc/pgx/v5/pgconn"
)

// What PostgreSQL's refusals mean to domain code. Every error that leaves a
// query of the store's bun handle (Store.DB, a tenant Tx, the Tx.Pgx view)
// already carries one of these, so callers test errors.Is(err, ErrConflict)
// and decide what it means for their resource (gotosocial's habit: the store
// says "already exists", the service says "an account with this email exists",
// the edge renders). What no service decided is rendered once by httpapi.
var (
	// ErrNotFound is database/sql's (and pgx's) "no rows".
	ErrNotFound = sql.ErrNoRows
	// ErrConflict: a unique or exclusion constraint (23505, 23P01).
	ErrConflict = errors.New("store: unique constraint violated")
	// ErrReference: a foreign key (23503): the row refers to one that no
	// longer exists, or is still referred to.
	ErrReference = errors.New("store: foreign key violated")
	// ErrInvalid: a value the schema refuses: check or not-null constraint
	// (23514, 23502) or a data exception (class 22: too long, out of range,
	// malformed text for a type).
	ErrInvalid = errors.New("store: value refused by the schema")
	// ErrRetry: the transaction lost a race it can win if run again:
	// serialization failure, deadlock, lock not available (40001, 40P01,
	// 55P03).
	ErrRetry = errors.New("store: transaction conflicted with a concurrent one; retry it")
	// ErrUnavailable: the database could not be reached or is shutting down,
	// refused the connection, or cancelled the statement (class 08, 57P01–
	// 57P03, 53300, 57014, and network errors).
	ErrUnavailable = errors.New("store: database unavailable")
	// ErrPermission: a grant or a row-level-security policy refused the
	// statement (42501). For the application that is a bug, not the
	// caller's fault: a missing grant, or a write under the wrong tenant.
	ErrPermission = errors.New("store: permission denied")
)

// sentinelByCode maps SQLSTATE codes to the sentinels; classByCode maps a
// code's two-character class for the families handled as a whole.
var (
	sentinelByCode = map[string]error{
		"23505": ErrConflict,    // unique_violation
		"23P01": ErrConflict,    // exclusion_violation
		"23503": ErrReference,   // foreign_key_violation
		"23514": ErrInvalid,     // check_violation
		"23502": ErrInvalid,     // not_null_violation
		"40001": ErrRetry,       // serialization_failure
		"40P01": ErrRetry,       // deadlock_detected
		"55P03": ErrRetry,       // lock_not_available
		"57P01": ErrUnavailable, // admin_shutdown
		"57P02": ErrUnavailable, // crash_shutdown
		"57P03": ErrUnavailable, // cannot_connect_now
		"53300": ErrUnavailable, // too_many_connections
		"57014": ErrUnavailable, // query_canceled (statement_timeout)
		"42501": ErrPermission,  // insufficient_privilege (grants, RLS WITH CHECK)
	}
	sentinelByClass = map[string]error{
		"08": ErrUnavailable, // connection exception
		"22": ErrInvalid,     // data exception
	}
)

// Classify wraps err with the sentinel its PostgreSQL code (or, for a lost
// connection, its network error) stands for, keeping the original in the
// chain; anything else comes back unchanged. It is applied by the driver to
// every statement of Store.DB and of tenant transactions, so domain code does
// not call it; it exists for code holding a raw pgx connection or pool.
func Classify(err error) error {
	if err == nil || isClassified(err) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		if s, ok := sentinelByCode[pgErr.Code]; ok {
			return &classified{sentinel: s, err: err}
		}
		if len(pgErr.Code) == 5 {
			if s, ok := sentinelByClass[pgErr.Code[:2]]; ok {
				return &classified{sentinel: s, err: err}
			}
		}
		return err
	}
	// A cancelled or expired context is the caller's own doing, and
	// database/sql retries driver.ErrBadConn on a fresh connection itself.
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, driver.ErrBadConn) {
		return err
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	if errors.As(err, &connectErr) || errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &classified{sentinel: ErrUnavailable, err: err}
	}
	return err
}

func isClassified(err error) bool {
	var c *classified
	return errors.As(err, &c)
}

// classified is an error with its sentinel: errors.Is finds the sentinel,
// errors.As still finds the *pgconn.PgError, and the text is the original's.
type classified struct {
	sentinel error
	err      error
}

func (c *classified) Error() string   { return c.err.Error() }
func (c *classified) Unwrap() []error { return []error{c.sentinel, c.err} }

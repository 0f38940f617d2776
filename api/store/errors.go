package store

import (
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
)

// Sentinels for the PostgreSQL outcomes domain code decides on. Services map
// them to errs kinds with a message that makes sense for their resource.
var (
	ErrNotFound   = sql.ErrNoRows
	ErrConflict   = errors.New("store: unique constraint violated")
	ErrReference  = errors.New("store: referenced row does not exist")
	ErrCheck      = errors.New("store: check constraint violated")
	ErrPermission = errors.New("store: permission denied")
)

// Classify maps a PostgreSQL error to one of the sentinels above (wrapping the
// original), or returns err unchanged.
func Classify(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch pgErr.Code {
	case "23505":
		return &classified{sentinel: ErrConflict, err: err, constraint: pgErr.ConstraintName}
	case "23503":
		return &classified{sentinel: ErrReference, err: err, constraint: pgErr.ConstraintName}
	case "23514":
		return &classified{sentinel: ErrCheck, err: err, constraint: pgErr.ConstraintName}
	case "42501":
		return &classified{sentinel: ErrPermission, err: err}
	}
	return err
}

// Constraint names the constraint a classified error violated, if any.
func Constraint(err error) string {
	var c *classified
	if errors.As(err, &c) {
		return c.constraint
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.ConstraintName
	}
	return ""
}

type classified struct {
	sentinel   error
	err        error
	constraint string
}

func (c *classified) Error() string   { return c.err.Error() }
func (c *classified) Unwrap() []error { return []error{c.sentinel, c.err} }

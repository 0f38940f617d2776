// Package paging implements the API's cursor pagination: opaque cursors over
// (created_at, id), a page one row larger than asked so the next cursor is
// known without counting.
package paging

import (
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/errs"
)

// DefaultLimit and MaxLimit bound page sizes (the contract says the same).
const (
	DefaultLimit = 50
	MaxLimit     = 100
)

// Cursor is the position after which the next page starts.
type Cursor struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

// Page is a decoded page request.
type Page struct {
	Limit int
	After *Cursor
}

// Parse reads the limit and cursor query parameters.
func Parse(limit *int, cursor *string) (Page, error) {
	p := Page{Limit: DefaultLimit}
	if limit != nil {
		p.Limit = min(max(*limit, 1), MaxLimit)
	}
	if cursor == nil || *cursor == "" {
		return p, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*cursor)
	var c Cursor
	if err == nil {
		err = json.Unmarshal(raw, &c)
	}
	if err != nil || c.ID == uuid.Nil {
		return p, &errs.Error{Kind: errs.BadRequest, Message: "query.cursor: is not a cursor from this API",
			Fields: []errs.FieldError{{Location: "query.cursor", Message: "is not a cursor returned by this API"}}}
	}
	p.After = &c
	return p, nil
}

// Encode makes the opaque cursor for a row.
func Encode(at time.Time, id uuid.UUID) string {
	raw, _ := json.Marshal(Cursor{At: at, ID: id})
	return base64.RawURLEncoding.EncodeToString(raw)
}

// Trim cuts a result fetched with limit+1 rows to limit, and returns the
// cursor of the last row kept when there is a further page.
func Trim[T any](rows []T, limit int, key func(T) (time.Time, uuid.UUID)) ([]T, *string) {
	if len(rows) <= limit {
		return rows, nil
	}
	rows = rows[:limit]
	at, id := key(rows[len(rows)-1])
	next := Encode(at, id)
	return rows, &next
}

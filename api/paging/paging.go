// Package paging implements the API's cursor pagination: opaque cursors over
// (created_at, id), a page one row larger than asked so the next cursor is
// known without counting.
//
// Domains work with raw cursors (Parse, Trim). At the HTTP edge a Signer
// seals each next_cursor with an HMAC bound to the list it came from (the
// operation, its path parameters and its filters), and opens the cursor a
// client sends back before the domain sees it: a cursor that was altered, or
// that belongs to another list or other filters, is a 400, never a page of
// something else.
package paging

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
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

// Key is a cursor signing key; the first of a Signer's keys signs, all verify.
type Key struct {
	ID     string
	Secret []byte
}

// Signer seals raw cursors to the list (binding) they page through.
type Signer struct{ keys []Key }

// NewSigner returns a Signer; keys must not be empty.
func NewSigner(keys ...Key) *Signer {
	if len(keys) == 0 {
		panic("paging: a Signer needs a key")
	}
	return &Signer{keys: keys}
}

// macSize is how much of the HMAC-SHA256 a cursor carries (128 bits).
const macSize = 16

func mac(secret []byte, binding, raw string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("konstruct/cursor\x00" + binding + "\x00" + raw))
	return m.Sum(nil)[:macSize]
}

// Sign returns the cursor clients see: raw, the key id and the MAC.
func (s *Signer) Sign(binding, raw string) string {
	k := s.keys[0]
	return raw + "." + k.ID + "." + base64.RawURLEncoding.EncodeToString(mac(k.Secret, binding, raw))
}

// Open checks a client's cursor against binding (in constant time) and
// returns the raw cursor inside; any mismatch is ErrBadCursor.
func (s *Signer) Open(binding, cursor string) (string, error) {
	raw, rest, ok := strings.Cut(cursor, ".")
	if !ok {
		return "", ErrBadCursor
	}
	id, sig, ok := strings.Cut(rest, ".")
	if !ok {
		return "", ErrBadCursor
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return "", ErrBadCursor
	}
	for _, k := range s.keys {
		if k.ID == id && hmac.Equal(got, mac(k.Secret, binding, raw)) {
			return raw, nil
		}
	}
	return "", ErrBadCursor
}

// ErrBadCursor is a cursor this list did not hand out (altered, from another
// list or other filters, or signed with a retired key).
var ErrBadCursor = &errs.Error{Kind: errs.BadRequest,
	Message: "query.cursor: is not a cursor this list returned (with these filters)",
	Fields:  []errs.FieldError{{Location: "query.cursor", Message: "is not a cursor this list returned; start again without it, or keep the same filters"}}}

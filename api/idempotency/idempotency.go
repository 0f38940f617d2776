// Package idempotency makes retried creates safe. A POST carrying an
// Idempotency-Key is recorded per caller before it runs; a repeat with the
// same key and the same request (the same JSON, whatever its key order or
// spacing) replays the first successful response, the same key with a
// different request is a 409, and a repeat while the first is
// still running is a 409 too. Responses are stored encrypted (a token's
// one-time secret can be in one) and kept for 24 hours.
//
// Only successful (2xx) responses are kept: a failed attempt releases the key
// so the client can retry the same request with it.
package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/secrets"
)

// Header is the request header clients send.
const Header = "Idempotency-Key"

// TTL is how long a key is remembered.
const TTL = 24 * time.Hour

// Store keeps idempotency records.
type Store struct {
	db      bun.IDB
	keyring *secrets.Keyring
}

// NewStore returns a Store.
func NewStore(db bun.IDB, k *secrets.Keyring) *Store { return &Store{db: db, keyring: k} }

type record struct {
	bun.BaseModel `bun:"table:idempotency_keys"`

	Scope              string    `bun:"scope,pk"`
	Key                string    `bun:"key,pk"`
	RequestHash        []byte    `bun:"request_hash"`
	Status             *int      `bun:"status"`
	ResponseCiphertext []byte    `bun:"response_ciphertext"`
	ResponseKeyVersion *int      `bun:"response_key_version"`
	ExpiresAt          time.Time `bun:"expires_at"`
}

type stored struct {
	Status      int    `json:"status"`
	ContentType string `json:"content_type"`
	Body        []byte `json:"body"`
}

// Middleware applies to routes for which applies returns true.
func (s *Store) Middleware(applies func(echo.Context) bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			key := c.Request().Header.Get(Header)
			if key == "" || !applies(c) {
				return next(c)
			}
			p, ok := access.From(c.Request().Context())
			if !ok {
				return next(c)
			}
			return s.serve(c, next, p.Key(), key)
		}
	}
}

func (s *Store) serve(c echo.Context, next echo.HandlerFunc, scope, key string) error {
	ctx := c.Request().Context()
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	c.Request().Body = io.NopCloser(bytes.NewReader(body))
	hash := requestHash(c.Request(), body)

	if _, err := s.db.NewDelete().Model((*record)(nil)).Where("scope = ? AND key = ? AND expires_at < now()", scope, key).Exec(ctx); err != nil {
		return err
	}
	rec := &record{Scope: scope, Key: key, RequestHash: hash, ExpiresAt: time.Now().Add(TTL)}
	res, err := s.db.NewInsert().Model(rec).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return s.replay(c, scope, key, hash)
	}

	// We own the key: run the request and keep what it answered.
	rw := &recorder{ResponseWriter: c.Response().Writer, status: http.StatusOK}
	c.Response().Writer = rw
	if err := next(c); err != nil {
		c.Error(err) // render now so the outcome is known here
	}
	release := context.WithoutCancel(ctx)
	if rw.status < 200 || rw.status > 299 {
		_, err := s.db.NewDelete().Model((*record)(nil)).Where("scope = ? AND key = ?", scope, key).Exec(release)
		return err
	}
	blob, _ := json.Marshal(stored{Status: rw.status, ContentType: rw.Header().Get(echo.HeaderContentType), Body: rw.body.Bytes()})
	sealed, err := s.keyring.Encrypt(blob, aad(scope, key))
	if err != nil {
		return err
	}
	_, err = s.db.NewUpdate().Model((*record)(nil)).
		Set("status = ?", rw.status).Set("response_ciphertext = ?", sealed.Ciphertext).Set("response_key_version = ?", sealed.Version).
		Where("scope = ? AND key = ?", scope, key).Exec(release)
	return err
}

func (s *Store) replay(c echo.Context, scope, key string, hash []byte) error {
	ctx := c.Request().Context()
	rec := &record{}
	if err := s.db.NewSelect().Model(rec).Where("scope = ? AND key = ?", scope, key).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.Conflict, "A request with this Idempotency-Key just finished failing; retry it.")
		}
		return err
	}
	if !bytes.Equal(rec.RequestHash, hash) {
		return errs.E(errs.Conflict, "This Idempotency-Key was already used for a different request; use a new key.")
	}
	if rec.Status == nil || rec.ResponseKeyVersion == nil {
		return &errs.Error{Kind: errs.Conflict, RetryAfter: time.Second,
			Message: "A request with this Idempotency-Key is still being processed; retry shortly."}
	}
	blob, err := s.keyring.Decrypt(secrets.Sealed{Version: *rec.ResponseKeyVersion, Ciphertext: rec.ResponseCiphertext}, aad(scope, key))
	if err != nil {
		return err
	}
	var st stored
	if err := json.Unmarshal(blob, &st); err != nil {
		return err
	}
	c.Response().Header().Set("Idempotent-Replayed", "true")
	return c.Blob(st.Status, st.ContentType, st.Body)
}

// requestHash identifies a request for comparing retries: the method, the
// path, the query (parameters in a canonical order) and the body, a JSON body
// in canonical form (object keys sorted, insignificant whitespace dropped),
// so a client that re-encodes the same request with other key order or
// spacing is recognised as repeating it.
func requestHash(r *http.Request, body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(r.Method + " " + r.URL.Path + "?" + r.URL.Query().Encode() + "\n"))
	h.Write(canonicalJSON(body))
	return h.Sum(nil)
}

// canonicalJSON re-encodes a JSON document with sorted object keys and no
// insignificant whitespace; numbers keep their literal spelling. Anything
// that is not one JSON document is returned as it is.
func canonicalJSON(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return body
	}
	if _, err := dec.Token(); err != io.EOF {
		return body
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}

func aad(scope, key string) []byte { return []byte("idempotency_keys:" + scope + ":" + key) }

// recorder writes through and keeps a copy of the response.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

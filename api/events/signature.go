package events

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// secretPrefix marks a Standard Webhooks symmetric secret.
const secretPrefix = "whsec_"

// secretBytes is the size of a signing key: the spec asks for 24 to 64
// random bytes; 32 matches the HMAC-SHA256 block's security.
const secretBytes = 32

// NewSecret returns a fresh signing secret, "whsec_" + base64 of 32 random
// bytes, as Standard Webhooks libraries expect it.
func NewSecret() string {
	b := make([]byte, secretBytes)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return secretPrefix + base64.StdEncoding.EncodeToString(b)
}

// secretKey is the HMAC key of a whsec_ secret.
func secretKey(secret string) ([]byte, error) {
	raw, ok := strings.CutPrefix(secret, secretPrefix)
	if !ok {
		return nil, errors.New("events: signing secret without the whsec_ prefix")
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(key) == 0 {
		return nil, errors.New("events: signing secret is not base64")
	}
	return key, nil
}

// secretHint is what the API shows of a secret: its last four characters.
func secretHint(secret string) string {
	if len(secret) < 4 {
		return ""
	}
	return secret[len(secret)-4:]
}

// Headers are the Standard Webhooks headers of one attempt.
type Headers struct {
	ID        string
	Timestamp string
	Signature string
}

// Sign returns the headers for body sent as message id at t, with one
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>" signature per secret,
// space-separated: during a rotation both the new and the previous secret
// sign, so a receiver verifies with whichever it holds.
func Sign(id string, t time.Time, body []byte, secrets ...string) (Headers, error) {
	ts := strconv.FormatInt(t.Unix(), 10)
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		key, err := secretKey(s)
		if err != nil {
			return Headers{}, err
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id))
		mac.Write([]byte{'.'})
		mac.Write([]byte(ts))
		mac.Write([]byte{'.'})
		mac.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	if len(sigs) == 0 {
		return Headers{}, errors.New("events: no signing secret")
	}
	return Headers{ID: id, Timestamp: ts, Signature: strings.Join(sigs, " ")}, nil
}

// Verify checks a delivery the way a receiver does: the timestamp within
// tolerance of now and at least one v1 signature made with secret, compared
// in constant time. The product never receives its own webhooks; the fake
// receiver and the tests use it (the official library checks them too).
func Verify(secret string, h Headers, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(h.Timestamp, 10, 64)
	if err != nil {
		return errors.New("events: bad webhook-timestamp")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return errors.New("events: webhook-timestamp outside the tolerance")
	}
	want, err := Sign(h.ID, time.Unix(ts, 0), body, secret)
	if err != nil {
		return err
	}
	for _, sig := range strings.Fields(h.Signature) {
		if hmac.Equal([]byte(sig), []byte(want.Signature)) {
			return nil
		}
	}
	return errors.New("events: no matching signature")
}

package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/config"
)

// installState is what the signed OAuth state carries.
type installState struct {
	Nonce    string    `json:"n"`
	TenantID uuid.UUID `json:"t"`
	Actor    string    `json:"a"` // access.Principal.Key() of who started the install
	Expires  int64     `json:"e"`
}

const stateTTL = 10 * time.Minute

var errBadState = errors.New("the install link is invalid or has expired; start again from the portal")

// signState returns payload.kid.mac, all base64url.
func signState(keys []config.SigningKey, st installState) string {
	raw, _ := json.Marshal(st)
	payload := base64.RawURLEncoding.EncodeToString(raw)
	k := keys[0]
	return payload + "." + k.ID + "." + base64.RawURLEncoding.EncodeToString(stateMAC(k.Secret, payload))
}

func stateMAC(secret []byte, payload string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("konstruct/slack-oauth-state\x00" + payload))
	return m.Sum(nil)
}

// verifyState checks the signature (constant time) and expiry.
func verifyState(keys []config.SigningKey, state string, now time.Time) (installState, error) {
	parts := strings.Split(state, ".")
	if len(parts) != 3 {
		return installState{}, errBadState
	}
	mac, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return installState{}, errBadState
	}
	for _, k := range keys {
		if k.ID == parts[1] && hmac.Equal(mac, stateMAC(k.Secret, parts[0])) {
			raw, err := base64.RawURLEncoding.DecodeString(parts[0])
			var st installState
			if err != nil || json.Unmarshal(raw, &st) != nil || st.Nonce == "" {
				return installState{}, errBadState
			}
			if now.Unix() > st.Expires {
				return installState{}, errBadState
			}
			return st, nil
		}
	}
	return installState{}, errBadState
}

package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/config"
)

// CookieName is the portal session cookie.
const CookieName = "konstruct_session"

// signer issues and verifies session JWTs. The first key signs; every key
// verifies, chosen by the token's kid header, so keys rotate by prepending a
// new one and dropping the old one after a session lifetime.
type signer struct {
	keys   []config.SigningKey
	issuer string
	ttl    time.Duration
}

type sessionClaims struct {
	jwt.RegisteredClaims
}

func (s *signer) issue(userID, sessionID uuid.UUID, now time.Time) (string, time.Time, error) {
	exp := now.Add(s.ttl)
	claims := sessionClaims{jwt.RegisteredClaims{
		Issuer: s.issuer, Subject: userID.String(), ID: sessionID.String(),
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
		ExpiresAt: jwt.NewNumericDate(exp),
	}}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["kid"] = s.keys[0].ID
	signed, err := tok.SignedString(s.keys[0].Secret)
	return signed, exp, err
}

var errNoKey = errors.New("unknown key id")

// verify returns the user and session ids of a valid, unexpired token.
func (s *signer) verify(raw string) (userID, sessionID uuid.UUID, err error) {
	var claims sessionClaims
	_, err = jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		for _, k := range s.keys {
			if k.ID == kid {
				return k.Secret, nil
			}
		}
		return nil, errNoKey
	}, jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(s.issuer), jwt.WithExpirationRequired(), jwt.WithLeeway(30*time.Second))
	if err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	if userID, err = uuid.Parse(claims.Subject); err != nil {
		return uuid.Nil, uuid.Nil, fmt.Errorf("subject: %w", err)
	}
	if sessionID, err = uuid.Parse(claims.ID); err != nil {
		return uuid.Nil, uuid.Nil, fmt.Errorf("jti: %w", err)
	}
	return userID, sessionID, nil
}

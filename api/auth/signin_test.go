package auth_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
)

// Sign-in throttling slows the address that guesses, not the account: the
// owner signs in from elsewhere with the right password while the guesser
// waits (issue 14: five wrong passwords locked the account for everyone).
func TestSignInThrottleDoesNotLockOutTheOwner(t *testing.T) {
	t.Parallel()
	s := apitest.New(t, apitest.Opts{Env: map[string]string{"TRUSTED_PROXIES": "127.0.0.1/32"}})
	acct := s.SignUp(t)
	signIn := func(from, password string) *apitest.Response {
		return s.Client(t).Do("POST", "/api/portal/auth/signin", map[string]any{"email": acct.Email, "password": password},
			"X-Forwarded-For", from)
	}
	const attacker, owner = "203.0.113.5", "198.51.100.7"
	for i := range 5 {
		r := signIn(attacker, "wrong password number "+strings.Repeat("x", i))
		require.Equal(t, http.StatusUnauthorized, r.Status, "attempt %d: %s", i, r.Body)
	}
	r := signIn(attacker, acct.Password)
	require.Equal(t, http.StatusTooManyRequests, r.Status, "the guessing address waits, right password or not")
	require.NotEmpty(t, r.Header.Get("Retry-After"))

	r = signIn(owner, acct.Password)
	require.Equal(t, http.StatusOK, r.Status, "the owner, elsewhere, is not locked out: %s", r.Body)
	r = signIn("192.0.2.44", "one typo")
	require.Equal(t, http.StatusUnauthorized, r.Status, "nor is a third address slowed")
}

// Trivially weak passwords are refused with a 422 naming the field and why
// (issue 20: "aaaaaaaaaa" was accepted).
func TestPasswordPolicy(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	for _, tt := range []struct{ name, password, why string }{
		{"Repeated", "aaaaaaaaaa", "repeats"},
		{"Common", "password1234", "common"},
		{"KeyboardWalk", "qwertyuiop", ""},
		{"Sequence", "abcdefghijkl", ""},
		{"OwnEmail", "grace.hopper.1906", "name or email"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.Client(t).Do("POST", "/api/portal/auth/signup", map[string]any{
				"email": "grace.hopper.1906@example.com", "password": tt.password, "name": "Grace Hopper"})
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
			p := r.Problem(t)
			require.Equal(t, []string{"body.password"}, p.Locations())
			require.Contains(t, p.Errors[0].Message, "too easy to guess")
			require.Contains(t, p.Errors[0].Message, tt.why)
		})
	}
	r := s.Client(t).Do("POST", "/api/portal/auth/signup", map[string]any{
		"email": "strong-" + strings.ToLower(t.Name())[:4] + "@example.com", "password": "violet ferry lantern oboe", "name": "Strong"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}

// Package auth owns identity: users and their passwords (argon2id), portal
// sessions (HS256 JWTs with a key id, in an HttpOnly SameSite=Lax cookie,
// revocable through the sessions table), integrator API tokens (kst_…, stored
// only as a SHA-256 hash), sign-in throttling, and the Echo middleware that
// turns a cookie or a bearer token into an access.Principal.
//
// CSRF: state-changing requests authenticated by the session cookie must carry
// an Origin (or, failing that, a Referer) equal to PUBLIC_URL's origin or one
// of ALLOWED_ORIGINS. Bearer-token requests are not exposed to CSRF and are
// not checked. The sign-in and sign-up forms are checked the same way when the
// browser sends an Origin, which stops login CSRF.
package auth

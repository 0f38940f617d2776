package auth

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/errs"
)

// Authenticate resolves the caller from the Authorization header or the
// session cookie and applies the origin check. It returns no principal and
// no error for a request without credentials (the route decides whether
// that is allowed), and an error for credentials that fail (401) or a
// cookie write from another origin (403). The HTTP edge rate-limits by
// address before it answers either, so failing credentials cost a guesser
// their address's budget.
func (s *Service) Authenticate(req *http.Request) (*access.Principal, error) {
	ctx := req.Context()
	var p *access.Principal
	if h := req.Header.Get("Authorization"); h != "" {
		scheme, secret, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return nil, errs.E(errs.Unauthorized, "Use Authorization: Bearer <token>.")
		}
		var err error
		if p, err = s.tokenPrincipal(ctx, strings.TrimSpace(secret)); err != nil {
			return nil, err
		}
	} else if ck, err := req.Cookie(CookieName); err == nil && ck.Value != "" {
		if userID, sessionID, err := s.signer.verify(ck.Value); err == nil {
			if u, err := s.userBySession(ctx, userID, sessionID); err == nil {
				p = &access.Principal{UserID: u.ID, Email: u.Email, Name: u.Name, PlatformAdmin: u.IsPlatformAdmin,
					SessionID: sessionID, ViaCookie: true}
			}
		}
	}
	if unsafe(req.Method) && (p == nil || p.ViaCookie) && !s.sameOrigin(req, p != nil) {
		return nil, errs.E(errs.Forbidden, "Cross-origin request refused: the Origin of a cookie-authenticated change must be this portal.")
	}
	return p, nil
}

func unsafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// sameOrigin applies the CSRF rule. With a session cookie, a change must
// name an allowed origin (Origin, else Referer). Without one (sign-in and
// sign-up forms), a browser that sends an Origin must send an allowed one;
// non-browser clients send none and pass.
func (s *Service) sameOrigin(req *http.Request, hasSession bool) bool {
	origin := req.Header.Get("Origin")
	if origin == "" || origin == "null" {
		if ref := req.Header.Get("Referer"); ref != "" {
			origin = originOf(ref)
		}
	}
	if origin == "" {
		return !hasSession
	}
	return s.origins[origin]
}

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// SessionCookie is the Set-Cookie value for a new session.
func (s *Service) SessionCookie(sess *Session) string {
	return (&http.Cookie{Name: CookieName, Value: sess.Token, Path: "/", Expires: sess.ExpiresAt,
		MaxAge: int(time.Until(sess.ExpiresAt).Seconds()), HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode}).String()
}

// ClearCookie is the Set-Cookie value that removes the session cookie.
func (s *Service) ClearCookie() string {
	return (&http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode}).String()
}

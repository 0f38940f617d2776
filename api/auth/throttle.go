package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/store"
)

// Sign-in throttling slows a password guesser without letting them lock the
// account's owner out:
//
//   - Failures are counted per (account, client address). After
//     SIGNIN_MAX_FAILURES of them, each further failure from that address
//     makes it wait before trying that account again: 30 s, 1 min, 2 min… up to
//     15 minutes. Other addresses, the owner's among them, are not slowed.
//   - An address that fails 4× SIGNIN_MAX_FAILURES times in 15 minutes, over
//     any accounts, is paused for the rest of the window (password spraying).
//   - A success clears its (account, address) count.
//
// A distributed guesser gets a few tries per address per account; the
// password policy (policy.go) keeps those from finding anything.
const (
	signinFirstDelay = 30 * time.Second
	signinMaxDelay   = 15 * time.Minute
	// signinForget is how long without failures before a count starts over.
	signinForget = 24 * time.Hour
	// addressWindow is the window of the per-address cap.
	addressWindow = 15 * time.Minute
)

// failureKey hashes the pair, so the table holds no email or address.
func failureKey(email, ip string) []byte {
	h := sha256.Sum256([]byte("signin\x00" + email + "\x00" + ip))
	return h[:]
}

func addressKey(ip string) string { return "signin:address:" + ip }

// signinAllowed answers 429 when this address must wait before trying this
// account again, or has failed too often overall.
func (s *Service) signinAllowed(ctx context.Context, email, ip string) error {
	r, err := s.limiter.Peek(ctx, addressKey(ip), s.maxFailures*4, addressWindow)
	if err != nil {
		return err
	}
	if !r.Allowed {
		return &errs.Error{Kind: errs.RateLimited, RetryAfter: r.Reset,
			Message: fmt.Sprintf("Too many failed sign-ins from your address; try again in %d minutes.", int(r.Reset.Minutes())+1)}
	}
	var until *time.Time
	err = s.store.DB.NewRaw("SELECT blocked_until FROM signin_failures WHERE key = ? AND last_failed > ?",
		failureKey(email, ip), s.now().Add(-signinForget)).Scan(ctx, &until)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if until != nil {
		if wait := until.Sub(s.now()); wait > 0 {
			return &errs.Error{Kind: errs.RateLimited, RetryAfter: wait,
				Message: fmt.Sprintf("Too many failed sign-ins for this account from your address; try again in %s.", roundUp(wait))}
		}
	}
	return nil
}

// signinFailed counts a failure and sets the wait that follows it.
func (s *Service) signinFailed(ctx context.Context, email, ip string) error {
	if _, err := s.limiter.Hit(ctx, addressKey(ip), 0, addressWindow); err != nil {
		return err
	}
	now := s.now()
	var failures int
	err := s.store.DB.NewRaw(`INSERT INTO signin_failures AS f (key, failures, last_failed) VALUES (?, 1, ?)
		ON CONFLICT (key) DO UPDATE SET
		  failures = CASE WHEN f.last_failed < ? THEN 1 ELSE f.failures + 1 END,
		  last_failed = excluded.last_failed
		RETURNING failures`, failureKey(email, ip), now, now.Add(-signinForget)).Scan(ctx, &failures)
	if err != nil {
		return fmt.Errorf("count failed sign-in: %w", err)
	}
	if over := failures - s.maxFailures; over >= 0 {
		delay := signinMaxDelay
		if over < 20 {
			delay = min(signinFirstDelay<<over, signinMaxDelay)
		}
		if _, err := s.store.DB.NewRaw("UPDATE signin_failures SET blocked_until = ? WHERE key = ?",
			now.Add(delay), failureKey(email, ip)).Exec(ctx); err != nil {
			return fmt.Errorf("throttle sign-in: %w", err)
		}
	}
	return nil
}

// signinSucceeded forgets the pair's failures.
func (s *Service) signinSucceeded(ctx context.Context, email, ip string) error {
	_, err := s.store.DB.NewRaw("DELETE FROM signin_failures WHERE key = ?", failureKey(email, ip)).Exec(ctx)
	return err
}

func roundUp(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d seconds", int(d.Seconds())+1)
	}
	return fmt.Sprintf("%d minutes", int(d.Minutes())+1)
}

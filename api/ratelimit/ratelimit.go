// Package ratelimit counts hits per key in fixed time windows stored in
// PostgreSQL (an UNLOGGED table), so every server process shares the same
// counts without another stateful service. It backs the API's per-caller
// limits and sign-in throttling.
package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Limiter counts hits.
type Limiter struct {
	db  bun.IDB
	now func() time.Time
}

// New returns a Limiter over db.
func New(db bun.IDB) *Limiter { return &Limiter{db: db, now: time.Now} }

// Result is the state of one key's window after a hit or a peek.
type Result struct {
	Limit     int
	Hits      int
	Remaining int
	Reset     time.Duration // until the window ends
	Allowed   bool
}

func (l *Limiter) window(w time.Duration) (start time.Time, reset time.Duration) {
	now := l.now()
	start = now.Truncate(w)
	return start, start.Add(w).Sub(now)
}

func result(limit, hits int, reset time.Duration) Result {
	return Result{Limit: limit, Hits: hits, Remaining: max(limit-hits, 0), Reset: reset, Allowed: hits <= limit}
}

// Hit counts one hit on key and reports whether it is within limit.
func (l *Limiter) Hit(ctx context.Context, key string, limit int, w time.Duration) (Result, error) {
	start, reset := l.window(w)
	var hits int
	err := l.db.NewRaw(`INSERT INTO rate_limit_buckets (key, window_start, hits, expires_at) VALUES (?, ?, 1, ?)
		ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_buckets.hits + 1
		RETURNING hits`, key, start, start.Add(w)).Scan(ctx, &hits)
	if err != nil {
		return Result{}, fmt.Errorf("ratelimit hit: %w", err)
	}
	return result(limit, hits, reset), nil
}

// Peek reports key's window without counting a hit.
func (l *Limiter) Peek(ctx context.Context, key string, limit int, w time.Duration) (Result, error) {
	start, reset := l.window(w)
	var hits int
	err := l.db.NewRaw(`SELECT coalesce(max(hits), 0) FROM rate_limit_buckets WHERE key = ? AND window_start = ?`, key, start).Scan(ctx, &hits)
	if err != nil {
		return Result{}, fmt.Errorf("ratelimit peek: %w", err)
	}
	r := result(limit, hits, reset)
	r.Allowed = hits < limit
	return r, nil
}

// Clear forgets key's counts.
func (l *Limiter) Clear(ctx context.Context, key string) error {
	_, err := l.db.NewRaw(`DELETE FROM rate_limit_buckets WHERE key = ?`, key).Exec(ctx)
	return err
}

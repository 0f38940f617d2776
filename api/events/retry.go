package events

import (
	"math"
	"math/rand/v2"
	"time"
)

// Schedule decides when a failed delivery is tried again: exponential
// backoff with jitter until the delivery has been retried for For, the last
// attempt landing at For after the first. With the defaults (5 s, ×4, at
// most 12 h, 3 days, ±20 %) a delivery that always fails is attempted at
// about 0 s, 5 s, 25 s, 1 m 45 s, 7 m, 28 m, 1 h 54 m, 7 h 35 m, then every
// 12 hours, and a last time at 72 h: 13 or 14 attempts.
type Schedule struct {
	// First is the delay after the first failure.
	First time.Duration
	// Factor multiplies the delay after each further failure.
	Factor float64
	// Max caps one delay.
	Max time.Duration
	// For is how long a delivery is retried, from its first attempt; an
	// endpoint failing for that long is disabled.
	For time.Duration
	// Jitter spreads each delay by ± this fraction, so receivers recovering
	// from an outage are not hit by every sender's retries at once.
	Jitter float64
}

// DefaultSchedule retries for three days.
var DefaultSchedule = Schedule{First: 5 * time.Second, Factor: 4, Max: 12 * time.Hour, For: 72 * time.Hour, Jitter: 0.2}

// ScheduleFor scales the default schedule to a retry horizon and first delay
// (WEBHOOK_RETRY_FOR, WEBHOOK_RETRY_FIRST): the longest delay is a sixth of
// the horizon (12 hours for 3 days).
func ScheduleFor(first, horizon time.Duration) Schedule {
	s := DefaultSchedule
	if first > 0 {
		s.First = first
	}
	if horizon > 0 {
		s.For, s.Max = horizon, max(horizon/6, s.First)
	}
	return s
}

// Delay is the nominal delay (without jitter) after failed attempt n (1-based).
func (s Schedule) Delay(n int) time.Duration {
	d := float64(s.First) * math.Pow(s.Factor, float64(max(n-1, 0)))
	if d >= float64(s.Max) {
		return s.Max
	}
	return time.Duration(d)
}

// Next returns when to try again after failed attempt n of a delivery first
// attempted at first, failing at now; ok is false when the delivery's time
// is up. retryAfter (a 429 or 503's Retry-After) lengthens the delay, never
// beyond Max. jitter is in [0, 1) (rand.Float64 when nil).
func (s Schedule) Next(n int, first, now time.Time, retryAfter time.Duration, jitter func() float64) (time.Time, bool) {
	deadline := first.Add(s.For)
	if !now.Before(deadline) {
		return time.Time{}, false
	}
	if jitter == nil {
		jitter = rand.Float64
	}
	d := time.Duration(float64(s.Delay(n)) * (1 + s.Jitter*(2*jitter()-1)))
	if retryAfter > d {
		d = min(retryAfter, s.Max)
	}
	next := now.Add(d)
	if next.After(deadline) {
		next = deadline // one last attempt at the horizon
	}
	return next, true
}

// Package jobs builds the River client every process shares. Job arguments
// and workers live in the domain packages that own the work; this package
// only decides queues, fetch timing and timeouts, once, for the whole product,
// and runs the Rescuer that hands a dead worker's jobs back to the queue
// within a quarter of RescueAfter of their rescue time.
//
// Fetch timing is tuned for chat latency rather than River's throughput
// defaults: a 5 ms fetch cooldown (how soon after a NOTIFY a queue fetches
// again) and a 250 ms poll interval (the fallback when a notification is
// missed). See docs/performance.md for the measurements behind these.
//
// UI (ui.go) is River UI over the same client, for platform administrators.
package jobs

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
)

// Queue names.
const (
	QueueDefault = river.QueueDefault
	// QueueLLM holds agent turns, so slow model calls never starve webhook
	// follow-ups and delivery, and concurrent provider calls are capped.
	QueueLLM = "llm"
)

// Opts configures the client.
type Opts struct {
	Workers  *river.Workers
	Periodic []*river.PeriodicJob
	// Work makes this process work jobs; without it the client only inserts.
	Work           bool
	Concurrency    int
	LLMConcurrency int
	Logger         *slog.Logger
	// TestOnly skips River's start-up jitter (tests).
	TestOnly bool
	// Middleware wraps every job (log scope, metrics).
	Middleware []rivertype.Middleware
	// RescueAfter is how long a job may stay running before the leader
	// retries it as abandoned (its worker died); default 15 minutes. It caps
	// the default job timeout, as River requires.
	RescueAfter time.Duration
}

// NewClient builds the River client over the shared pool.
func NewClient(pool *pgxpool.Pool, opts Opts) (*river.Client[pgx.Tx], error) {
	rescue := opts.RescueAfter
	if rescue <= 0 {
		rescue = 15 * time.Minute
	}
	cfg := &river.Config{
		Workers:              opts.Workers,
		Logger:               opts.Logger,
		JobTimeout:           min(time.Minute, rescue),
		RescueStuckJobsAfter: rescue,
		FetchCooldown:        5 * time.Millisecond,
		FetchPollInterval:    250 * time.Millisecond,
		TestOnly:             opts.TestOnly,
		Middleware:           opts.Middleware,
	}
	if opts.Work {
		cfg.Queues = map[string]river.QueueConfig{
			QueueDefault: {MaxWorkers: max(opts.Concurrency, 1)},
			QueueLLM:     {MaxWorkers: max(opts.LLMConcurrency, 1)},
		}
		cfg.PeriodicJobs = opts.Periodic
	}
	c, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return c, nil
}

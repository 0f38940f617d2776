package store

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

type stepKey struct{}

// WithStep names the step of a unit of work (a turn's "claim", "generate",
// "deliver"…) that the statements sent under ctx belong to. It costs
// nothing at run time; a StepCounter attributes round trips by it, which is
// how the bench reports a turn's round trips by step and a test holds them.
func WithStep(ctx context.Context, step string) context.Context {
	return context.WithValue(ctx, stepKey{}, step)
}

// StepPrepare is where StepCounter counts prepared statements.
const StepPrepare = "prepare"

// StepJobNotify is River's NOTIFY sent after a transaction that committed
// with its job's insert (Tx.InsertJobAndCommit). River sends one at most once
// per queue per fetch cooldown, so whether an event pays for it depends on
// the time since the last; it is counted apart, and the step that inserted
// the job keeps a count that does not.
const StepJobNotify = "job.notify"

// StepOf is ctx's step ("" outside any).
func StepOf(ctx context.Context) string {
	s, _ := ctx.Value(stepKey{}).(string)
	return s
}

// StepCounter is a pgx tracer that counts round trips to PostgreSQL (a
// statement, a prepare, a batch: each one network exchange), in total and by
// the step of the context they were sent under (WithStep).
type StepCounter struct {
	total  atomic.Int64
	mu     sync.Mutex
	byStep map[string]int64
}

var (
	_ pgx.QueryTracer   = (*StepCounter)(nil)
	_ pgx.BatchTracer   = (*StepCounter)(nil)
	_ pgx.PrepareTracer = (*StepCounter)(nil)
)

func (c *StepCounter) add(ctx context.Context) context.Context {
	c.total.Add(1)
	if s := StepOf(ctx); s != "" {
		c.mu.Lock()
		if c.byStep == nil {
			c.byStep = map[string]int64{}
		}
		c.byStep[s]++
		c.mu.Unlock()
	}
	return ctx
}

// Total is every round trip counted so far.
func (c *StepCounter) Total() int64 { return c.total.Load() }

// Steps is a copy of the round trips counted so far by step.
func (c *StepCounter) Steps() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.byStep))
	for k, v := range c.byStep {
		out[k] = v
	}
	return out
}

// StepNames is the steps of m in name order.
func StepNames(m map[string]int64) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func (c *StepCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return c.add(ctx)
}
func (c *StepCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TracePrepareStart counts a prepare in the total and under "prepare", not
// under its step: pgx prepares a parameterised statement once per connection
// and caches it, so whether a step pays for it depends on which pooled
// connection it drew, not on what the step does.
func (c *StepCounter) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	return c.add(WithStep(ctx, StepPrepare))
}
func (c *StepCounter) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}
func (c *StepCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return c.add(ctx)
}
func (c *StepCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *StepCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

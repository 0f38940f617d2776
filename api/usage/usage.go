package usage

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/store"
)

// Figures are usage totals.
type Figures struct {
	InputTokens  int64   `bun:"input_tokens"`
	OutputTokens int64   `bun:"output_tokens"`
	Calls        int64   `bun:"calls"`
	CostUSD      float64 `bun:"cost_usd"`
}

// Day is one UTC day's usage.
type Day struct {
	Day time.Time `bun:"day"`
	Figures
}

// AgentUsage is one agent's usage; AgentID is nil for deleted agents.
type AgentUsage struct {
	AgentID   *uuid.UUID `bun:"agent_id"`
	AgentName string     `bun:"agent_name"`
	Figures
}

// ModelUsage is one model's usage.
type ModelUsage struct {
	Model string `bun:"model"`
	Figures
}

// Report is the usage of a range of days.
type Report struct {
	From, To time.Time
	Totals   Figures
	ByDay    []Day
	ByAgent  []AgentUsage
	ByModel  []ModelUsage
	Budget   Budget
}

// MaxRangeDays bounds a report.
const MaxRangeDays = 366

// Service reads usage and sets budgets.
type Service struct {
	store *store.Store
	guard *access.Guard
	now   func() time.Time
}

// NewService returns a Service.
func NewService(s *store.Store, g *access.Guard) *Service {
	return &Service{store: s, guard: g, now: time.Now}
}

// Day0 truncates t to its UTC day.
func Day0(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Get reports usage from the first through the last UTC day (any member).
// Nil bounds mean this month so far.
func (s *Service) Get(ctx context.Context, tenantID uuid.UUID, from, to *time.Time) (*Report, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleMember); err != nil {
		return nil, err
	}
	now := s.now()
	r := &Report{From: MonthStart(now), To: Day0(now)}
	if from != nil {
		r.From = Day0(*from)
	}
	if to != nil {
		r.To = Day0(*to)
	}
	switch {
	case r.To.Before(r.From):
		return nil, errs.Field("query.to", "must not be before from")
	case r.To.Sub(r.From) >= MaxRangeDays*24*time.Hour:
		return nil, errs.Field("query.to", "the range may span at most %d days", MaxRangeDays)
	}
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		var err error
		r.Totals, r.ByDay, r.ByAgent, r.ByModel, err = Aggregate(ctx, tx, r.From, r.To)
		if err != nil {
			return err
		}
		r.Budget, err = LoadBudget(ctx, tx, now)
		return err
	})
	return r, err
}

const figures = `coalesce(sum(u.input_tokens), 0)::bigint AS input_tokens, coalesce(sum(u.output_tokens), 0)::bigint AS output_tokens,
	count(u.id) AS calls, coalesce(sum(u.cost_usd), 0)::float8 AS cost_usd`

// Aggregate sums the transaction's tenant's usage over the UTC days from
// through to (inclusive): totals, every day (zeros included), each agent
// and each model, the costliest first.
func Aggregate(ctx context.Context, tx store.Tx, from, to time.Time) (tot Figures, days []Day, agents []AgentUsage, models []ModelUsage, err error) {
	end := to.AddDate(0, 0, 1)
	if err = tx.NewRaw(`SELECT `+figures+` FROM usage_records u WHERE u.created_at >= ? AND u.created_at < ?`, from, end).Scan(ctx, &tot); err != nil {
		return
	}
	if err = tx.NewRaw(`SELECT d.day::timestamp AT TIME ZONE 'UTC' AS day, `+figures+`
		FROM generate_series(?::timestamp, ?::timestamp, interval '1 day') AS d(day)
		LEFT JOIN usage_records u ON u.created_at >= d.day AT TIME ZONE 'UTC' AND u.created_at < (d.day + interval '1 day') AT TIME ZONE 'UTC'
		GROUP BY d.day ORDER BY d.day`, from.Format(time.DateOnly), to.Format(time.DateOnly)).Scan(ctx, &days); err != nil {
		return
	}
	if err = tx.NewRaw(`SELECT u.agent_id, coalesce(a.name, 'Deleted agent') AS agent_name, `+figures+`
		FROM usage_records u LEFT JOIN agents a ON a.id = u.agent_id
		WHERE u.created_at >= ? AND u.created_at < ?
		GROUP BY u.agent_id, a.name ORDER BY cost_usd DESC, agent_name`, from, end).Scan(ctx, &agents); err != nil {
		return
	}
	err = tx.NewRaw(`SELECT u.model, `+figures+` FROM usage_records u WHERE u.created_at >= ? AND u.created_at < ?
		GROUP BY u.model ORDER BY cost_usd DESC, u.model`, from, end).Scan(ctx, &models)
	return
}

// SetBudget sets the monthly limit (nil: none) and the action at the cap
// (owners and admins).
func (s *Service) SetBudget(ctx context.Context, tenantID uuid.UUID, limit *float64, action string) (Budget, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return Budget{}, err
	}
	switch {
	case action != ActionNotify && action != ActionDowngrade && action != ActionStop:
		return Budget{}, errs.Field("body.action", "must be notify, downgrade or stop")
	case limit != nil && (*limit < 0 || *limit > 10_000_000):
		return Budget{}, errs.Field("body.limit_usd", "must be between 0 and 10000000")
	}
	var b Budget
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) (err error) {
		if _, err = tx.ExecContext(ctx, "UPDATE tenants SET budget_limit_usd = ?, budget_action = ? WHERE id = ?", limit, action, tenantID); err != nil {
			return err
		}
		if b, err = LoadBudget(ctx, tx, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "budget.updated", TargetType: "tenant", TargetID: tenantID.String(),
			Metadata: map[string]any{"limit_usd": limit, "action": action}})
	})
	return b, err
}

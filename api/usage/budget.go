package usage

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/store"
)

// Budget statuses.
const (
	StatusNone     = "none"
	StatusOK       = "ok"
	StatusWarning  = "warning"
	StatusExceeded = "exceeded"
)

// Actions at the cap.
const (
	ActionNotify    = "notify"
	ActionDowngrade = "downgrade"
	ActionStop      = "stop"
)

// Budget is a tenant's monthly budget and where this month stands.
type Budget struct {
	LimitUSD       *float64 `bun:"limit_usd"`
	Action         string   `bun:"action"`
	MonthToDateUSD float64  `bun:"spent_usd"`
	Percent        *float64 `bun:"percent"`
	Status         string   `bun:"status"`
}

// Exceeded reports whether this month's spend reached the limit.
func (b Budget) Exceeded() bool { return b.Status == StatusExceeded }

// MonthStart is the first instant of t's UTC month.
func MonthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// LoadBudget reads the transaction's tenant's budget and its month-to-date
// spend at now (from usage_monthly, which a trigger on usage_records keeps,
// so an agent turn pays one row read). Thresholds are compared in exact
// decimal arithmetic (80 % of the limit is a warning, 100 % exceeded), never
// in floating point.
func LoadBudget(ctx context.Context, tx store.Tx, now time.Time) (Budget, error) {
	var b Budget
	var batch store.Batch
	QueueBudget(&batch, tx.TenantID, now, &b)
	return b, tx.Send(ctx, &batch)
}

const budgetSQL = `SELECT t.budget_limit_usd::float8 AS limit_usd, t.budget_action AS action, s.spent::float8 AS spent_usd,
	CASE WHEN t.budget_limit_usd > 0 THEN (s.spent * 100 / t.budget_limit_usd)::float8 END AS percent,
	CASE WHEN t.budget_limit_usd IS NULL THEN 'none'
	     WHEN s.spent >= t.budget_limit_usd THEN 'exceeded'
	     WHEN s.spent * 5 >= t.budget_limit_usd * 4 THEN 'warning'
	     ELSE 'ok' END AS status
	FROM tenants t, LATERAL (SELECT coalesce(sum(cost_usd), 0) AS spent FROM usage_monthly WHERE month = $1::date) s
	WHERE t.id = $2`

// QueueBudget queues LoadBudget into a batch (store.Batch), for a caller
// that reads it with other things in one round trip.
func QueueBudget(b *store.Batch, tenantID uuid.UUID, now time.Time, into *Budget) {
	b.Queue(budgetSQL, MonthStart(now).Format(time.DateOnly), tenantID).Query(store.One(into, nil))
}

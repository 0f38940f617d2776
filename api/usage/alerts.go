package usage

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/events"
	"github.com/konstruct/konstruct/api/store"
)

// CheckArgs is the periodic budget check. It visits every tenant with a
// limit; each tenant's work runs in its own tenant transaction.
type CheckArgs struct{}

// Kind is the job's stable name.
func (CheckArgs) Kind() string { return "budget.check" }

// InsertOpts collapse overlapping schedules.
func (CheckArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}

// CheckWorker evaluates budgets.
type CheckWorker struct {
	river.WorkerDefaults[CheckArgs]
	Store *store.Store
	Log   *slog.Logger
}

// Work checks every tenant with a budget.
func (w *CheckWorker) Work(ctx context.Context, _ *river.Job[CheckArgs]) error {
	var ids []uuid.UUID
	if err := w.Store.DB.NewRaw("SELECT billing_budget_tenants()").Scan(ctx, &ids); err != nil {
		return fmt.Errorf("budget tenants: %w", err)
	}
	now := time.Now()
	for _, id := range ids {
		err := w.Store.WithTenant(ctx, id, func(ctx context.Context, tx store.Tx) error {
			_, err := Check(ctx, tx, now)
			return err
		})
		if err != nil {
			return fmt.Errorf("budget of tenant %s: %w", id, err)
		}
	}
	return nil
}

// Check records, once per month and threshold, that the transaction's
// tenant crossed 80 % (budget.warning) or 100 % (budget.exceeded) of its
// budget, with an audit event; it returns the thresholds newly recorded.
func Check(ctx context.Context, tx store.Tx, now time.Time) ([]string, error) {
	b, err := LoadBudget(ctx, tx, now)
	if err != nil || b.LimitUSD == nil {
		return nil, err
	}
	var reached []string
	switch b.Status {
	case StatusExceeded:
		reached = []string{StatusWarning, StatusExceeded}
	case StatusWarning:
		reached = []string{StatusWarning}
	}
	month := MonthStart(now)
	var fresh []string
	for _, threshold := range reached {
		res, err := tx.ExecContext(ctx, `INSERT INTO budget_alerts (tenant_id, month, threshold, spent_usd, limit_usd)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, tx.TenantID, month.Format(time.DateOnly), threshold, b.MonthToDateUSD, *b.LimitUSD)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue // already alerted this month
		}
		fresh = append(fresh, threshold)
		if err := events.Record(ctx, tx, events.BudgetThresholdReached{Threshold: threshold, Month: month.Format("2006-01"), SpentUSD: b.MonthToDateUSD,
			LimitUSD: *b.LimitUSD, Percent: b.Percent, Action: b.Action}); err != nil {
			return nil, err
		}
		if err := audit.Record(ctx, tx, audit.Event{Action: "budget." + threshold, TargetType: "tenant", TargetID: tx.TenantID.String(),
			Metadata: map[string]any{"month": month.Format("2006-01"), "spent_usd": b.MonthToDateUSD, "limit_usd": *b.LimitUSD,
				"percent": b.Percent, "action": b.Action}}); err != nil {
			return nil, err
		}
	}
	return fresh, nil
}

// Periodic schedules the check every interval, and once at start.
func Periodic(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return CheckArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "budget.check"})
}

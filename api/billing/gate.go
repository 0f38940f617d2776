package billing

import (
	"context"
	"time"

	"github.com/konstruct/konstruct/api/store"
	"github.com/konstruct/konstruct/api/usage"
)

// BudgetNotice is what a chat user is told, once a month, when the tenant's
// budget is spent and its action is stop.
const BudgetNotice = "Thanks for your message. I'm paused for the rest of the month, so I can't reply right now; the team will get back to you."

// Admission is the gate's answer for one agent turn.
type Admission struct {
	Skip   string // why the turn is skipped; "" to answer
	Notice string // answer with this text instead of asking a model
	Model  string // answer with this model instead of the agent's
}

// Gate decides, inside a turn's claim transaction, whether the tenant's
// agents may answer: an active or trialing subscription (or the trial, or a
// past-due subscription within its grace period), and the budget.
type Gate struct {
	policy    Policy
	downgrade string
	now       func() time.Time
}

// Gate returns the service's gate.
func (s *Service) Gate() *Gate {
	return &Gate{policy: s.policy, downgrade: s.cfg.DowngradeModel, now: s.now}
}

// Admit answers for a turn of the transaction's tenant with a chat user.
// Budgets apply whether or not Stripe is configured (the tenant chose the
// action); the subscription only when it is.
func (g *Gate) Admit(ctx context.Context, tx store.Tx, participant string) (Admission, error) {
	now := g.now()
	a, err := loadAccount(ctx, tx, false)
	if err != nil {
		return Admission{}, err
	}
	if reason := g.policy.Blocked(a, now); reason != "" {
		return Admission{Skip: reason}, nil
	}
	b, err := usage.LoadBudget(ctx, tx, now)
	if err != nil {
		return Admission{}, err
	}
	return g.budget(ctx, tx, now, b, participant)
}

// budget is Admit's answer for a tenant whose subscription admits the turn.
func (g *Gate) budget(ctx context.Context, tx store.Tx, now time.Time, b usage.Budget, participant string) (Admission, error) {
	if !b.Exceeded() {
		return Admission{}, nil
	}
	switch b.Action {
	case usage.ActionDowngrade:
		return Admission{Model: g.downgrade}, nil
	case usage.ActionStop:
		res, err := tx.ExecContext(ctx, `INSERT INTO budget_notices (tenant_id, month, participant_key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			tx.TenantID, usage.MonthStart(now).Format(time.DateOnly), participant)
		if err != nil {
			return Admission{}, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return Admission{Notice: BudgetNotice}, nil
		}
		return Admission{Skip: "budget_exceeded"}, nil
	}
	return Admission{}, nil
}

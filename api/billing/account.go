package billing

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/store"
)

// Subscription statuses (Stripe's).
const (
	StatusTrialing = "trialing"
	StatusActive   = "active"
	StatusPastDue  = "past_due"
	StatusCanceled = "canceled"
	StatusUnpaid   = "unpaid"
)

// Account is the billing side of a tenant row.
type Account struct {
	bun.BaseModel `bun:"table:tenants"`

	ID                 uuid.UUID  `bun:"id,pk"`
	Name               string     `bun:"name"`
	CreatedAt          time.Time  `bun:"created_at"`
	StripeCustomerID   *string    `bun:"stripe_customer_id"`
	SubscriptionID     *string    `bun:"subscription_id"`
	SubscriptionItemID *string    `bun:"subscription_item_id"`
	Status             *string    `bun:"subscription_status"`
	PeriodEnd          *time.Time `bun:"subscription_period_end"`
	Seats              int        `bun:"subscription_seats"`
	EventAt            *time.Time `bun:"subscription_event_at"`
	PastDueSince       *time.Time `bun:"past_due_since"`
	TrialEndsAt        *time.Time `bun:"trial_ends_at"`
}

// loadAccount reads the tenant transaction's tenant, optionally locking it.
func loadAccount(ctx context.Context, tx store.Tx, forUpdate bool) (*Account, error) {
	a := &Account{}
	q := tx.NewSelect().Model(a).Where("id = ?", tx.TenantID)
	if forUpdate {
		q.For("UPDATE")
	}
	return a, q.Scan(ctx)
}

// activeAgents counts the tenant's active agents: its seats.
func activeAgents(ctx context.Context, tx store.Tx) (int, error) {
	n, err := tx.NewSelect().Table("agents").Where("is_active").Count(ctx)
	return int(n), err
}

// Policy is the platform's billing policy.
type Policy struct {
	Enabled   bool
	TrialDays int
	Grace     time.Duration
}

// TrialEnd is when the tenant's free trial ends.
func (p Policy) TrialEnd(a *Account) time.Time {
	if a.TrialEndsAt != nil {
		return *a.TrialEndsAt
	}
	return a.CreatedAt.Add(time.Duration(p.TrialDays) * 24 * time.Hour)
}

// GraceEnd is when a past-due subscription stops its agents.
func (p Policy) GraceEnd(a *Account) *time.Time {
	if a.Status == nil || *a.Status != StatusPastDue || a.PastDueSince == nil {
		return nil
	}
	end := a.PastDueSince.Add(p.Grace)
	return &end
}

// Blocked says why the tenant's agents may not answer at now, or "" when
// they may. Disabled billing blocks nothing.
func (p Policy) Blocked(a *Account, now time.Time) string {
	if !p.Enabled {
		return ""
	}
	status := ""
	if a.Status != nil {
		status = *a.Status
	}
	switch status {
	case StatusActive, StatusTrialing:
		return ""
	case StatusPastDue:
		if end := p.GraceEnd(a); end == nil || now.Before(*end) {
			return ""
		}
		return "payment_overdue"
	case "":
		if now.Before(p.TrialEnd(a)) {
			return ""
		}
		if p.TrialDays == 0 && a.TrialEndsAt == nil {
			return "no_subscription"
		}
		return "trial_ended"
	default:
		return "subscription_" + status
	}
}

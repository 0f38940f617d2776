package billing

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/store"
)

// Webhook serves POST /api/webhooks/stripe: it verifies Stripe-Signature
// over the raw body (webhook.ConstructEvent, five-minute tolerance) and
// applies the event. A bad or stale signature is 400 and nothing is read
// further; a failure to apply is 500 so Stripe redelivers.
func (s *Service) Webhook(c echo.Context) error {
	if !s.Enabled() {
		return errs.E(errs.NotFound, "Billing is not configured on this platform.")
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // BodyLimit's 413 surfaces here
	}
	ev, err := webhook.ConstructEvent(body, c.Request().Header.Get("Stripe-Signature"), s.cfg.WebhookSecret)
	if err != nil {
		return errs.Wrap(errs.BadRequest, err, "The Stripe-Signature header is missing, wrong or too old.")
	}
	if _, err := s.Apply(c.Request().Context(), &ev); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]bool{"received": true})
}

// Outcome says what Apply did with an event.
type Outcome string

const (
	Applied   Outcome = "applied"
	Duplicate Outcome = "duplicate" // this event id was applied before
	Stale     Outcome = "stale"     // older than the state already applied: recorded, not applied
	Ignored   Outcome = "ignored"   // a type we do not handle, or no tenant of ours
)

// Apply applies one verified event, once: its id is recorded in the same
// tenant transaction as its effect, so a redelivery or a concurrent copy
// finds the row (the second insert waits for the first to commit) and does
// nothing.
func (s *Service) Apply(ctx context.Context, ev *stripe.Event) (Outcome, error) {
	at := time.Unix(ev.Created, 0).UTC()
	var customer, metaTenant string
	var apply func(ctx context.Context, tx store.Tx, a *Account) (Outcome, error)
	switch ev.Type {
	case "checkout.session.completed":
		var cs stripe.CheckoutSession
		if err := json.Unmarshal(ev.Data.Raw, &cs); err != nil {
			return "", errs.Wrap(errs.BadRequest, err, "The checkout session in the event cannot be read.")
		}
		customer, metaTenant = idOf(cs.Customer), cs.ClientReferenceID
		apply = func(ctx context.Context, tx store.Tx, a *Account) (Outcome, error) {
			return s.checkoutCompleted(ctx, tx, a, &cs)
		}
	case "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted":
		var sub stripe.Subscription
		if err := json.Unmarshal(ev.Data.Raw, &sub); err != nil {
			return "", errs.Wrap(errs.BadRequest, err, "The subscription in the event cannot be read.")
		}
		customer, metaTenant = idOf(sub.Customer), sub.Metadata["tenant_id"]
		apply = func(ctx context.Context, tx store.Tx, a *Account) (Outcome, error) {
			return s.subscriptionChanged(ctx, tx, a, string(ev.Type), at, &sub)
		}
	case "invoice.paid", "invoice.payment_failed":
		var inv stripe.Invoice
		if err := json.Unmarshal(ev.Data.Raw, &inv); err != nil {
			return "", errs.Wrap(errs.BadRequest, err, "The invoice in the event cannot be read.")
		}
		customer = idOf(inv.Customer)
		apply = func(ctx context.Context, tx store.Tx, a *Account) (Outcome, error) {
			return s.invoiceSettled(ctx, tx, a, string(ev.Type), at, &inv)
		}
	default:
		return Ignored, nil
	}

	tenantID, err := s.tenantFor(ctx, customer, metaTenant)
	if err != nil || tenantID == uuid.Nil {
		if err == nil {
			s.log.InfoContext(ctx, "stripe event for no tenant of ours ignored", "event", ev.ID, "type", ev.Type)
		}
		return Ignored, err
	}
	out := Ignored
	err = s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		a, err := loadAccount(ctx, tx, true)
		if errors.Is(err, store.ErrNotFound) {
			return nil // a client_reference_id or metadata naming no tenant
		} else if err != nil {
			return err
		}
		if customer != "" && a.StripeCustomerID != nil && *a.StripeCustomerID != customer {
			s.log.WarnContext(ctx, "stripe event names another customer than the tenant's; ignored", "event", ev.ID, "tenant", tenantID)
			return nil
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO stripe_events (id, tenant_id, type, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (tenant_id, id) DO NOTHING`, ev.ID, tenantID, string(ev.Type), at)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			out = Duplicate
			return nil
		}
		out, err = apply(ctx, tx, a)
		return err
	})
	if err != nil {
		return "", err
	}
	return out, nil
}

// tenantFor finds the tenant of an event: by its Stripe customer (a
// SECURITY DEFINER lookup, the only cross-tenant read), else by the tenant id
// we put on the checkout session or subscription. The latter is only
// trusted for a tenant that has no other customer (checked by the caller).
func (s *Service) tenantFor(ctx context.Context, customer, metaTenant string) (uuid.UUID, error) {
	if customer != "" {
		var id *uuid.UUID
		if err := s.store.DB.NewRaw("SELECT billing_tenant_by_customer(?)", customer).Scan(ctx, &id); err != nil {
			return uuid.Nil, err
		}
		if id != nil {
			return *id, nil
		}
	}
	id, err := uuid.Parse(metaTenant)
	if err != nil {
		return uuid.Nil, nil
	}
	return id, nil
}

func (s *Service) checkoutCompleted(ctx context.Context, tx store.Tx, a *Account, cs *stripe.CheckoutSession) (Outcome, error) {
	sub := idOf(cs.Subscription)
	if _, err := tx.ExecContext(ctx, `UPDATE tenants SET stripe_customer_id = coalesce(stripe_customer_id, nullif(?, '')),
		subscription_id = CASE WHEN subscription_id IS NULL OR subscription_status IN ('canceled', 'incomplete_expired') THEN nullif(?, '') ELSE subscription_id END
		WHERE id = ?`, idOf(cs.Customer), sub, a.ID); err != nil {
		return "", err
	}
	return Applied, audit.Record(ctx, tx, audit.Event{Action: "billing.checkout_completed", TargetType: "tenant", TargetID: a.ID.String(),
		Metadata: map[string]any{"session_id": cs.ID, "subscription_id": sub}})
}

// live statuses are those of a subscription that still bills.
func live(status string) bool {
	switch status {
	case "canceled", "incomplete_expired", "":
		return false
	}
	return true
}

func (s *Service) subscriptionChanged(ctx context.Context, tx store.Tx, a *Account, typ string, at time.Time, sub *stripe.Subscription) (Outcome, error) {
	status, current := string(sub.Status), deref(a.Status)
	if a.SubscriptionID != nil && *a.SubscriptionID != sub.ID && live(current) && !live(status) {
		return Stale, nil // an old subscription ending does not end the current one
	}
	if a.SubscriptionID != nil && *a.SubscriptionID == sub.ID && a.EventAt != nil && at.Before(*a.EventAt) {
		return Stale, nil // out of order: a newer state is already applied
	}
	var item *string
	seats := a.Seats
	if sub.Items != nil && len(sub.Items.Data) > 0 {
		item, seats = &sub.Items.Data[0].ID, int(sub.Items.Data[0].Quantity)
	}
	var periodEnd *time.Time
	if sub.CurrentPeriodEnd > 0 {
		t := time.Unix(sub.CurrentPeriodEnd, 0).UTC()
		periodEnd = &t
	}
	pastDueSince := a.PastDueSince
	if status != StatusPastDue {
		pastDueSince = nil
	} else if pastDueSince == nil {
		pastDueSince = &at
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tenants SET stripe_customer_id = coalesce(stripe_customer_id, nullif(?, '')),
		subscription_id = ?, subscription_item_id = coalesce(?, subscription_item_id),
		subscription_status = ?, subscription_period_end = ?, subscription_seats = ?, subscription_event_at = ?, past_due_since = ?
		WHERE id = ?`, idOf(sub.Customer), sub.ID, item, status, periodEnd, seats, at, pastDueSince, a.ID); err != nil {
		return "", err
	}
	return Applied, audit.Record(ctx, tx, audit.Event{Action: "billing.subscription_" + typ[len("customer.subscription."):],
		TargetType: "tenant", TargetID: a.ID.String(),
		Metadata: map[string]any{"subscription_id": sub.ID, "from": current, "to": status, "seats": seats}})
}

func (s *Service) invoiceSettled(ctx context.Context, tx store.Tx, a *Account, typ string, at time.Time, inv *stripe.Invoice) (Outcome, error) {
	sub := idOf(inv.Subscription)
	current, next := deref(a.Status), ""
	if a.SubscriptionID != nil && *a.SubscriptionID == sub && (a.EventAt == nil || !at.Before(*a.EventAt)) {
		switch {
		case typ == "invoice.paid" && (current == StatusPastDue || current == StatusUnpaid || current == "incomplete"):
			next = StatusActive
		case typ == "invoice.payment_failed" && (current == StatusActive || current == StatusTrialing):
			next = StatusPastDue
		}
	}
	if next != "" {
		var since *time.Time
		if next == StatusPastDue {
			since = &at
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tenants SET subscription_status = ?, subscription_event_at = ?, past_due_since = ? WHERE id = ?`,
			next, at, since, a.ID); err != nil {
			return "", err
		}
	}
	action := "billing.invoice_paid"
	if typ == "invoice.payment_failed" {
		action = "billing.payment_failed"
	}
	return Applied, audit.Record(ctx, tx, audit.Event{Action: action, TargetType: "tenant", TargetID: a.ID.String(),
		Metadata: map[string]any{"invoice_id": inv.ID, "subscription_id": sub, "from": current, "to": map[bool]string{true: next, false: current}[next != ""]}})
}

// idOf reads the id of an expandable reference (Stripe sends the id alone
// unless expanded).
func idOf[T interface {
	*stripe.Customer | *stripe.Subscription
}](ref T) string {
	switch r := any(ref).(type) {
	case *stripe.Customer:
		if r != nil {
			return r.ID
		}
	case *stripe.Subscription:
		if r != nil {
			return r.ID
		}
	}
	return ""
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

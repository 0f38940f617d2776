package billing

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/config"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/store"
	"github.com/konstruct/konstruct/api/usage"
)

// Opts are the service's collaborators.
type Opts struct {
	Config     config.BillingConfig
	PublicURL  string
	HTTPClient *http.Client
	Store      *store.Store
	Guard      *access.Guard
	Log        *slog.Logger
}

// Service runs billing.
type Service struct {
	cfg       config.BillingConfig
	policy    Policy
	publicURL string
	store     *store.Store
	guard     *access.Guard
	log       *slog.Logger
	stripe    *client.API // nil when billing is disabled
	now       func() time.Time
	prices    priceCache
}

// New returns the service; with no Stripe key it is disabled.
func New(opts Opts) *Service {
	s := &Service{cfg: opts.Config, publicURL: opts.PublicURL, store: opts.Store, guard: opts.Guard, log: opts.Log, now: time.Now,
		policy: Policy{Enabled: opts.Config.Enabled(), TrialDays: opts.Config.TrialDays, Grace: opts.Config.Grace}}
	if s.policy.Enabled {
		s.stripe = client.New(opts.Config.SecretKey, stripe.NewBackendsWithConfig(&stripe.BackendConfig{
			URL: stripe.String(opts.Config.APIURL), HTTPClient: opts.HTTPClient, MaxNetworkRetries: stripe.Int64(2),
			// stripe-go logs request failures itself; we return them instead.
			LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
		}))
	}
	return s
}

// Enabled reports whether Stripe is configured.
func (s *Service) Enabled() bool { return s.policy.Enabled }

var errDisabled = errs.E(errs.Unavailable, "Billing is not configured on this platform.")

// Checkout starts a Stripe Checkout Session for the tenant's subscription,
// one seat per active agent (owners and admins).
func (s *Service) Checkout(ctx context.Context, tenantID uuid.UUID) (string, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return "", err
	}
	if !s.Enabled() {
		return "", errDisabled
	}
	customer, seats, err := s.customer(ctx, tenantID)
	if err != nil {
		return "", err
	}
	params := &stripe.CheckoutSessionParams{
		Mode:              stripe.String(string(stripe.CheckoutSessionModeSubscription)),
		Customer:          stripe.String(customer),
		ClientReferenceID: stripe.String(tenantID.String()),
		LineItems:         []*stripe.CheckoutSessionLineItemParams{{Price: stripe.String(s.cfg.PriceID), Quantity: stripe.Int64(int64(seats))}},
		SuccessURL:        stripe.String(s.publicURL + "/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}"),
		CancelURL:         stripe.String(s.publicURL + "/billing?checkout=canceled"),
		SubscriptionData: &stripe.CheckoutSessionSubscriptionDataParams{
			Metadata: map[string]string{"tenant_id": tenantID.String()},
		},
	}
	params.Context = ctx
	sess, err := s.stripe.CheckoutSessions.New(params)
	if err != nil {
		return "", upstream(err, "Stripe did not start the checkout.")
	}
	err = s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		return audit.Record(ctx, tx, audit.Event{Action: "billing.checkout_started", TargetType: "tenant", TargetID: tenantID.String(),
			Metadata: map[string]any{"session_id": sess.ID, "seats": seats}})
	})
	return sess.URL, err
}

// customer returns the tenant's Stripe customer, creating it the first
// time, and the seats a new subscription should have.
func (s *Service) customer(ctx context.Context, tenantID uuid.UUID) (id string, seats int, err error) {
	var a *Account
	err = s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		if a, err = loadAccount(ctx, tx, false); err != nil {
			return err
		}
		seats, err = activeAgents(ctx, tx)
		return err
	})
	if err != nil {
		return "", 0, err
	}
	seats = max(seats, 1) // Stripe needs a quantity of at least one
	if a.StripeCustomerID != nil {
		return *a.StripeCustomerID, seats, nil
	}
	params := &stripe.CustomerParams{Name: stripe.String(a.Name)}
	params.AddMetadata("tenant_id", tenantID.String())
	// Two clicks at once create one customer: Stripe replays the first
	// answer for the same idempotency key (for 24 hours).
	params.SetIdempotencyKey("customer:" + tenantID.String())
	params.Context = ctx
	c, err := s.stripe.Customers.New(params)
	if err != nil {
		return "", 0, upstream(err, "Stripe did not create the customer.")
	}
	err = s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		// Keep the first customer if another request stored one meanwhile.
		if err := tx.NewRaw("UPDATE tenants SET stripe_customer_id = coalesce(stripe_customer_id, ?) WHERE id = ? RETURNING stripe_customer_id",
			c.ID, tenantID).Scan(ctx, &id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "billing.customer_created", TargetType: "tenant", TargetID: tenantID.String(),
			Metadata: map[string]any{"customer_id": id}})
	})
	return id, seats, err
}

// Portal opens a Stripe Customer Portal session (owners and admins).
func (s *Service) Portal(ctx context.Context, tenantID uuid.UUID) (string, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return "", err
	}
	if !s.Enabled() {
		return "", errDisabled
	}
	var a *Account
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) (err error) {
		a, err = loadAccount(ctx, tx, false)
		return err
	})
	if err != nil {
		return "", err
	}
	if a.StripeCustomerID == nil {
		return "", errs.E(errs.Conflict, "This tenant has no Stripe customer yet: start a checkout first.")
	}
	params := &stripe.BillingPortalSessionParams{Customer: a.StripeCustomerID, ReturnURL: stripe.String(s.publicURL + "/billing")}
	params.Context = ctx
	sess, err := s.stripe.BillingPortalSessions.New(params)
	if err != nil {
		return "", upstream(err, "Stripe did not open the customer portal.")
	}
	return sess.URL, nil
}

// State is what the portal shows about billing.
type State struct {
	Enabled       bool
	Plan          string
	Status        string
	Seats         int
	ActiveAgents  int
	PeriodEnd     *time.Time
	TrialEndsAt   *time.Time
	GraceEndsAt   *time.Time
	BlockedReason string
	NextAction    string
}

// State reports the tenant's billing state (any member).
func (s *Service) State(ctx context.Context, tenantID uuid.UUID) (*State, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleMember); err != nil {
		return nil, err
	}
	st := &State{Enabled: s.Enabled(), Status: "none", Plan: "none", NextAction: "none"}
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		a, err := loadAccount(ctx, tx, false)
		if err != nil {
			return err
		}
		if st.ActiveAgents, err = activeAgents(ctx, tx); err != nil {
			return err
		}
		now := s.now()
		st.Seats, st.PeriodEnd, st.GraceEndsAt = a.Seats, a.PeriodEnd, s.policy.GraceEnd(a)
		if a.Status != nil {
			st.Status, st.Plan = *a.Status, "standard"
		} else if s.Enabled() {
			end := s.policy.TrialEnd(a)
			st.TrialEndsAt = &end
			if now.Before(end) {
				st.Plan = "trial"
			}
		}
		st.BlockedReason = s.policy.Blocked(a, now)
		if st.BlockedReason == "" {
			b, err := usage.LoadBudget(ctx, tx, now)
			if err != nil {
				return err
			}
			if b.Exceeded() && b.Action == usage.ActionStop {
				st.BlockedReason = "budget_exceeded"
			}
		}
		if s.Enabled() {
			st.NextAction = "checkout"
			if a.StripeCustomerID != nil && a.Status != nil && *a.Status != StatusCanceled && *a.Status != "incomplete_expired" {
				st.NextAction = "portal"
			}
		}
		return nil
	})
	return st, err
}

// upstream classifies a Stripe failure: the caller sees a 502 with a safe
// message, the log gets Stripe's error (never the key).
func upstream(err error, msg string) error {
	var se *stripe.Error
	if errors.As(err, &se) && se.HTTPStatusCode == http.StatusTooManyRequests {
		return errs.Wrap(errs.Unavailable, err, "Stripe is busy; try again shortly.")
	}
	return errs.Wrap(errs.Upstream, err, "%s", msg)
}

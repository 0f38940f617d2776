package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/netguard"
	"github.com/konstruct/konstruct/api/secrets"
	"github.com/konstruct/konstruct/api/store"
)

// MaxEndpoints is how many endpoints a tenant may register. Each one is a
// fan-out of every event; a few per integration is the norm (Stripe allows
// 16).
const MaxEndpoints = 20

// Reasons an endpoint was disabled.
const (
	DisabledManual  = "manual"  // an owner or admin turned it off
	DisabledGone    = "gone"    // it answered 410 Gone
	DisabledFailing = "failing" // it failed for the whole retry horizon
)

// Endpoint is a URL events are delivered to.
type Endpoint struct {
	bun.BaseModel `bun:"table:webhook_endpoints"`

	ID                       uuid.UUID  `bun:"id,pk"`
	TenantID                 uuid.UUID  `bun:"tenant_id"`
	URL                      string     `bun:"url"`
	Description              string     `bun:"description"`
	EventTypes               []string   `bun:"event_types,array"`
	Enabled                  bool       `bun:"enabled"`
	DisabledReason           string     `bun:"disabled_reason"`
	DisabledAt               *time.Time `bun:"disabled_at"`
	SecretCiphertext         []byte     `bun:"secret_ciphertext"`
	SecretKeyVersion         int        `bun:"secret_key_version"`
	SecretHint               string     `bun:"secret_hint"`
	PreviousSecretCiphertext []byte     `bun:"previous_secret_ciphertext"`
	PreviousSecretKeyVersion *int       `bun:"previous_secret_key_version"`
	PreviousSecretExpiresAt  *time.Time `bun:"previous_secret_expires_at"`
	FailingSince             *time.Time `bun:"failing_since"`
	LastSuccessAt            *time.Time `bun:"last_success_at"`
	LastFailureAt            *time.Time `bun:"last_failure_at"`
	LastError                string     `bun:"last_error"`
	CreatedAt                time.Time  `bun:"created_at,nullzero,default:now()"`
	UpdatedAt                time.Time  `bun:"updated_at,nullzero,default:now()"`
}

// Wants reports whether the endpoint subscribes to typ (no types: all).
func (e *Endpoint) Wants(typ string) bool {
	return typ != TypeTest && (len(e.EventTypes) == 0 || slices.Contains(e.EventTypes, typ))
}

func aad(id uuid.UUID) []byte { return []byte("webhook_endpoints:" + id.String()) }

// Opts configures the service, the relay and the delivery worker.
type Opts struct {
	Store   *store.Store
	Guard   *access.Guard
	Keyring *secrets.Keyring
	// Policy keeps deliveries off the platform's own network.
	Policy netguard.Policy
	// RequireHTTPS refuses http:// endpoints (production).
	RequireHTTPS bool
	// Timeout bounds one delivery attempt, response included (15 s).
	Timeout time.Duration
	// EndpointConcurrency is how many deliveries to one endpoint may be in
	// flight at once (4); one while the endpoint is failing.
	EndpointConcurrency int
	// Schedule is the retry schedule.
	Schedule Schedule
	// PollInterval is how often the relay looks for new events and due
	// retries (250 ms).
	PollInterval time.Duration
	Log          *slog.Logger
}

// Service manages endpoints, deliveries and replays.
type Service struct {
	opts Opts
}

// New returns the service, filling defaults.
func New(opts Opts) *Service {
	if opts.Timeout <= 0 {
		opts.Timeout = 15 * time.Second
	}
	if opts.EndpointConcurrency <= 0 {
		opts.EndpointConcurrency = 4
	}
	if opts.Schedule.For <= 0 {
		opts.Schedule = DefaultSchedule
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 250 * time.Millisecond
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Service{opts: opts}
}

// EndpointInput is a new endpoint or the fields a patch sets (nil: unchanged).
type EndpointInput struct {
	URL         *string
	Description *string
	EventTypes  *[]string
	Enabled     *bool
}

// checkURL refuses what must never be dialled: private and link-local
// addresses (netguard, checked again when dialling), credentials in the URL,
// and plain http in production (payloads are conversations).
func (s *Service) checkURL(ctx context.Context, raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", errs.Field("body.url", "must be an absolute https URL, e.g. https://hooks.example.com/konstruct")
	}
	if s.opts.RequireHTTPS && u.Scheme != "https" {
		return "", errs.Field("body.url", "must use https: event payloads carry conversations")
	}
	if u.Fragment != "" {
		return "", errs.Field("body.url", "must not contain a #fragment")
	}
	if err := s.opts.Policy.CheckURL(ctx, raw); err != nil {
		return "", errs.Field("body.url", "%s", err)
	}
	return raw, nil
}

func checkTypes(types []string) ([]string, error) {
	out := []string{}
	for i, t := range types {
		if !Known(t) || t == TypeTest {
			return nil, errs.Field(fmt.Sprintf("body.event_types[%d]", i), "is not an event type (see GET …/webhook-event-types)")
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Create registers an endpoint (owners and admins) and returns it with its
// signing secret, which is never shown again.
func (s *Service) Create(ctx context.Context, tenantID uuid.UUID, in EndpointInput) (*Endpoint, string, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, "", err
	}
	if in.URL == nil {
		return nil, "", errs.Field("body.url", "is required")
	}
	u, err := s.checkURL(ctx, *in.URL)
	if err != nil {
		return nil, "", err
	}
	e := &Endpoint{ID: uuid.Must(uuid.NewV7()), TenantID: tenantID, URL: u, Enabled: true, EventTypes: []string{}}
	if in.Description != nil {
		e.Description = strings.TrimSpace(*in.Description)
	}
	if in.EventTypes != nil {
		if e.EventTypes, err = checkTypes(*in.EventTypes); err != nil {
			return nil, "", err
		}
	}
	if in.Enabled != nil && !*in.Enabled {
		now := time.Now()
		e.Enabled, e.DisabledReason, e.DisabledAt = false, DisabledManual, &now
	}
	secret := NewSecret()
	if err := s.seal(e, secret); err != nil {
		return nil, "", err
	}
	err = s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		// Serialise creates of one tenant so the limit holds under races.
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?, hashtext(?))", lockEndpoints, tenantID.String()); err != nil {
			return err
		}
		n, err := tx.NewSelect().Model((*Endpoint)(nil)).Count(ctx)
		if err != nil {
			return err
		}
		if n >= MaxEndpoints {
			return errs.E(errs.Conflict, "This workspace already has %d webhook endpoints, the most it may have; delete one first.", MaxEndpoints)
		}
		if _, err := tx.NewInsert().Model(e).Returning("created_at, updated_at").Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "webhook_endpoint.created", TargetType: "webhook_endpoint", TargetID: e.ID.String(),
			Metadata: map[string]any{"url": redactURL(e.URL), "event_types": e.EventTypes, "enabled": e.Enabled}})
	})
	if err != nil {
		return nil, "", err
	}
	return e, secret, nil
}

// Advisory lock classes (the first key of pg_advisory_xact_lock(int, int)).
const (
	lockEndpoints = 17017 // creates of one tenant's endpoints
	lockDispatch  = 17018 // the relay's fan-out of one tenant's events
)

// seal encrypts secret as the endpoint's current signing secret.
func (s *Service) seal(e *Endpoint, secret string) error {
	sealed, err := s.opts.Keyring.Encrypt([]byte(secret), aad(e.ID))
	if err != nil {
		return err
	}
	e.SecretCiphertext, e.SecretKeyVersion, e.SecretHint = sealed.Ciphertext, sealed.Version, secretHint(secret)
	return nil
}

// redactURL is an endpoint URL for the audit trail: a query string can hold
// a receiver's token, so only scheme, host and path are kept.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + u.Path
}

// List returns the tenant's endpoints, oldest first (owners and admins).
func (s *Service) List(ctx context.Context, tenantID uuid.UUID) ([]Endpoint, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	var out []Endpoint
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		return tx.NewSelect().Model(&out).OrderExpr("created_at, id").Limit(MaxEndpoints * 2).Scan(ctx)
	})
	return out, err
}

// Get returns one endpoint (owners and admins).
func (s *Service) Get(ctx context.Context, tenantID, id uuid.UUID) (*Endpoint, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	var e *Endpoint
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) (err error) {
		e, err = loadEndpoint(ctx, tx, id, false)
		return err
	})
	return e, err
}

func loadEndpoint(ctx context.Context, db bun.IDB, id uuid.UUID, forUpdate bool) (*Endpoint, error) {
	e := &Endpoint{}
	q := db.NewSelect().Model(e).Where("id = ?", id)
	if forUpdate {
		q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errs.NotFoundf("webhook endpoint not found")
		}
		return nil, err
	}
	return e, nil
}

// Update changes an endpoint (owners and admins). Turning it off cancels
// what was waiting to be delivered to it; turning it back on starts with the
// next event (replay catches up on what was missed).
func (s *Service) Update(ctx context.Context, tenantID, id uuid.UUID, in EndpointInput) (*Endpoint, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	var newURL string
	if in.URL != nil {
		var err error
		if newURL, err = s.checkURL(ctx, *in.URL); err != nil {
			return nil, err
		}
	}
	var types []string
	if in.EventTypes != nil {
		var err error
		if types, err = checkTypes(*in.EventTypes); err != nil {
			return nil, err
		}
	}
	var e *Endpoint
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) (err error) {
		if e, err = loadEndpoint(ctx, tx, id, true); err != nil {
			return err
		}
		var changed []string
		if in.URL != nil && newURL != e.URL {
			e.URL, changed = newURL, append(changed, "url")
		}
		if in.Description != nil && strings.TrimSpace(*in.Description) != e.Description {
			e.Description, changed = strings.TrimSpace(*in.Description), append(changed, "description")
		}
		if in.EventTypes != nil && !slices.Equal(types, e.EventTypes) {
			e.EventTypes, changed = types, append(changed, "event_types")
		}
		if in.Enabled != nil && *in.Enabled != e.Enabled {
			changed = append(changed, "enabled")
			if *in.Enabled {
				e.Enabled, e.DisabledReason, e.DisabledAt, e.FailingSince = true, "", nil, nil
			} else {
				now := time.Now()
				e.Enabled, e.DisabledReason, e.DisabledAt = false, DisabledManual, &now
				if err := cancelPending(ctx, tx, e.ID, "the endpoint was disabled"); err != nil {
					return err
				}
			}
		}
		if len(changed) == 0 {
			return nil
		}
		if _, err := tx.NewUpdate().Model(e).WherePK().
			Column("url", "description", "event_types", "enabled", "disabled_reason", "disabled_at", "failing_since").
			Returning("updated_at").Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "webhook_endpoint.updated", TargetType: "webhook_endpoint", TargetID: e.ID.String(),
			Metadata: map[string]any{"url": redactURL(e.URL), "changed": changed, "enabled": e.Enabled}})
	})
	return e, err
}

// cancelPending ends every delivery of an endpoint that has not finished.
func cancelPending(ctx context.Context, db bun.IDB, endpointID uuid.UUID, why string) error {
	_, err := db.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'cancelled', completed_at = now(), lease_until = NULL,
		next_attempt_at = NULL, last_error = ? WHERE endpoint_id = ? AND state IN ('waiting', 'pending')`, why, endpointID)
	return err
}

// Delete removes an endpoint with its delivery log (owners and admins).
func (s *Service) Delete(ctx context.Context, tenantID, id uuid.UUID) error {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return err
	}
	return s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		e, err := loadEndpoint(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model(e).WherePK().Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "webhook_endpoint.deleted", TargetType: "webhook_endpoint", TargetID: e.ID.String(),
			Metadata: map[string]any{"url": redactURL(e.URL)}})
	})
}

// MaxOverlap bounds how long a rotated-out secret keeps signing.
const MaxOverlap = 7 * 24 * time.Hour

// Rotate gives an endpoint a new signing secret (owners and admins) and
// returns it, shown this once. For overlap the previous secret keeps signing
// too, so receivers can switch without losing a delivery; zero ends the old
// secret at once (after a leak). Rotating again during an overlap drops the
// oldest secret: at most two ever sign.
func (s *Service) Rotate(ctx context.Context, tenantID, id uuid.UUID, overlap time.Duration) (*Endpoint, string, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, "", err
	}
	if overlap < 0 || overlap > MaxOverlap {
		return nil, "", errs.Field("body.overlap_seconds", "must be between 0 and %d (7 days)", int(MaxOverlap.Seconds()))
	}
	secret := NewSecret()
	var e *Endpoint
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) (err error) {
		if e, err = loadEndpoint(ctx, tx, id, true); err != nil {
			return err
		}
		if overlap > 0 {
			// The same AAD seals both columns: the previous ciphertext is the
			// current one moved, still bound to this endpoint.
			version := e.SecretKeyVersion
			until := time.Now().Add(overlap)
			e.PreviousSecretCiphertext, e.PreviousSecretKeyVersion, e.PreviousSecretExpiresAt = e.SecretCiphertext, &version, &until
		} else {
			e.PreviousSecretCiphertext, e.PreviousSecretKeyVersion, e.PreviousSecretExpiresAt = nil, nil, nil
		}
		if err := s.seal(e, secret); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model(e).WherePK().Column("secret_ciphertext", "secret_key_version", "secret_hint",
			"previous_secret_ciphertext", "previous_secret_key_version", "previous_secret_expires_at").Returning("updated_at").Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "webhook_endpoint.secret_rotated", TargetType: "webhook_endpoint", TargetID: e.ID.String(),
			Metadata: map[string]any{"overlap_seconds": int(overlap.Seconds())}})
	})
	if err != nil {
		return nil, "", err
	}
	return e, secret, nil
}

// signingSecrets opens the secrets that sign a delivery at now: the current
// one and, during a rotation's overlap, the previous one.
func (s *Service) signingSecrets(e *Endpoint, now time.Time) ([]string, error) {
	cur, err := s.opts.Keyring.Decrypt(secrets.Sealed{Ciphertext: e.SecretCiphertext, Version: e.SecretKeyVersion}, aad(e.ID))
	if err != nil {
		return nil, fmt.Errorf("open signing secret of endpoint %s: %w", e.ID, err)
	}
	out := []string{string(cur)}
	if e.PreviousSecretExpiresAt != nil && now.Before(*e.PreviousSecretExpiresAt) && len(e.PreviousSecretCiphertext) > 0 && e.PreviousSecretKeyVersion != nil {
		prev, err := s.opts.Keyring.Decrypt(secrets.Sealed{Ciphertext: e.PreviousSecretCiphertext, Version: *e.PreviousSecretKeyVersion}, aad(e.ID))
		if err != nil {
			return nil, fmt.Errorf("open previous signing secret of endpoint %s: %w", e.ID, err)
		}
		out = append(out, string(prev))
	}
	return out, nil
}

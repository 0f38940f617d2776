package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/config"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/obs"
	"github.com/konstruct/konstruct/api/ratelimit"
	"github.com/konstruct/konstruct/api/store"
	"github.com/konstruct/konstruct/api/tenants"
	"github.com/konstruct/konstruct/api/validate"
)

// User is a person who signs in to the portal.
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID              uuid.UUID `bun:"id,pk"`
	Email           string    `bun:"email"`
	Name            string    `bun:"name"`
	PasswordHash    string    `bun:"password_hash"`
	IsPlatformAdmin bool      `bun:"is_platform_admin"`
	CreatedAt       time.Time `bun:"created_at,nullzero,default:now()"`
	UpdatedAt       time.Time `bun:"updated_at,nullzero,default:now()"`
}

type sessionRow struct {
	bun.BaseModel `bun:"table:sessions"`

	ID        uuid.UUID  `bun:"id,pk"`
	UserID    uuid.UUID  `bun:"user_id"`
	ExpiresAt time.Time  `bun:"expires_at"`
	RevokedAt *time.Time `bun:"revoked_at"`
	IP        string     `bun:"ip"`
	UserAgent string     `bun:"user_agent"`
}

// Service signs people up and in, and resolves credentials to principals.
type Service struct {
	store   *store.Store
	tenants *tenants.Service
	limiter *ratelimit.Limiter
	signer  signer

	maxFailures int
	secure      bool
	origins     map[string]bool
	now         func() time.Time
}

// Opts configures a Service.
type Opts struct {
	Keys           []config.SigningKey
	TTL            time.Duration
	PublicURL      string // issuer and the origin allowed to write with a cookie
	AllowedOrigins []string
	MaxFailures    int
}

// NewService returns a Service.
func NewService(s *store.Store, t *tenants.Service, l *ratelimit.Limiter, opts Opts) *Service {
	origins := map[string]bool{originOf(opts.PublicURL): true}
	for _, o := range opts.AllowedOrigins {
		origins[strings.TrimRight(o, "/")] = true
	}
	return &Service{
		store: s, tenants: t, limiter: l,
		signer:      signer{keys: opts.Keys, issuer: originOf(opts.PublicURL), ttl: opts.TTL},
		maxFailures: max(opts.MaxFailures, 1),
		secure:      strings.HasPrefix(opts.PublicURL, "https://"),
		origins:     origins,
		now:         time.Now,
	}
}

// SignUpInput is a new account.
type SignUpInput struct {
	Email      string `json:"email" validate:"required,email,max=254"`
	Password   string `json:"password" validate:"required,min=10,max=200"`
	Name       string `json:"name" validate:"required,min=1,max=100,printable"`
	TenantName string `json:"tenant_name" validate:"omitempty,min=1,max=100,printable"`
}

// Session is a signed-in user with the cookie value that proves it.
type Session struct {
	User      *User
	Token     string
	ExpiresAt time.Time
}

// CreateUser makes a user with a first tenant (they own it) and accepts their
// pending invitations. It is sign-up without the session, used by the CLI and
// by `konstruct dev` on first run.
func (s *Service) CreateUser(ctx context.Context, in SignUpInput, platformAdmin bool) (*User, *tenants.Tenant, error) {
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.Name = strings.TrimSpace(in.Name)
	in.TenantName = strings.TrimSpace(in.TenantName)
	if err := validate.Struct(in, "body"); err != nil {
		return nil, nil, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, nil, err
	}
	u := &User{ID: uuid.Must(uuid.NewV7()), Email: in.Email, Name: in.Name, PasswordHash: hash, IsPlatformAdmin: platformAdmin}
	tenantName := in.TenantName
	if tenantName == "" {
		tenantName = in.Name
	}
	var t *tenants.Tenant
	// The new user acts in their new tenant: the audit trail names them.
	actx := access.WithPrincipal(ctx, &access.Principal{UserID: u.ID, Email: u.Email, Name: u.Name})
	err = s.store.WithTenant(actx, uuid.Must(uuid.NewV7()), func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.NewInsert().Model(u).Returning("created_at, updated_at").Exec(ctx); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return errs.E(errs.Conflict, "An account with this email already exists; sign in instead.")
			}
			return err
		}
		if t, err = s.tenants.CreateInTx(ctx, tx, tenantName, u.ID); err != nil {
			return err
		}
		var joined []uuid.UUID
		return tx.NewRaw("SELECT accept_invitations(?, ?)", u.ID, u.Email).Scan(ctx, &joined)
	})
	if err != nil {
		return nil, nil, err
	}
	return u, t, nil
}

// SignUp creates an account and signs it in.
func (s *Service) SignUp(ctx context.Context, in SignUpInput) (*Session, error) {
	u, _, err := s.CreateUser(ctx, in, false)
	if err != nil {
		return nil, err
	}
	return s.startSession(ctx, u)
}

// throttle keys and window for failed sign-ins.
const signinWindow = 15 * time.Minute

func accountKey(email string) string { return "signin:account:" + email }
func addressKey(ip string) string    { return "signin:address:" + ip }

// SignIn checks a password. Failures are counted per account and per client
// address; past the limit, sign-in answers 429 without checking the password
// (so a locked account cannot be brute-forced or used to burn CPU).
func (s *Service) SignIn(ctx context.Context, email, password string) (*Session, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	ip := obs.ClientIP(ctx)
	for _, lim := range []struct {
		key   string
		limit int
	}{{accountKey(email), s.maxFailures}, {addressKey(ip), s.maxFailures * 4}} {
		r, err := s.limiter.Peek(ctx, lim.key, lim.limit, signinWindow)
		if err != nil {
			return nil, err
		}
		if !r.Allowed {
			return nil, &errs.Error{Kind: errs.RateLimited, RetryAfter: r.Reset,
				Message: fmt.Sprintf("Too many failed sign-ins; try again in %d minutes.", int(r.Reset.Minutes())+1)}
		}
	}

	u := &User{}
	err := s.store.DB.NewSelect().Model(u).Where("email = ?", email).Scan(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	found := err == nil
	hash := dummyHash
	if found {
		hash = u.PasswordHash
	}
	ok, err := CheckPassword(hash, password)
	if err != nil {
		return nil, err
	}
	if !found || !ok {
		for _, key := range []string{accountKey(email), addressKey(ip)} {
			if _, err := s.limiter.Hit(ctx, key, 0, signinWindow); err != nil {
				return nil, err
			}
		}
		if found {
			_ = audit.ForUser(ctx, s.store.DB, u.ID, u.Email, audit.Event{Action: "user.signin_failed",
				Metadata: map[string]any{"ip": ip}})
		}
		return nil, errs.E(errs.Unauthorized, "The email or password is not right.")
	}
	_ = s.limiter.Clear(ctx, accountKey(email))
	sess, err := s.startSession(ctx, u)
	if err != nil {
		return nil, err
	}
	if err := audit.ForUser(ctx, s.store.DB, u.ID, u.Email, audit.Event{Action: "user.signed_in",
		Metadata: map[string]any{"ip": ip, "user_agent": obs.UserAgent(ctx)}}); err != nil {
		return nil, err
	}
	return sess, nil
}

func (s *Service) startSession(ctx context.Context, u *User) (*Session, error) {
	now := s.now()
	row := &sessionRow{ID: uuid.Must(uuid.NewV7()), UserID: u.ID, ExpiresAt: now.Add(s.signer.ttl),
		IP: obs.ClientIP(ctx), UserAgent: truncate(obs.UserAgent(ctx), 300)}
	token, exp, err := s.signer.issue(u.ID, row.ID, now)
	if err != nil {
		return nil, err
	}
	row.ExpiresAt = exp
	if _, err := s.store.DB.NewInsert().Model(row).Exec(ctx); err != nil {
		return nil, err
	}
	return &Session{User: u, Token: token, ExpiresAt: exp}, nil
}

// SignOut revokes the caller's session, if they have one.
func (s *Service) SignOut(ctx context.Context) error {
	p, ok := access.From(ctx)
	if !ok || p.SessionID == uuid.Nil {
		return nil
	}
	_, err := s.store.DB.NewUpdate().Model((*sessionRow)(nil)).Set("revoked_at = now()").
		Where("id = ? AND revoked_at IS NULL", p.SessionID).Exec(ctx)
	return err
}

// GetUser loads a user.
func (s *Service) GetUser(ctx context.Context, id uuid.UUID) (*User, error) {
	u := &User{}
	err := s.store.DB.NewSelect().Model(u).Where("id = ?", id).Scan(ctx)
	return u, err
}

// userBySession resolves a session cookie's ids to its live user.
func (s *Service) userBySession(ctx context.Context, userID, sessionID uuid.UUID) (*User, error) {
	u := &User{}
	err := s.store.DB.NewSelect().Model(u).
		Where("id = ?", userID).
		Where("EXISTS (SELECT 1 FROM sessions s WHERE s.id = ? AND s.user_id = ? AND s.revoked_at IS NULL AND s.expires_at > now())", sessionID, userID).
		Scan(ctx)
	return u, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

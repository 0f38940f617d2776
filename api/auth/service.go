package auth

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
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
	log     *slog.Logger

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
	Log            *slog.Logger
}

// NewService returns a Service.
func NewService(s *store.Store, t *tenants.Service, l *ratelimit.Limiter, opts Opts) *Service {
	origins := map[string]bool{originOf(opts.PublicURL): true}
	for _, o := range opts.AllowedOrigins {
		origins[strings.TrimRight(o, "/")] = true
	}
	return &Service{
		store: s, tenants: t, limiter: l, log: cmp.Or(opts.Log, slog.Default()),
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

// CreateUser makes a user with a first tenant (they own it). It is sign-up
// without the session, used by the CLI and by `konstruct dev` on first run.
// Invitations are not accepted here: each one is accepted by its link.
func (s *Service) CreateUser(ctx context.Context, in SignUpInput, platformAdmin bool) (*User, *tenants.Tenant, error) {
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.Name = strings.TrimSpace(in.Name)
	in.TenantName = strings.TrimSpace(in.TenantName)
	if err := validate.Struct(in, "body"); err != nil {
		return nil, nil, err
	}
	if err := CheckPasswordStrength(in.Password, in.Email, in.Name); err != nil {
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
		if err := actAs(ctx, tx, u.ID); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(u).Returning("created_at, updated_at").Exec(ctx); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return errs.E(errs.Conflict, "An account with this email already exists; sign in instead.")
			}
			return err
		}
		t, err = s.tenants.CreateInTx(ctx, tx, tenantName, u.ID)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return u, t, nil
}

// actAs sets the transaction's user (app.current_user): users and sessions
// rows are visible and writable only for that user.
func actAs(ctx context.Context, db bun.IDB, userID uuid.UUID) error {
	_, err := db.ExecContext(ctx, "SELECT set_config('app.current_user', ?, true)", userID.String())
	return err
}

// asUser runs fn in a transaction acting as userID.
func (s *Service) asUser(ctx context.Context, userID uuid.UUID, fn func(ctx context.Context, tx bun.Tx) error) error {
	return s.store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := actAs(ctx, tx, userID); err != nil {
			return err
		}
		return fn(ctx, tx)
	})
}

// SignUp creates an account and signs it in.
func (s *Service) SignUp(ctx context.Context, in SignUpInput) (*Session, error) {
	u, _, err := s.CreateUser(ctx, in, false)
	if err != nil {
		return nil, err
	}
	return s.startSession(ctx, u)
}

// SignIn checks a password. An account is throttled per client address (see
// throttle.go), so an attacker elsewhere never locks its owner out; past the
// limit the answer is 429 without checking the password, so a throttled
// account can be neither brute-forced nor used to burn CPU.
func (s *Service) SignIn(ctx context.Context, email, password string) (*Session, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	ip := obs.ClientIP(ctx)
	if err := s.signinAllowed(ctx, email, ip); err != nil {
		return nil, err
	}

	var creds struct {
		ID           uuid.UUID `bun:"id"`
		PasswordHash string    `bun:"password_hash"`
	}
	err := s.store.DB.NewRaw("SELECT * FROM signin_credentials(?)", email).Scan(ctx, &creds)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	found := err == nil
	hash := dummyHash
	if found {
		hash = creds.PasswordHash
	}
	ok, err := CheckPassword(hash, password)
	if err != nil {
		return nil, err
	}
	if !found || !ok {
		if err := s.signinFailed(ctx, email, ip); err != nil {
			return nil, err
		}
		if found {
			s.auditUser(ctx, creds.ID, email, audit.Event{Action: "user.signin_failed", Metadata: map[string]any{"ip": ip}})
		}
		return nil, errs.E(errs.Unauthorized, "The email or password is not right.")
	}
	if err := s.signinSucceeded(ctx, email, ip); err != nil {
		return nil, err
	}
	u, err := s.GetUser(ctx, creds.ID)
	if err != nil {
		return nil, err
	}
	sess, err := s.startSession(ctx, u)
	if err != nil {
		return nil, err
	}
	s.auditUser(ctx, u.ID, u.Email, audit.Event{Action: "user.signed_in",
		Metadata: map[string]any{"ip": ip, "user_agent": obs.UserAgent(ctx)}})
	return sess, nil
}

// auditUser writes an event about a user into each tenant they belong to,
// each in that tenant's own transaction (a sign-in belongs to no one
// tenant). Failures are logged: the sign-in itself stands.
func (s *Service) auditUser(ctx context.Context, userID uuid.UUID, email string, e audit.Event) {
	ms, err := s.tenants.Memberships(ctx, &access.Principal{UserID: userID})
	if err == nil {
		actx := access.WithPrincipal(ctx, &access.Principal{UserID: userID, Email: email})
		e.TargetType, e.TargetID = "user", userID.String()
		for _, m := range ms {
			if err = s.store.WithTenant(actx, m.TenantID, func(ctx context.Context, tx store.Tx) error {
				return audit.Record(ctx, tx, e)
			}); err != nil {
				break
			}
		}
	}
	if err != nil {
		s.log.WarnContext(ctx, "audit of a sign-in failed", "action", e.Action, "err", err)
	}
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
	err = s.asUser(ctx, u.ID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(row).Exec(ctx)
		return err
	})
	if err != nil {
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
	return s.asUser(ctx, p.UserID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*sessionRow)(nil)).Set("revoked_at = now()").
			Where("id = ? AND revoked_at IS NULL", p.SessionID).Exec(ctx)
		return err
	})
}

// GetUser loads a user (never their password hash, which the application
// role cannot read).
func (s *Service) GetUser(ctx context.Context, id uuid.UUID) (*User, error) {
	u := &User{}
	err := s.asUser(ctx, id, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(u).ExcludeColumn("password_hash").Where("id = ?", id).Scan(ctx)
	})
	return u, err
}

// userBySession resolves a session cookie's ids to its live user.
func (s *Service) userBySession(ctx context.Context, userID, sessionID uuid.UUID) (*User, error) {
	u := &User{}
	err := s.store.DB.NewRaw("SELECT * FROM authenticate_session(?, ?)", userID, sessionID).Scan(ctx, u)
	return u, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

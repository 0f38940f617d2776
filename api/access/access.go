// Package access owns who the caller is (the Principal resolved by the auth
// middleware) and what they may do in a tenant (Guard.Tenant). Every
// tenant-scoped handler calls Guard.Tenant first; a caller who is not a member
// gets 404 so a tenant's existence is never revealed.
package access

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/obs"
	"github.com/konstruct/konstruct/api/store"
)

// Role is a member's or token's role in a tenant.
type Role string

const (
	RoleMember Role = "member"
	RoleAdmin  Role = "admin"
	RoleOwner  Role = "owner"
)

var rank = map[Role]int{RoleMember: 1, RoleAdmin: 2, RoleOwner: 3}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return rank[r] > 0 }

// AtLeast reports whether r grants what need grants.
func (r Role) AtLeast(need Role) bool { return rank[r] >= rank[need] }

// Least is the lower of two roles.
func Least(a, b Role) Role {
	if rank[a] <= rank[b] {
		return a
	}
	return b
}

// Token is the identity of an API token principal.
type Token struct {
	ID       uuid.UUID
	TenantID uuid.UUID
	Name     string
	// Role is what the token may do now: its own role, capped by the current
	// role of the member who created it.
	Role Role
	// CreatedBy is the member whose membership the token acts under.
	CreatedBy uuid.UUID
}

// Principal is the authenticated caller: a signed-in user or an API token.
type Principal struct {
	UserID        uuid.UUID
	Email         string
	Name          string
	PlatformAdmin bool
	SessionID     uuid.UUID
	Token         *Token // set for API tokens; then UserID is zero
	ViaCookie     bool
}

// ActorType is how the audit trail names this kind of caller.
func (p *Principal) ActorType() string {
	if p.Token != nil {
		return "token"
	}
	return "user"
}

// ActorID is the user or token id.
func (p *Principal) ActorID() string {
	if p.Token != nil {
		return p.Token.ID.String()
	}
	return p.UserID.String()
}

// ActorLabel is the human-readable name at the time of the action.
func (p *Principal) ActorLabel() string {
	if p.Token != nil {
		return "token " + p.Token.Name
	}
	return p.Email
}

// Key identifies the caller for rate limits and idempotency records.
func (p *Principal) Key() string { return p.ActorType() + ":" + p.ActorID() }

type principalKey struct{}

// WithPrincipal stores the caller in the context.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// From returns the caller, if authenticated.
func From(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok && p != nil
}

// Require returns the caller or a 401.
func Require(ctx context.Context) (*Principal, error) {
	if p, ok := From(ctx); ok {
		return p, nil
	}
	return nil, ErrUnauthenticated
}

// ErrUnauthenticated is returned when a route needs a caller and has none.
var ErrUnauthenticated = errs.E(errs.Unauthorized, "Sign in or send an API token.")

// Grant is a caller's standing in one tenant.
type Grant struct {
	TenantID  uuid.UUID
	Role      Role
	Principal *Principal
}

// Guard answers "may this caller do this in that tenant?".
type Guard struct{ store *store.Store }

// NewGuard returns a Guard over the store.
func NewGuard(s *store.Store) *Guard { return &Guard{store: s} }

// Tenant checks that the caller belongs to tenantID with at least role need.
// Non-members get 404 (not 403) so probing reveals nothing.
func (g *Guard) Tenant(ctx context.Context, tenantID uuid.UUID, need Role) (Grant, error) {
	p, err := Require(ctx)
	if err != nil {
		return Grant{}, err
	}
	var role Role
	if p.Token != nil {
		if p.Token.TenantID != tenantID {
			return Grant{}, errTenantNotFound
		}
		role = p.Token.Role
	} else {
		var r sql.NullString
		if err := g.store.DB.QueryRowContext(ctx, "SELECT membership_role(?, ?)", tenantID, p.UserID).Scan(&r); err != nil {
			return Grant{}, fmt.Errorf("access: membership: %w", err)
		}
		if !r.Valid {
			return Grant{}, errTenantNotFound
		}
		role = Role(r.String)
	}
	obs.SetTenant(ctx, tenantID.String())
	if !role.AtLeast(need) {
		return Grant{}, errs.E(errs.Forbidden, "This needs the %s role or higher; you are %s.", need, role)
	}
	return Grant{TenantID: tenantID, Role: role, Principal: p}, nil
}

var errTenantNotFound = errs.NotFoundf("tenant not found")

// IsNotFound reports whether err is Guard's "not a member" answer.
func IsNotFound(err error) bool { return errors.Is(err, errTenantNotFound) }

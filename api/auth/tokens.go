package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/paging"
	"github.com/konstruct/konstruct/api/store"
	"github.com/konstruct/konstruct/api/validate"
)

// TokenPrefix starts every API token, so leaked tokens are recognisable (and
// secret scanners can be taught the pattern).
const TokenPrefix = "kst_"

// APIToken is an integrator credential of one tenant.
type APIToken struct {
	bun.BaseModel `bun:"table:api_tokens"`

	ID        uuid.UUID   `bun:"id,pk"`
	TenantID  uuid.UUID   `bun:"tenant_id"`
	Name      string      `bun:"name"`
	Prefix    string      `bun:"prefix"`
	TokenHash []byte      `bun:"token_hash"`
	Role      access.Role `bun:"role"`
	CreatedBy *uuid.UUID  `bun:"created_by"`
	CreatedAt time.Time   `bun:"created_at,nullzero,default:now()"`
	// The creator's email and name, read with the list (empty once they
	// have left the tenant).
	CreatorEmail string     `bun:"creator_email,scanonly"`
	CreatorName  string     `bun:"creator_name,scanonly"`
	LastUsedAt   *time.Time `bun:"last_used_at"`
	ExpiresAt    *time.Time `bun:"expires_at"`
	RevokedAt    *time.Time `bun:"revoked_at"`
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newSecret returns kst_ followed by 40 base62 characters (238 bits).
func newSecret() string {
	var b strings.Builder
	b.WriteString(TokenPrefix)
	n := big.NewInt(int64(len(base62)))
	for range 40 {
		i, _ := rand.Int(rand.Reader, n)
		b.WriteByte(base62[i.Int64()])
	}
	return b.String()
}

// hashToken is SHA-256: the secret has 238 bits of entropy, so a slow hash
// adds nothing and a fast one keeps every API request cheap.
func hashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// TokenInput is a new token.
type TokenInput struct {
	Name      string      `json:"name" validate:"required,min=1,max=100,printable"`
	Role      access.Role `json:"role" validate:"required,oneof=owner admin member"`
	ExpiresAt *time.Time  `json:"expires_at"`
}

// CreateToken makes a token (owners and admins, no higher than their own
// role) and returns it with its secret, which is never available again. The
// token acts under its creator's membership: a token made with a token
// inherits that token's creator, so no token is without a member behind it.
func (s *Service) CreateToken(ctx context.Context, tenantID uuid.UUID, guard *access.Guard, in TokenInput) (*APIToken, string, error) {
	g, err := guard.Tenant(ctx, tenantID, access.RoleAdmin)
	if err != nil {
		return nil, "", err
	}
	in.Name = strings.TrimSpace(in.Name)
	if err := validate.Struct(in, "body"); err != nil {
		return nil, "", err
	}
	if !g.Role.AtLeast(in.Role) {
		return nil, "", errs.E(errs.Forbidden, "You cannot create a token with a higher role (%s) than your own (%s).", in.Role, g.Role)
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(s.now()) {
		return nil, "", errs.Field("body.expires_at", "must be in the future")
	}
	creator := g.Principal.UserID
	if g.Principal.Token != nil {
		creator = g.Principal.Token.CreatedBy
	}
	secret := newSecret()
	t := &APIToken{ID: uuid.Must(uuid.NewV7()), TenantID: tenantID, Name: in.Name, Prefix: secret[:len(TokenPrefix)+8],
		TokenHash: hashToken(secret), Role: in.Role, ExpiresAt: in.ExpiresAt, CreatedBy: &creator}
	err = s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.NewInsert().Model(t).Returning("created_at").Exec(ctx); err != nil {
			return err
		}
		if err := tx.NewRaw("SELECT email, name FROM users WHERE id = ?", creator).Scan(ctx, &t.CreatorEmail, &t.CreatorName); err != nil {
			return fmt.Errorf("token creator: %w", err)
		}
		return audit.Record(ctx, tx, audit.Event{Action: "api_token.created", TargetType: "api_token", TargetID: t.ID.String(),
			Metadata: map[string]any{"name": t.Name, "role": t.Role, "prefix": t.Prefix,
				"created_by": creator.String(), "created_by_email": t.CreatorEmail}})
	})
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// tokensWithCreator selects tokens with their creator's email and name.
func tokensWithCreator(tx store.Tx, ts *[]APIToken) *bun.SelectQuery {
	return tx.NewSelect().Model(ts).ColumnExpr("api_token.*").
		ColumnExpr("coalesce(u.email, '') AS creator_email, coalesce(u.name, '') AS creator_name").
		Join("LEFT JOIN users AS u ON u.id = api_token.created_by")
}

// ListTokens returns a page of a tenant's tokens, oldest first (owners and admins).
func (s *Service) ListTokens(ctx context.Context, tenantID uuid.UUID, guard *access.Guard, page paging.Page) ([]APIToken, *string, error) {
	if _, err := guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, nil, err
	}
	var ts []APIToken
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		q := tokensWithCreator(tx, &ts).OrderExpr("api_token.created_at, api_token.id").Limit(int64(page.Limit + 1))
		if page.After != nil {
			q.Where("(api_token.created_at, api_token.id) > (?, ?)", page.After.At, page.After.ID)
		}
		return q.Scan(ctx)
	})
	if err != nil {
		return nil, nil, err
	}
	ts, next := paging.Trim(ts, page.Limit, func(t APIToken) (time.Time, uuid.UUID) { return t.CreatedAt, t.ID })
	return ts, next, nil
}

// RevokeToken stops a token at once (owners and admins). The rule is the
// members' rule: only owners revoke owner tokens, as only owners remove
// owners. Revoking a revoked token is a no-op.
func (s *Service) RevokeToken(ctx context.Context, tenantID, tokenID uuid.UUID, guard *access.Guard) error {
	g, err := guard.Tenant(ctx, tenantID, access.RoleAdmin)
	if err != nil {
		return err
	}
	return s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		var t APIToken
		if err := tx.NewSelect().Model(&t).Where("id = ?", tokenID).For("UPDATE").Scan(ctx); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return errs.NotFoundf("API token not found")
			}
			return err
		}
		if t.Role == access.RoleOwner && g.Role != access.RoleOwner {
			return errs.E(errs.Forbidden, "Only owners can revoke an owner token.")
		}
		if t.RevokedAt != nil {
			return nil
		}
		if _, err := tx.NewUpdate().Model(&t).Set("revoked_at = now()").WherePK().Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "api_token.revoked", TargetType: "api_token", TargetID: t.ID.String(),
			Metadata: map[string]any{"name": t.Name, "prefix": t.Prefix}})
	})
}

var errBadToken = errs.E(errs.Unauthorized, "The API token is not valid.")

// tokenPrincipal authenticates a bearer token. The token acts with the
// lower of its own role and its creator's current role in the tenant, and
// not at all once its creator is no longer a member: a token never outlives
// or outranks the membership that made it.
func (s *Service) tokenPrincipal(ctx context.Context, secret string) (*access.Principal, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 100 {
		return nil, errBadToken
	}
	var row struct {
		ID          uuid.UUID   `bun:"id"`
		TenantID    uuid.UUID   `bun:"tenant_id"`
		Name        string      `bun:"name"`
		Role        access.Role `bun:"role"`
		ExpiresAt   *time.Time  `bun:"expires_at"`
		RevokedAt   *time.Time  `bun:"revoked_at"`
		CreatedBy   *uuid.UUID  `bun:"created_by"`
		CreatorRole *string     `bun:"creator_role"`
	}
	err := s.store.DB.NewRaw("SELECT * FROM authenticate_api_token(?)", hashToken(secret)).Scan(ctx, &row)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, errBadToken
	case err != nil:
		return nil, err
	case row.RevokedAt != nil:
		return nil, errs.E(errs.Unauthorized, "The API token has been revoked.")
	case row.ExpiresAt != nil && !row.ExpiresAt.After(s.now()):
		return nil, errs.E(errs.Unauthorized, "The API token has expired.")
	case row.CreatedBy == nil || row.CreatorRole == nil:
		return nil, errs.E(errs.Unauthorized, "The API token's creator is no longer a member of its workspace, so the token no longer works.")
	}
	role := access.Least(row.Role, access.Role(*row.CreatorRole))
	return &access.Principal{Token: &access.Token{ID: row.ID, TenantID: row.TenantID, Name: row.Name, Role: role, CreatedBy: *row.CreatedBy}}, nil
}

// RevokeCreatedBy revokes, inside a tenant transaction, every live token a
// member created: the tenants service calls it when the member leaves or is
// removed, so their tokens die with their membership.
func RevokeCreatedBy(ctx context.Context, tx store.Tx, userID uuid.UUID) (int, error) {
	var ids []uuid.UUID
	err := tx.NewRaw("UPDATE api_tokens SET revoked_at = now() WHERE created_by = ? AND revoked_at IS NULL RETURNING id", userID).Scan(ctx, &ids)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return 0, err
	}
	for _, id := range ids {
		if err := audit.Record(ctx, tx, audit.Event{Action: "api_token.revoked", TargetType: "api_token", TargetID: id.String(),
			Metadata: map[string]any{"reason": "creator_left"}}); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

func (s *Service) tokenByID(ctx context.Context, tenantID, id uuid.UUID) (*APIToken, error) {
	t := &APIToken{}
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		var ts []APIToken
		if err := tokensWithCreator(tx, &ts).Where("api_token.id = ?", id).Scan(ctx); err != nil {
			return err
		}
		if len(ts) == 0 {
			return store.ErrNotFound
		}
		*t = ts[0]
		return nil
	})
	return t, err
}

package tenants

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/paging"
	"github.com/konstruct/konstruct/api/store"
)

// Tenant is a customer workspace.
type Tenant struct {
	bun.BaseModel `bun:"table:tenants"`

	ID             uuid.UUID `bun:"id,pk"`
	Name           string    `bun:"name"`
	BudgetLimitUSD *float64  `bun:"budget_limit_usd"`
	CreatedAt      time.Time `bun:"created_at,nullzero,default:now()"`
	UpdatedAt      time.Time `bun:"updated_at,nullzero,default:now()"`
}

// Membership is one of a user's tenants, with the tenant itself.
type Membership struct {
	TenantID        uuid.UUID   `bun:"tenant_id"`
	TenantName      string      `bun:"tenant_name"`
	Role            access.Role `bun:"role"`
	CreatedAt       time.Time   `bun:"created_at"`
	BudgetLimitUSD  *float64    `bun:"budget_limit_usd"`
	TenantCreatedAt time.Time   `bun:"tenant_created_at"`
	TenantUpdatedAt time.Time   `bun:"tenant_updated_at"`
}

// Tenant returns the membership's tenant.
func (m Membership) Tenant() *Tenant {
	return &Tenant{ID: m.TenantID, Name: m.TenantName, BudgetLimitUSD: m.BudgetLimitUSD, CreatedAt: m.TenantCreatedAt, UpdatedAt: m.TenantUpdatedAt}
}

type membershipRow struct {
	bun.BaseModel `bun:"table:memberships"`

	TenantID uuid.UUID   `bun:"tenant_id,pk"`
	UserID   uuid.UUID   `bun:"user_id,pk"`
	Role     access.Role `bun:"role"`
}

// Service manages tenants and members.
type Service struct {
	store      *store.Store
	guard      *access.Guard
	invites    InvitationOpts
	memberLeft func(ctx context.Context, tx store.Tx, userID uuid.UUID) error
}

// NewService returns a Service.
func NewService(s *store.Store, g *access.Guard) *Service { return &Service{store: s, guard: g} }

// CreateInTx creates a tenant owned by ownerID inside tx, whose tenant must
// be the new tenant's id (sign-up creates the user in the same transaction).
func (s *Service) CreateInTx(ctx context.Context, tx store.Tx, name string, ownerID uuid.UUID) (*Tenant, error) {
	t := &Tenant{ID: tx.TenantID, Name: strings.TrimSpace(name)}
	if _, err := tx.NewInsert().Model(t).Returning("*").Exec(ctx); err != nil {
		return nil, fmt.Errorf("insert tenant: %w", err)
	}
	if _, err := tx.NewInsert().Model(&membershipRow{TenantID: t.ID, UserID: ownerID, Role: access.RoleOwner}).Exec(ctx); err != nil {
		return nil, fmt.Errorf("insert owner membership: %w", err)
	}
	return t, audit.Record(ctx, tx, audit.Event{Action: "tenant.created", TargetType: "tenant", TargetID: t.ID.String(),
		Metadata: map[string]any{"name": t.Name}})
}

// Create makes a new tenant with the signed-in caller as owner.
func (s *Service) Create(ctx context.Context, name string) (*Tenant, error) {
	p, err := access.Require(ctx)
	if err != nil {
		return nil, err
	}
	if p.Token != nil {
		return nil, errs.E(errs.Forbidden, "API tokens belong to one tenant and cannot create tenants; sign in as a user.")
	}
	var t *Tenant
	err = s.store.WithTenant(ctx, uuid.Must(uuid.NewV7()), func(ctx context.Context, tx store.Tx) error {
		t, err = s.CreateInTx(ctx, tx, name, p.UserID)
		return err
	})
	return t, err
}

// Get returns a tenant the caller belongs to, with the caller's role.
func (s *Service) Get(ctx context.Context, tenantID uuid.UUID) (*Tenant, access.Role, error) {
	g, err := s.guard.Tenant(ctx, tenantID, access.RoleMember)
	if err != nil {
		return nil, "", err
	}
	t := &Tenant{}
	err = s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		return tx.NewSelect().Model(t).Where("id = ?", tenantID).Scan(ctx)
	})
	return t, g.Role, err
}

// Update is a partial change; a nil field is left alone. ClearBudget sets
// the budget to "no limit".
type Update struct {
	Name        *string
	Budget      *float64
	ClearBudget bool
}

// Update changes a tenant (owners and admins).
func (s *Service) Update(ctx context.Context, tenantID uuid.UUID, u Update) (*Tenant, access.Role, error) {
	g, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin)
	if err != nil {
		return nil, "", err
	}
	t := &Tenant{}
	err = s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		q := tx.NewUpdate().Model(t).Where("id = ?", tenantID).Returning("*")
		changed := map[string]any{}
		if u.Name != nil {
			name := strings.TrimSpace(*u.Name)
			if name == "" {
				return errs.Field("body.name", "must not be blank")
			}
			q.Set("name = ?", name)
			changed["name"] = name
		}
		switch {
		case u.ClearBudget:
			q.Set("budget_limit_usd = NULL")
			changed["budget_limit_usd"] = nil
		case u.Budget != nil:
			q.Set("budget_limit_usd = ?", *u.Budget)
			changed["budget_limit_usd"] = *u.Budget
		}
		if len(changed) == 0 {
			return tx.NewSelect().Model(t).Where("id = ?", tenantID).Scan(ctx)
		}
		if _, err := q.Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "tenant.updated", TargetType: "tenant", TargetID: tenantID.String(), Metadata: changed})
	})
	return t, g.Role, err
}

// ListMine returns the tenants of the caller: a user's memberships, or a
// token's single tenant.
func (s *Service) ListMine(ctx context.Context, page paging.Page) ([]Membership, *string, error) {
	p, err := access.Require(ctx)
	if err != nil {
		return nil, nil, err
	}
	ms, err := s.Memberships(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	if page.After != nil {
		i := 0
		for i < len(ms) && !after(ms[i], page.After) {
			i++
		}
		ms = ms[i:]
	}
	if len(ms) > page.Limit+1 {
		ms = ms[:page.Limit+1]
	}
	ms, next := paging.Trim(ms, page.Limit, func(m Membership) (time.Time, uuid.UUID) { return m.CreatedAt, m.TenantID })
	return ms, next, nil
}

func after(m Membership, c *paging.Cursor) bool {
	return m.CreatedAt.After(c.At) || (m.CreatedAt.Equal(c.At) && strings.Compare(m.TenantID.String(), c.ID.String()) > 0)
}

// Memberships lists every tenant the principal may act in.
func (s *Service) Memberships(ctx context.Context, p *access.Principal) ([]Membership, error) {
	if p.Token != nil {
		var ms []Membership
		err := s.store.WithTenant(ctx, p.Token.TenantID, func(ctx context.Context, tx store.Tx) error {
			var t Tenant
			if err := tx.NewSelect().Model(&t).Where("id = ?", p.Token.TenantID).Scan(ctx); err != nil {
				return err
			}
			ms = []Membership{{TenantID: t.ID, TenantName: t.Name, Role: p.Token.Role, CreatedAt: t.CreatedAt,
				BudgetLimitUSD: t.BudgetLimitUSD, TenantCreatedAt: t.CreatedAt, TenantUpdatedAt: t.UpdatedAt}}
			return nil
		})
		return ms, err
	}
	var ms []Membership
	err := s.store.DB.NewRaw("SELECT * FROM user_memberships(?)", p.UserID).Scan(ctx, &ms)
	return ms, err
}

// ListAll returns every tenant of the platform (platform administrators).
func (s *Service) ListAll(ctx context.Context, page paging.Page) ([]Tenant, *string, error) {
	p, err := access.Require(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !p.PlatformAdmin {
		return nil, nil, errs.E(errs.Forbidden, "Only platform administrators may list every tenant.")
	}
	var at time.Time
	var id *uuid.UUID
	if page.After != nil {
		at, id = page.After.At, &page.After.ID
	}
	var ts []Tenant
	err = s.store.DB.NewRaw("SELECT * FROM platform_tenants(?, ?, ?)", at, id, page.Limit+1).Scan(ctx, &ts)
	if err != nil {
		return nil, nil, err
	}
	ts, next := paging.Trim(ts, page.Limit, func(t Tenant) (time.Time, uuid.UUID) { return t.CreatedAt, t.ID })
	return ts, next, nil
}

// isNoRows is sql.ErrNoRows through any wrapping.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

const nameSQL = `SELECT name FROM tenants WHERE id = $1`

// Name is the tenant's name (what an agent's prompt calls the business).
func Name(ctx context.Context, tx store.Tx) (string, error) {
	var b store.Batch
	var name string
	QueueName(&b, tx.TenantID, &name)
	return name, tx.Send(ctx, &b)
}

// QueueName queues reading the tenant's name into *into, for a caller that
// sends it with other reads in one round trip.
func QueueName(b *store.Batch, tenantID uuid.UUID, into *string) {
	b.Queue(nameSQL, tenantID).QueryRow(func(row pgx.Row) error { return row.Scan(into) })
}

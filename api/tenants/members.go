package tenants

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
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/paging"
	"github.com/konstruct/konstruct/api/store"
)

// Member is an active member or a pending invitation.
type Member struct {
	ID        uuid.UUID   `bun:"id"` // user id, or invitation id while invited
	Email     string      `bun:"email"`
	Name      string      `bun:"name"`
	Role      access.Role `bun:"role"`
	Status    string      `bun:"status"` // "active" or "invited"
	CreatedAt time.Time   `bun:"created_at"`
}

type invitationRow struct {
	bun.BaseModel `bun:"table:invitations"`

	ID        uuid.UUID   `bun:"id,pk"`
	TenantID  uuid.UUID   `bun:"tenant_id"`
	Email     string      `bun:"email"`
	Role      access.Role `bun:"role"`
	InvitedBy *uuid.UUID  `bun:"invited_by"`
	CreatedAt time.Time   `bun:"created_at,nullzero,default:now()"`
}

const membersSQL = `SELECT * FROM (
	SELECT m.user_id AS id, u.email, u.name, m.role, 'active' AS status, m.created_at
	  FROM memberships m JOIN users u ON u.id = m.user_id
	UNION ALL
	SELECT i.id, i.email, '' AS name, i.role, 'invited' AS status, i.created_at FROM invitations i
) members`

// ListMembers returns a page of members and invitations, oldest first.
func (s *Service) ListMembers(ctx context.Context, tenantID uuid.UUID, page paging.Page) ([]Member, *string, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleMember); err != nil {
		return nil, nil, err
	}
	var ms []Member
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		q := membersSQL
		args := []any{}
		if page.After != nil {
			q += " WHERE (created_at, id) > (?, ?)"
			args = append(args, page.After.At, page.After.ID)
		}
		q += " ORDER BY created_at, id LIMIT ?"
		args = append(args, page.Limit+1)
		return tx.NewRaw(q, args...).Scan(ctx, &ms)
	})
	if err != nil {
		return nil, nil, err
	}
	ms, next := paging.Trim(ms, page.Limit, func(m Member) (time.Time, uuid.UUID) { return m.CreatedAt, m.ID })
	return ms, next, nil
}

// AddMember adds an existing user or invites an email (owners and admins).
func (s *Service) AddMember(ctx context.Context, tenantID uuid.UUID, email string, role access.Role) (*Member, error) {
	g, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin)
	if err != nil {
		return nil, err
	}
	if role == access.RoleOwner && g.Role != access.RoleOwner {
		return nil, errs.E(errs.Forbidden, "Only owners can add owners.")
	}
	email = strings.ToLower(strings.TrimSpace(email))
	var m *Member
	err = s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		var userID uuid.UUID
		var name string
		err := tx.NewRaw("SELECT id, name FROM users WHERE email = ?", email).Scan(ctx, &userID, &name)
		switch {
		case err == nil:
			row := &membershipRow{TenantID: tenantID, UserID: userID, Role: role}
			if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
				if errors.Is(err, store.ErrConflict) {
					return errs.E(errs.Conflict, "%s is already a member.", email)
				}
				return err
			}
			m = &Member{ID: userID, Email: email, Name: name, Role: role, Status: "active", CreatedAt: time.Now()}
			return audit.Record(ctx, tx, audit.Event{Action: "member.added", TargetType: "user", TargetID: userID.String(),
				Metadata: map[string]any{"email": email, "role": role}})
		case isNoRows(err):
			inv := &invitationRow{ID: uuid.Must(uuid.NewV7()), TenantID: tenantID, Email: email, Role: role}
			if g.Principal.UserID != uuid.Nil {
				inv.InvitedBy = &g.Principal.UserID
			}
			if _, err := tx.NewInsert().Model(inv).Returning("created_at").Exec(ctx); err != nil {
				if errors.Is(err, store.ErrConflict) {
					return errs.E(errs.Conflict, "%s has already been invited.", email)
				}
				return err
			}
			m = &Member{ID: inv.ID, Email: email, Role: role, Status: "invited", CreatedAt: inv.CreatedAt}
			return audit.Record(ctx, tx, audit.Event{Action: "member.invited", TargetType: "invitation", TargetID: inv.ID.String(),
				Metadata: map[string]any{"email": email, "role": role}})
		default:
			return err
		}
	})
	return m, err
}

// UpdateMember changes the role of a member or of a pending invitation.
func (s *Service) UpdateMember(ctx context.Context, tenantID, memberID uuid.UUID, role access.Role) (*Member, error) {
	g, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin)
	if err != nil {
		return nil, err
	}
	var m *Member
	err = s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		cur, err := findMember(ctx, tx, memberID)
		if err != nil {
			return err
		}
		if (cur.Role == access.RoleOwner || role == access.RoleOwner) && g.Role != access.RoleOwner {
			return errs.E(errs.Forbidden, "Only owners can grant or take away the owner role.")
		}
		if cur.Status == "invited" {
			if _, err := tx.NewUpdate().Model((*invitationRow)(nil)).Set("role = ?", role).Where("id = ?", memberID).Exec(ctx); err != nil {
				return err
			}
		} else {
			if cur.Role == access.RoleOwner && role != access.RoleOwner {
				if err := keepAnOwner(ctx, tx, memberID); err != nil {
					return err
				}
			}
			if _, err := tx.NewUpdate().Model((*membershipRow)(nil)).Set("role = ?", role).Where("user_id = ?", memberID).Exec(ctx); err != nil {
				return err
			}
		}
		cur.Role = role
		m = cur
		return audit.Record(ctx, tx, audit.Event{Action: "member.role_changed", TargetType: "user", TargetID: memberID.String(),
			Metadata: map[string]any{"email": cur.Email, "role": role}})
	})
	return m, err
}

// RemoveMember removes a member or withdraws an invitation. Anyone may
// remove themselves; otherwise owners and admins (only owners remove owners).
func (s *Service) RemoveMember(ctx context.Context, tenantID, memberID uuid.UUID) error {
	g, err := s.guard.Tenant(ctx, tenantID, access.RoleMember)
	if err != nil {
		return err
	}
	self := g.Principal.UserID == memberID
	if !self && !g.Role.AtLeast(access.RoleAdmin) {
		return errs.E(errs.Forbidden, "This needs the admin role or higher; you are %s.", g.Role)
	}
	return s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		cur, err := findMember(ctx, tx, memberID)
		if err != nil {
			return err
		}
		if cur.Role == access.RoleOwner && !self && g.Role != access.RoleOwner {
			return errs.E(errs.Forbidden, "Only owners can remove owners.")
		}
		if cur.Status == "invited" {
			_, err = tx.NewDelete().Model((*invitationRow)(nil)).Where("id = ?", memberID).Exec(ctx)
		} else {
			if cur.Role == access.RoleOwner {
				if err := keepAnOwner(ctx, tx, memberID); err != nil {
					return err
				}
			}
			_, err = tx.NewDelete().Model((*membershipRow)(nil)).Where("user_id = ?", memberID).Exec(ctx)
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "member.removed", TargetType: "user", TargetID: memberID.String(),
			Metadata: map[string]any{"email": cur.Email, "status": cur.Status}})
	})
}

func findMember(ctx context.Context, tx store.Tx, id uuid.UUID) (*Member, error) {
	var m Member
	err := tx.NewRaw(membersSQL+" WHERE id = ?", id).Scan(ctx, &m)
	if isNoRows(err) {
		return nil, errs.NotFoundf("member not found")
	}
	return &m, err
}

// keepAnOwner refuses to demote or remove the last owner. The owners' rows
// are locked so two concurrent demotions cannot both pass the check.
func keepAnOwner(ctx context.Context, tx store.Tx, leaving uuid.UUID) error {
	var owners []uuid.UUID
	if err := tx.NewRaw("SELECT user_id FROM memberships WHERE role = 'owner' FOR UPDATE").Scan(ctx, &owners); err != nil {
		return fmt.Errorf("lock owners: %w", err)
	}
	for _, o := range owners {
		if o != leaving {
			return nil
		}
	}
	return errs.E(errs.Conflict, "A tenant needs at least one owner; make someone else owner first.")
}

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
	// ExpiresAt is when an invitation lapses (nil for members).
	ExpiresAt *time.Time `bun:"expires_at"`
	// InviteURL is an invitation's link, filled for owners and admins only.
	InviteURL string `bun:"-"`
	// InviteEmailed says invitations go out by email on this platform.
	InviteEmailed bool `bun:"-"`
}

type invitationRow struct {
	bun.BaseModel `bun:"table:invitations"`

	ID        uuid.UUID   `bun:"id,pk"`
	TenantID  uuid.UUID   `bun:"tenant_id"`
	Email     string      `bun:"email"`
	Role      access.Role `bun:"role"`
	InvitedBy *uuid.UUID  `bun:"invited_by"`
	CreatedAt time.Time   `bun:"created_at,nullzero,default:now()"`
	ExpiresAt time.Time   `bun:"expires_at"`
}

const membersSQL = `SELECT * FROM (
	SELECT m.user_id AS id, u.email, u.name, m.role, 'active' AS status, m.created_at, NULL::timestamptz AS expires_at
	  FROM memberships m JOIN users u ON u.id = m.user_id
	UNION ALL
	SELECT i.id, i.email, '' AS name, i.role, 'invited' AS status, i.created_at, i.expires_at FROM invitations i
) members`

// ListMembers returns a page of members and invitations, oldest first.
func (s *Service) ListMembers(ctx context.Context, tenantID uuid.UUID, page paging.Page) ([]Member, *string, error) {
	g, err := s.guard.Tenant(ctx, tenantID, access.RoleMember)
	if err != nil {
		return nil, nil, err
	}
	var ms []Member
	err = s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
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
	if g.Role.AtLeast(access.RoleAdmin) {
		for i := range ms {
			s.describeInvitation(tenantID, &ms[i])
		}
	}
	return ms, next, nil
}

// describeInvitation fills an invitation's link, for owners and admins.
func (s *Service) describeInvitation(tenantID uuid.UUID, m *Member) {
	if m.Status == "invited" {
		m.InviteURL = s.invites.link(tenantID, m.ID, m.Email)
		m.InviteEmailed = s.invites.Emailed
	}
}

// AddMember invites an email (owners and admins). Nobody is made a member
// without accepting: a person with an account gets an invitation like anyone
// else, and the answer is the same whether the email has an account or not,
// so it reveals nothing about who is registered. The invitation is emailed
// when the platform has a mail server (an outbox job in this transaction).
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
		// Members are visible in this tenant; other users are not (RLS).
		var isMember bool
		if err := tx.NewRaw("SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ?)", email).
			Scan(ctx, &isMember); err != nil {
			return err
		}
		if isMember {
			return errs.E(errs.Conflict, "%s is already a member.", email)
		}
		inv := &invitationRow{ID: uuid.Must(uuid.NewV7()), TenantID: tenantID, Email: email, Role: role,
			ExpiresAt: time.Now().Add(InvitationTTL)}
		if g.Principal.Token != nil {
			inv.InvitedBy = &g.Principal.Token.CreatedBy
		} else {
			inv.InvitedBy = &g.Principal.UserID
		}
		if _, err := tx.NewInsert().Model(inv).Returning("created_at").Exec(ctx); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return errs.E(errs.Conflict, "%s has already been invited.", email)
			}
			return err
		}
		if s.invites.Emailed {
			if _, err := tx.InsertJob(ctx, InvitationEmailArgs{TenantID: tenantID, InvitationID: inv.ID}, nil); err != nil {
				return err
			}
		}
		m = &Member{ID: inv.ID, Email: email, Role: role, Status: "invited", CreatedAt: inv.CreatedAt, ExpiresAt: &inv.ExpiresAt}
		s.describeInvitation(tenantID, m)
		return audit.Record(ctx, tx, audit.Event{Action: "member.invited", TargetType: "invitation", TargetID: inv.ID.String(),
			Metadata: map[string]any{"email": email, "role": role, "emailed": s.invites.Emailed}})
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
			if _, err = tx.NewDelete().Model((*membershipRow)(nil)).Where("user_id = ?", memberID).Exec(ctx); err == nil && s.memberLeft != nil {
				err = s.memberLeft(ctx, tx, memberID)
			}
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

package tenants

import (
	"context"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/paging"
)

// Handler serves the tenant and member operations of the contract.
type Handler struct{ svc *Service }

// NewHandler returns a Handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

func (h *Handler) ListTenants(ctx context.Context, req apigen.ListTenantsRequestObject) (apigen.ListTenantsResponseObject, error) {
	page, err := paging.Parse(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	out := apigen.TenantList{Items: []apigen.Tenant{}, NextCursor: nullable.NewNullNullable[string]()}
	var next *string
	if req.Params.All != nil && *req.Params.All {
		ts, n, err := h.svc.ListAll(ctx, page)
		if err != nil {
			return nil, err
		}
		for i := range ts {
			out.Items = append(out.Items, tenantOut(&ts[i], ""))
		}
		next = n
	} else {
		ms, n, err := h.svc.ListMine(ctx, page)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			out.Items = append(out.Items, tenantOut(m.Tenant(), m.Role))
		}
		next = n
	}
	if next != nil {
		out.NextCursor.Set(*next)
	}
	return apigen.ListTenants200JSONResponse(out), nil
}

func (h *Handler) CreateTenant(ctx context.Context, req apigen.CreateTenantRequestObject) (apigen.CreateTenantResponseObject, error) {
	t, err := h.svc.Create(ctx, req.Body.Name)
	if err != nil {
		return nil, err
	}
	return apigen.CreateTenant201JSONResponse(tenantOut(t, access.RoleOwner)), nil
}

func (h *Handler) GetTenant(ctx context.Context, req apigen.GetTenantRequestObject) (apigen.GetTenantResponseObject, error) {
	t, role, err := h.svc.Get(ctx, req.TenantId)
	if err != nil {
		return nil, err
	}
	return apigen.GetTenant200JSONResponse(tenantOut(t, role)), nil
}

func (h *Handler) UpdateTenant(ctx context.Context, req apigen.UpdateTenantRequestObject) (apigen.UpdateTenantResponseObject, error) {
	u := Update{Name: req.Body.Name}
	if req.Body.BudgetLimitUsd.IsSpecified() {
		if req.Body.BudgetLimitUsd.IsNull() {
			u.ClearBudget = true
		} else {
			v := req.Body.BudgetLimitUsd.MustGet()
			u.Budget = &v
		}
	}
	t, role, err := h.svc.Update(ctx, req.TenantId, u)
	if err != nil {
		return nil, err
	}
	return apigen.UpdateTenant200JSONResponse(tenantOut(t, role)), nil
}

func (h *Handler) ListMembers(ctx context.Context, req apigen.ListMembersRequestObject) (apigen.ListMembersResponseObject, error) {
	page, err := paging.Parse(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	ms, next, err := h.svc.ListMembers(ctx, req.TenantId, page)
	if err != nil {
		return nil, err
	}
	out := apigen.MemberList{Items: make([]apigen.Member, 0, len(ms)), NextCursor: nullable.NewNullNullable[string]()}
	for i := range ms {
		out.Items = append(out.Items, memberOut(&ms[i]))
	}
	if next != nil {
		out.NextCursor.Set(*next)
	}
	return apigen.ListMembers200JSONResponse(out), nil
}

func (h *Handler) AddMember(ctx context.Context, req apigen.AddMemberRequestObject) (apigen.AddMemberResponseObject, error) {
	m, err := h.svc.AddMember(ctx, req.TenantId, string(req.Body.Email), access.Role(req.Body.Role))
	if err != nil {
		return nil, err
	}
	return apigen.AddMember201JSONResponse(memberOut(m)), nil
}

func (h *Handler) UpdateMember(ctx context.Context, req apigen.UpdateMemberRequestObject) (apigen.UpdateMemberResponseObject, error) {
	m, err := h.svc.UpdateMember(ctx, req.TenantId, req.MemberId, access.Role(req.Body.Role))
	if err != nil {
		return nil, err
	}
	return apigen.UpdateMember200JSONResponse(memberOut(m)), nil
}

func (h *Handler) RemoveMember(ctx context.Context, req apigen.RemoveMemberRequestObject) (apigen.RemoveMemberResponseObject, error) {
	if err := h.svc.RemoveMember(ctx, req.TenantId, req.MemberId); err != nil {
		return nil, err
	}
	return apigen.RemoveMember204Response{}, nil
}

func tenantOut(t *Tenant, role access.Role) apigen.Tenant {
	out := apigen.Tenant{Id: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
		BudgetLimitUsd: nullable.NewNullNullable[float64]()}
	if t.BudgetLimitUSD != nil {
		out.BudgetLimitUsd.Set(*t.BudgetLimitUSD)
	}
	if role != "" {
		r := apigen.Role(role)
		out.Role = &r
	}
	return out
}

func memberOut(m *Member) apigen.Member {
	out := apigen.Member{Id: m.ID, Email: m.Email, Role: apigen.Role(m.Role), Status: apigen.MemberStatus(m.Status), CreatedAt: m.CreatedAt}
	if m.Name != "" {
		out.Name = &m.Name
	}
	if m.Status == "invited" {
		out.InviteUrl = nullable.NewNullNullable[string]()
		if m.InviteURL != "" {
			out.InviteUrl.Set(m.InviteURL)
			out.InviteEmailed = &m.InviteEmailed
		}
		out.InviteExpiresAt = nullable.NewNullNullable[time.Time]()
		if m.ExpiresAt != nil {
			out.InviteExpiresAt.Set(*m.ExpiresAt)
		}
	}
	return out
}

func (h *Handler) AcceptInvitation(ctx context.Context, req apigen.AcceptInvitationRequestObject) (apigen.AcceptInvitationResponseObject, error) {
	m, err := h.svc.AcceptInvitation(ctx, req.Body.Token)
	if err != nil {
		return nil, err
	}
	return apigen.AcceptInvitation200JSONResponse{TenantId: m.TenantID, TenantName: m.TenantName, Role: apigen.Role(m.Role)}, nil
}

package auth

import (
	"context"

	"github.com/oapi-codegen/nullable"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/paging"
	"github.com/konstruct/konstruct/api/tenants"
)

// Handler serves the auth and API-token operations of the contract.
type Handler struct {
	svc     *Service
	tenants *tenants.Service
	guard   *access.Guard
}

// NewHandler returns a Handler.
func NewHandler(svc *Service, t *tenants.Service, g *access.Guard) *Handler {
	return &Handler{svc: svc, tenants: t, guard: g}
}

func (h *Handler) SignUp(ctx context.Context, req apigen.SignUpRequestObject) (apigen.SignUpResponseObject, error) {
	in := SignUpInput{Email: string(req.Body.Email), Password: req.Body.Password, Name: req.Body.Name}
	if req.Body.TenantName != nil {
		in.TenantName = *req.Body.TenantName
	}
	sess, err := h.svc.SignUp(ctx, in)
	if err != nil {
		return nil, err
	}
	me, err := h.me(ctx, sess)
	if err != nil {
		return nil, err
	}
	cookie := h.svc.SessionCookie(sess)
	return apigen.SignUp201JSONResponse{Body: me, Headers: apigen.SignUp201ResponseHeaders{SetCookie: &cookie}}, nil
}

func (h *Handler) SignIn(ctx context.Context, req apigen.SignInRequestObject) (apigen.SignInResponseObject, error) {
	sess, err := h.svc.SignIn(ctx, req.Body.Email, req.Body.Password)
	if err != nil {
		return nil, err
	}
	me, err := h.me(ctx, sess)
	if err != nil {
		return nil, err
	}
	cookie := h.svc.SessionCookie(sess)
	return apigen.SignIn200JSONResponse{Body: me, Headers: apigen.SignIn200ResponseHeaders{SetCookie: &cookie}}, nil
}

func (h *Handler) SignOut(ctx context.Context, _ apigen.SignOutRequestObject) (apigen.SignOutResponseObject, error) {
	if err := h.svc.SignOut(ctx); err != nil {
		return nil, err
	}
	cookie := h.svc.ClearCookie()
	return apigen.SignOut204Response{Headers: apigen.SignOut204ResponseHeaders{SetCookie: &cookie}}, nil
}

func (h *Handler) GetMe(ctx context.Context, _ apigen.GetMeRequestObject) (apigen.GetMeResponseObject, error) {
	p, err := access.Require(ctx)
	if err != nil {
		return nil, err
	}
	ms, err := h.tenants.Memberships(ctx, p)
	if err != nil {
		return nil, err
	}
	me := apigen.Me{Memberships: membershipsOut(ms)}
	if p.Token != nil {
		t, err := h.svc.tokenByID(ctx, p.Token.TenantID, p.Token.ID)
		if err != nil {
			return nil, err
		}
		me.Token = nullable.NewNullableWithValue(tokenOut(t))
		me.User = nullable.NewNullNullable[apigen.User]()
	} else {
		u, err := h.svc.GetUser(ctx, p.UserID)
		if err != nil {
			return nil, err
		}
		me.User = nullable.NewNullableWithValue(UserOut(u))
		me.Token = nullable.NewNullNullable[apigen.APIToken]()
	}
	return apigen.GetMe200JSONResponse(me), nil
}

// me describes a user who has just signed in.
func (h *Handler) me(ctx context.Context, sess *Session) (apigen.Me, error) {
	ms, err := h.tenants.Memberships(ctx, &access.Principal{UserID: sess.User.ID})
	if err != nil {
		return apigen.Me{}, err
	}
	return apigen.Me{
		User: nullable.NewNullableWithValue(UserOut(sess.User)), Token: nullable.NewNullNullable[apigen.APIToken](),
		Memberships: membershipsOut(ms),
	}, nil
}

func (h *Handler) ListAPITokens(ctx context.Context, req apigen.ListAPITokensRequestObject) (apigen.ListAPITokensResponseObject, error) {
	page, err := paging.Parse(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	ts, next, err := h.svc.ListTokens(ctx, req.TenantId, h.guard, page)
	if err != nil {
		return nil, err
	}
	out := apigen.APITokenList{Items: make([]apigen.APIToken, 0, len(ts)), NextCursor: nullable.NewNullNullable[string]()}
	for i := range ts {
		out.Items = append(out.Items, tokenOut(&ts[i]))
	}
	if next != nil {
		out.NextCursor.Set(*next)
	}
	return apigen.ListAPITokens200JSONResponse(out), nil
}

func (h *Handler) CreateAPIToken(ctx context.Context, req apigen.CreateAPITokenRequestObject) (apigen.CreateAPITokenResponseObject, error) {
	t, secret, err := h.svc.CreateToken(ctx, req.TenantId, h.guard, TokenInput{
		Name: req.Body.Name, Role: access.Role(req.Body.Role), ExpiresAt: req.Body.ExpiresAt,
	})
	if err != nil {
		return nil, err
	}
	o := tokenOut(t)
	return apigen.CreateAPIToken201JSONResponse{
		Id: o.Id, TenantId: o.TenantId, Name: o.Name, Prefix: o.Prefix, Role: o.Role, CreatedAt: o.CreatedAt,
		LastUsedAt: o.LastUsedAt, ExpiresAt: o.ExpiresAt, RevokedAt: o.RevokedAt, CreatedBy: o.CreatedBy, Secret: secret,
	}, nil
}

func (h *Handler) RevokeAPIToken(ctx context.Context, req apigen.RevokeAPITokenRequestObject) (apigen.RevokeAPITokenResponseObject, error) {
	if err := h.svc.RevokeToken(ctx, req.TenantId, req.TokenId, h.guard); err != nil {
		return nil, err
	}
	return apigen.RevokeAPIToken204Response{}, nil
}

// UserOut maps a user to the contract.
func UserOut(u *User) apigen.User {
	return apigen.User{Id: u.ID, Email: u.Email, Name: u.Name, IsPlatformAdmin: u.IsPlatformAdmin, CreatedAt: u.CreatedAt}
}

func membershipsOut(ms []tenants.Membership) []apigen.Membership {
	out := make([]apigen.Membership, 0, len(ms))
	for _, m := range ms {
		out = append(out, apigen.Membership{TenantId: m.TenantID, TenantName: m.TenantName, Role: apigen.Role(m.Role)})
	}
	return out
}

func tokenOut(t *APIToken) apigen.APIToken {
	out := apigen.APIToken{
		Id: t.ID, TenantId: t.TenantID, Name: t.Name, Prefix: t.Prefix, Role: apigen.Role(t.Role), CreatedAt: t.CreatedAt,
		LastUsedAt: nullableTime(t.LastUsedAt), ExpiresAt: nullableTime(t.ExpiresAt), RevokedAt: nullableTime(t.RevokedAt),
		CreatedBy: nullable.NewNullNullable[apigen.TokenCreator](),
	}
	if t.CreatedBy != nil {
		out.CreatedBy.Set(apigen.TokenCreator{Id: *t.CreatedBy, Email: t.CreatorEmail, Name: t.CreatorName})
	}
	return out
}

func nullableTime[T any](v *T) nullable.Nullable[T] {
	if v == nil {
		return nullable.NewNullNullable[T]()
	}
	return nullable.NewNullableWithValue(*v)
}

package auth_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
)

// A token acts with the current rights of the membership that created it:
// never more than its creator's role now, and not at all once they are gone
// (issue 14: an admin's admin token kept answering 200 after the admin was
// demoted and removed, and minted another admin token in between).
func TestTokensActUnderTheirCreatorsMembership(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	owner, admin := s.SignUp(t), s.SignUp(t)
	owner.AddMember(t, admin, "admin")
	tenant := "/api/portal/tenants/" + owner.TenantID.String()
	admin.TenantID = owner.TenantID

	r := admin.Client.Do("POST", tenant+"/api-tokens", map[string]any{"name": "admin's", "role": "admin"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	token := s.WithToken(t, r.Map(t)["secret"].(string))
	// A token made with a token acts for the same member.
	r = token.Do("POST", tenant+"/api-tokens", map[string]any{"name": "child", "role": "member"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	child := s.WithToken(t, r.Map(t)["secret"].(string))

	// Demoted to member: the admin token can only do what a member can.
	r = owner.Client.Do("PATCH", tenant+"/members/"+admin.UserID.String(), map[string]any{"role": "member"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, http.StatusOK, token.Do("GET", tenant+"/agents", nil).Status, "members read")
	r = token.Do("POST", tenant+"/api-tokens", map[string]any{"name": "escalate", "role": "admin"})
	require.Equal(t, http.StatusForbidden, r.Status, "%s", r.Body)
	r = token.Do("POST", tenant+"/agents", agentBody("Not allowed"))
	require.Equal(t, http.StatusForbidden, r.Status, "%s", r.Body)
	r = admin.Client.Do("POST", tenant+"/api-tokens", map[string]any{"name": "escalate", "role": "member"})
	require.Equal(t, http.StatusForbidden, r.Status, "a member makes no tokens")
	r = token.Do("GET", "/api/portal/me", nil)
	require.Equal(t, "member", r.Map(t)["memberships"].([]any)[0].(map[string]any)["role"], "the token's standing now")

	// Removed: every token they made stops at once.
	r = owner.Client.Do("DELETE", tenant+"/members/"+admin.UserID.String(), nil)
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r.Body)
	for _, c := range []*apitest.Client{token, child} {
		r = c.Do("GET", tenant+"/agents", nil)
		require.Equal(t, http.StatusUnauthorized, r.Status, "%s", r.Body)
	}
	r = owner.Client.Do("GET", tenant+"/audit-events?action=api_token.revoked", nil)
	require.Contains(t, string(r.Body), "creator_left")
}

// The token list names each token's creator, and so does the audit event of
// its creation; a token made with a token names the member behind it.
func TestTokensNameTheirCreator(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	owner, admin := s.SignUp(t), s.SignUp(t)
	owner.AddMember(t, admin, "admin")
	tenant := "/api/portal/tenants/" + owner.TenantID.String()
	r := admin.Client.Do("POST", tenant+"/api-tokens", map[string]any{"name": "admin's", "role": "admin"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	creator := map[string]any{"id": admin.UserID.String(), "email": admin.Email, "name": "Test User"}
	require.Equal(t, creator, r.Map(t)["created_by"])
	r = s.WithToken(t, r.Map(t)["secret"].(string)).Do("POST", tenant+"/api-tokens", map[string]any{"name": "child", "role": "member"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, creator, r.Map(t)["created_by"])

	r = owner.Client.Do("GET", tenant+"/api-tokens", nil)
	var list struct {
		Items []struct {
			CreatedBy map[string]any `json:"created_by"`
		}
	}
	r.JSON(t, &list)
	require.Len(t, list.Items, 2)
	for _, it := range list.Items {
		require.Equal(t, creator, it.CreatedBy)
	}
	r = owner.Client.Do("GET", tenant+"/audit-events?action=api_token.created", nil)
	require.Contains(t, string(r.Body), `"created_by_email":"`+admin.Email+`"`)
}

// Even when a membership disappears without the revocation (a row deleted
// by hand), authentication finds no member behind the token and refuses it.
func TestTokenWithoutAMemberBehindItIsRefused(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	owner, admin := s.SignUp(t), s.SignUp(t)
	owner.AddMember(t, admin, "admin")
	admin.TenantID = owner.TenantID
	token := s.WithToken(t, admin.Token(t, "admin"))
	require.Equal(t, http.StatusOK, token.Do("GET", "/api/portal/me", nil).Status)
	_, err := s.DB.Owner.Exec(t.Context(), "DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2", owner.TenantID, admin.UserID)
	require.NoError(t, err)
	r := token.Do("GET", "/api/portal/me", nil)
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.Contains(t, r.Problem(t).Detail, "no longer a member")
}

// Revoking follows the members' rule: only owners revoke owner tokens
// (issue 14: an admin could revoke an owner-role token).
func TestOnlyOwnersRevokeOwnerTokens(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	owner, admin := s.SignUp(t), s.SignUp(t)
	owner.AddMember(t, admin, "admin")
	tenant := "/api/portal/tenants/" + owner.TenantID.String()
	r := owner.Client.Do("POST", tenant+"/api-tokens", map[string]any{"name": "owner's", "role": "owner"})
	require.Equal(t, http.StatusCreated, r.Status)
	id, secret := r.Map(t)["id"].(string), r.Map(t)["secret"].(string)

	r = admin.Client.Do("DELETE", tenant+"/api-tokens/"+id, nil)
	require.Equal(t, http.StatusForbidden, r.Status, "%s", r.Body)
	require.Equal(t, http.StatusOK, s.WithToken(t, secret).Do("GET", tenant, nil).Status, "still works")
	r = owner.Client.Do("DELETE", tenant+"/api-tokens/"+id, nil)
	require.Equal(t, http.StatusNoContent, r.Status)
	require.Equal(t, http.StatusUnauthorized, s.WithToken(t, secret).Do("GET", tenant, nil).Status)
}

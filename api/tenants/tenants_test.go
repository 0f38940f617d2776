package tenants_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestMembersAndInvitations(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	owner := s.SignUp(t)
	members := "/api/portal/tenants/" + owner.TenantID.String() + "/members"

	// An existing user is invited, not added: nobody joins without consent.
	grace := s.SignUp(t)
	r := owner.Client.Do("POST", members, map[string]any{"email": grace.Email, "role": "admin"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	graceInvite := r.Map(t)
	require.Equal(t, "invited", graceInvite["status"])
	r = owner.Client.Do("POST", members, map[string]any{"email": grace.Email, "role": "member"})
	require.Equal(t, http.StatusConflict, r.Status)
	r = grace.Client.Do("GET", "/api/portal/tenants", nil)
	var tenants struct{ Items []map[string]any }
	r.JSON(t, &tenants)
	require.Len(t, tenants.Items, 1, "an invitation grants nothing until accepted")

	// Grace accepts with the link; now she sees two tenants.
	r = grace.Client.Do("POST", "/api/portal/invitations/accept", map[string]any{"token": token(t, graceInvite)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, "admin", r.Map(t)["role"])
	r = grace.Client.Do("GET", "/api/portal/tenants", nil)
	r.JSON(t, &tenants)
	require.Len(t, tenants.Items, 2)
	r = grace.Client.Do("POST", "/api/portal/invitations/accept", map[string]any{"token": token(t, graceInvite)})
	require.Equal(t, http.StatusNotFound, r.Status, "a link works once")

	// An unknown email is invited the same way; signing up alone joins nothing.
	email := "invitee-" + uuid.NewString()[:8] + "@example.com"
	r = owner.Client.Do("POST", members, map[string]any{"email": email, "role": "member"})
	require.Equal(t, http.StatusCreated, r.Status)
	invite := r.Map(t)
	require.Equal(t, "invited", invite["status"])
	newcomer := s.Client(t)
	r = newcomer.Do("POST", "/api/portal/auth/signup", map[string]any{"email": email, "password": "a long password here", "name": "New"})
	require.Equal(t, http.StatusCreated, r.Status)
	require.Len(t, r.Map(t)["memberships"], 1)
	r = grace.Client.Do("POST", "/api/portal/invitations/accept", map[string]any{"token": token(t, invite)})
	require.Equal(t, http.StatusForbidden, r.Status, "only the invited email accepts")
	require.Contains(t, r.Problem(t).Detail, email)
	tampered := []byte(token(t, invite))
	tampered[len(tampered)-2] ^= 1
	r = newcomer.Do("POST", "/api/portal/invitations/accept", map[string]any{"token": string(tampered)})
	require.Equal(t, http.StatusNotFound, r.Status)
	r = newcomer.Do("POST", "/api/portal/invitations/accept", map[string]any{"token": token(t, invite)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	r = owner.Client.Do("GET", members, nil)
	var list struct {
		Items []struct{ Email, Status, Role string }
	}
	r.JSON(t, &list)
	require.Len(t, list.Items, 3)
	for _, m := range list.Items {
		require.Equal(t, "active", m.Status, m.Email)
	}

	// Admins cannot touch owners; the last owner stays.
	r = grace.Client.Do("PATCH", members+"/"+owner.UserID.String(), map[string]any{"role": "member"})
	require.Equal(t, http.StatusForbidden, r.Status)
	r = grace.Client.Do("POST", members, map[string]any{"email": "x@example.com", "role": "owner"})
	require.Equal(t, http.StatusForbidden, r.Status)
	r = owner.Client.Do("PATCH", members+"/"+owner.UserID.String(), map[string]any{"role": "admin"})
	require.Equal(t, http.StatusConflict, r.Status)
	r = owner.Client.Do("DELETE", members+"/"+owner.UserID.String(), nil)
	require.Equal(t, http.StatusConflict, r.Status)

	// With a second owner, the first may step down; anyone may leave.
	r = owner.Client.Do("PATCH", members+"/"+grace.UserID.String(), map[string]any{"role": "owner"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = owner.Client.Do("PATCH", members+"/"+owner.UserID.String(), map[string]any{"role": "member"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = owner.Client.Do("DELETE", members+"/"+owner.UserID.String(), nil)
	require.Equal(t, http.StatusNoContent, r.Status)
	r = owner.Client.Do("GET", members, nil)
	require.Equal(t, http.StatusNotFound, r.Status, "a former member sees nothing")

	// Every change is in the trail.
	r = grace.Client.Do("GET", "/api/portal/tenants/"+owner.TenantID.String()+"/audit-events?action=member.", nil)
	require.Equal(t, http.StatusOK, r.Status)
	var events struct{ Items []struct{ Action string } }
	r.JSON(t, &events)
	var actions []string
	for _, e := range events.Items {
		actions = append(actions, e.Action)
	}
	require.ElementsMatch(t, []string{"member.invited", "member.joined", "member.invited", "member.joined",
		"member.role_changed", "member.role_changed", "member.removed"}, actions)
}

// token is the token parameter of an invitation's link.
func token(t *testing.T, member map[string]any) string {
	t.Helper()
	u, err := url.Parse(member["invite_url"].(string))
	require.NoError(t, err)
	require.Equal(t, "/invitations/accept", u.Path)
	return u.Query().Get("token")
}

func TestTenantsCreateUpdateAndPlatformList(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	acct := s.SignUp(t)

	r := acct.Client.Do("POST", "/api/portal/tenants", map[string]any{"name": "Second"})
	require.Equal(t, http.StatusCreated, r.Status)
	second := r.Map(t)
	require.Equal(t, "owner", second["role"])
	require.Nil(t, second["budget_limit_usd"])

	path := "/api/portal/tenants/" + second["id"].(string)
	r = acct.Client.Do("PATCH", path, map[string]any{"budget_limit_usd": 125.5})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, 125.5, r.Map(t)["budget_limit_usd"])
	r = acct.Client.Do("PATCH", path, map[string]any{"budget_limit_usd": nil})
	require.Equal(t, http.StatusOK, r.Status)
	require.Nil(t, r.Map(t)["budget_limit_usd"])
	r = acct.Client.Do("PATCH", path, map[string]any{"budget_limit_usd": -1})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	require.Equal(t, []string{"body.budget_limit_usd"}, r.Problem(t).Locations())

	// Only platform administrators list every tenant.
	r = acct.Client.Do("GET", "/api/portal/tenants?all=true", nil)
	require.Equal(t, http.StatusForbidden, r.Status)
	_, err := s.DB.Owner.Exec(t.Context(), "UPDATE users SET is_platform_admin = true WHERE id = $1", acct.UserID)
	require.NoError(t, err)
	r = acct.Client.Do("GET", "/api/portal/tenants?all=true&limit=100", nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var all struct{ Items []map[string]any }
	r.JSON(t, &all)
	require.GreaterOrEqual(t, len(all.Items), 2)
}

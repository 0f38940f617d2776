package tenants_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/fakes/smtpfake"
)

// Adding a person is always an invitation they accept, and the answer does
// not tell a registered email from an unknown one (issue 14: an admin could
// make any registered user an active member without consent, and "active"
// versus "invited" revealed who had an account).
func TestInvitationsAnswerTheSameForRegisteredAndUnknownEmails(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	owner, registered := s.SignUp(t), s.SignUp(t)
	members := "/api/portal/tenants/" + owner.TenantID.String() + "/members"
	unknown := "nobody-" + uuid.NewString()[:8] + "@example.com"

	shape := func(email string) (int, map[string]any) {
		r := owner.Client.Do("POST", members, map[string]any{"email": email, "role": "member"})
		m := r.Map(t)
		for _, volatile := range []string{"id", "email", "created_at", "invite_url", "invite_expires_at"} {
			require.Contains(t, m, volatile)
			delete(m, volatile)
		}
		return r.Status, m
	}
	statusA, a := shape(registered.Email)
	statusB, b := shape(unknown)
	require.Equal(t, http.StatusCreated, statusA)
	require.Equal(t, statusA, statusB)
	require.Equal(t, a, b)
	require.Equal(t, "invited", a["status"])

	// The registered user is not a member until they accept.
	r := registered.Client.Do("GET", "/api/portal/tenants/"+owner.TenantID.String(), nil)
	require.Equal(t, http.StatusNotFound, r.Status)
	r = owner.Client.Do("GET", members, nil)
	var list struct {
		Items []struct{ Email, Status string }
	}
	r.JSON(t, &list)
	for _, m := range list.Items {
		if m.Email == registered.Email {
			require.Equal(t, "invited", m.Status)
		}
	}

	// Members see the invitations, but not their links.
	member := s.SignUp(t)
	owner.AddMember(t, member, "member")
	r = member.Client.Do("GET", members, nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.NotContains(t, string(r.Body), "/invitations/accept")
}

// With SMTP_URL the invitation is emailed from the outbox; its link works.
func TestInvitationEmail(t *testing.T) {
	t.Parallel()
	mail := smtpfake.New(t)
	s := apitest.New(t, apitest.Opts{Work: true, Env: map[string]string{"SMTP_URL": mail.URL(), "MAIL_FROM": "Konstruct <invites@konstruct.test>"}})
	owner, invitee := s.SignUp(t), s.SignUp(t)
	r := owner.Client.Do("POST", "/api/portal/tenants/"+owner.TenantID.String()+"/members", map[string]any{"email": invitee.Email, "role": "admin"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, true, r.Map(t)["invite_emailed"])

	msgs := mail.Wait(t, 1, 15*time.Second)
	require.Equal(t, []string{invitee.Email}, msgs[0].To)
	require.Equal(t, "invites@konstruct.test", msgs[0].From)
	require.Contains(t, msgs[0].Subject, "Tenant of "+owner.Email)
	link := regexp.MustCompile(`http://\S+/invitations/accept\?token=\S+`).FindString(msgs[0].Body)
	require.NotEmpty(t, link, "%s", msgs[0].Body)
	token := link[strings.Index(link, "token=")+len("token="):]
	r = invitee.Client.Do("POST", "/api/portal/invitations/accept", map[string]any{"token": token})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, "admin", r.Map(t)["role"])

	// Without SMTP_URL nothing is sent: the link is for the admin to pass on.
	plain := apitest.Shared(t)
	o := plain.SignUp(t)
	r = o.Client.Do("POST", "/api/portal/tenants/"+o.TenantID.String()+"/members", map[string]any{"email": "x-" + uuid.NewString()[:6] + "@example.com", "role": "member"})
	require.Equal(t, false, r.Map(t)["invite_emailed"])
	require.True(t, slices.Contains([]string{"http", "https"}, strings.Split(r.Map(t)["invite_url"].(string), ":")[0]))
	require.Len(t, mail.Messages(), 1)
}

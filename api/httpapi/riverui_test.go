package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/billing"
)

// River UI is at /admin/river for platform administrators signed in to the
// portal, and for no one else: not anonymous callers, not other users, not
// API tokens. An administrator sees the jobs, retries one without SQL, and
// the pages load only from this server.
func TestRiverUIIsForPlatformAdministrators(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := apitest.New(t, apitest.Opts{})

	owner := srv.SignUp(t) // a tenant owner, not a platform administrator
	admin := srv.SignUp(t)
	_, err := srv.DB.Owner.Exec(ctx, "UPDATE users SET is_platform_admin = true WHERE id = $1", admin.UserID)
	require.NoError(t, err)

	// A job that waits (scheduled an hour ahead), to be seen and retried.
	job, err := srv.App.Jobs.Insert(ctx, billing.SeatsArgs{TenantID: owner.TenantID}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	jobs := "/admin/river/api/jobs?state=scheduled&limit=1000"

	t.Run("AnonymousIsRefused", func(t *testing.T) {
		t.Parallel()
		anon := srv.Client(t)
		r := anon.Do("GET", jobs, nil)
		require.Equal(t, http.StatusUnauthorized, r.Status, "%s", r.Body)
		require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
		require.NotContains(t, string(r.Body), job.Job.Kind)

		r = anon.Do("GET", "/admin/river/", nil, "Accept", "text/html,application/xhtml+xml")
		require.Equal(t, http.StatusSeeOther, r.Status, "a browser is sent to sign in")
		require.Equal(t, "/sign-in", r.Header.Get("Location"))

		r = anon.Do("POST", "/admin/river/api/jobs/retry", map[string]any{"ids": []string{jsonID(job.Job.ID)}})
		require.Equal(t, http.StatusUnauthorized, r.Status, "%s", r.Body)
	})

	t.Run("OtherUsersAreRefused", func(t *testing.T) {
		t.Parallel()
		for _, path := range []string{jobs, "/admin/river/", "/admin/river/api/queues"} {
			r := owner.Client.Do("GET", path, nil, "Accept", "text/html")
			require.Equal(t, http.StatusForbidden, r.Status, "%s: %s", path, r.Body)
			require.NotContains(t, string(r.Body), job.Job.Kind)
		}
	})

	t.Run("TokensAreRefused", func(t *testing.T) {
		t.Parallel()
		// Even a token created by the administrator: tokens belong to a
		// tenant, the admin pages to the portal session.
		token := srv.WithToken(t, admin.Token(t, "owner"))
		r := token.Do("GET", jobs, nil)
		require.Equal(t, http.StatusForbidden, r.Status, "%s", r.Body)
	})

	t.Run("AdministratorSeesAndRetriesJobs", func(t *testing.T) {
		t.Parallel()
		r := admin.Client.Do("GET", jobs, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var list struct {
			Data []struct {
				ID    int64  `json:"id"`
				Kind  string `json:"kind"`
				State string `json:"state"`
			} `json:"data"`
		}
		r.JSON(t, &list)
		var seen bool
		for _, j := range list.Data {
			if j.ID == job.Job.ID {
				seen = true
				require.Equal(t, "billing.sync_seats", j.Kind)
				require.Equal(t, "scheduled", j.State)
			}
		}
		require.True(t, seen, "the scheduled job is listed: %s", r.Body)

		// A change needs the portal's Origin, like every cookie-authenticated change.
		noOrigin := *admin.Client
		noOrigin.Origin = ""
		r = noOrigin.Do("POST", "/admin/river/api/jobs/retry", map[string]any{"ids": []string{jsonID(job.Job.ID)}})
		require.Equal(t, http.StatusForbidden, r.Status, "%s", r.Body)

		r = admin.Client.Do("POST", "/admin/river/api/jobs/retry", map[string]any{"ids": []string{jsonID(job.Job.ID)}})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var state string
		require.NoError(t, srv.DB.Owner.QueryRow(ctx, "SELECT state FROM river_job WHERE id = $1", job.Job.ID).Scan(&state))
		require.Equal(t, "available", state, "retried: runs now")
	})

	t.Run("PagesAreServedLocally", func(t *testing.T) {
		t.Parallel()
		r := admin.Client.Do("GET", "/admin/river/", nil, "Accept", "text/html")
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		page := string(r.Body)
		refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
		require.NotEmpty(t, refs)
		var script string
		for _, ref := range refs {
			require.True(t, strings.HasPrefix(ref[1], "/admin/river/"), "every asset comes from this server: %s", ref[1])
			if strings.HasSuffix(ref[1], ".js") {
				script = ref[1]
			}
		}
		require.NotEmpty(t, script, "the page loads its script: %s", page)
		r = admin.Client.Do("GET", script, nil)
		require.Equal(t, http.StatusOK, r.Status)
		require.Contains(t, r.Header.Get("Content-Type"), "javascript")
		require.Contains(t, r.Header.Get("Content-Security-Policy"), "default-src 'self'", "the portal's CSP applies")
	})
}

// jsonID is a job id as River UI's API takes it (a string).
func jsonID(id int64) string {
	b, _ := json.Marshal(id)
	return string(b)
}

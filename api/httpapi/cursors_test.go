package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
)

// Cursors are opaque and bound to their list and its filters: an altered
// cursor, one from another list, another tenant or other filters, and one
// forged from the raw format are all 400 naming query.cursor (issue 15,
// item 8: an agents cursor used to page audit events).
func TestCursorsAreSignedAndBoundToTheirList(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	acct := s.SignUp(t)
	other := s.SignUp(t)
	tenant := "/api/portal/tenants/" + acct.TenantID.String()
	for i := range 3 {
		r := acct.Client.Do("POST", tenant+"/agents", map[string]any{"name": fmt.Sprintf("Agent %d", i), "model": "openai/gpt-4o-mini"})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}
	next := func(r *apitest.Response) string {
		t.Helper()
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var page struct {
			Next *string `json:"next_cursor"`
		}
		r.JSON(t, &page)
		require.NotNil(t, page.Next, "%s", r.Body)
		return *page.Next
	}
	agentsCursor := next(acct.Client.Do("GET", tenant+"/agents?limit=1", nil))
	auditCursor := next(acct.Client.Do("GET", tenant+"/audit-events?limit=1&action=agent.", nil))

	// The cursor works where it came from, whatever the page size.
	require.Equal(t, http.StatusOK, acct.Client.Do("GET", tenant+"/agents?limit=2&cursor="+url.QueryEscape(agentsCursor), nil).Status)
	require.Equal(t, http.StatusOK, acct.Client.Do("GET", tenant+"/audit-events?action=agent.&cursor="+url.QueryEscape(auditCursor), nil).Status)

	raw, _, _ := strings.Cut(agentsCursor, ".")
	forged, _ := json.Marshal(map[string]any{"t": time.Now(), "i": uuid.New()})
	tampered := []byte(agentsCursor)
	tampered[len(tampered)-1] ^= 1
	for name, path := range map[string]string{
		"OtherList":    tenant + "/audit-events?cursor=" + url.QueryEscape(agentsCursor),
		"OtherFilters": tenant + "/audit-events?action=tenant.&cursor=" + url.QueryEscape(auditCursor),
		"OtherTenant":  "/api/portal/tenants/" + other.TenantID.String() + "/agents?cursor=" + url.QueryEscape(agentsCursor),
		"Unsigned":     tenant + "/agents?cursor=" + url.QueryEscape(raw),
		"Forged":       tenant + "/agents?cursor=" + base64.RawURLEncoding.EncodeToString(forged),
		"Tampered":     tenant + "/agents?cursor=" + url.QueryEscape(string(tampered)),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			client := acct.Client
			if name == "OtherTenant" {
				client = other.Client
			}
			r := client.Do("GET", path, nil)
			require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
			require.Equal(t, []string{"query.cursor"}, r.Problem(t).Locations())
		})
	}
}

package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
)

func TestCursorPagination(t *testing.T) {
	t.Parallel()
	s := apitest.Shared(t)
	acct := s.SignUp(t)
	path := "/api/portal/tenants/" + acct.TenantID.String() + "/agents"
	for i := range 5 {
		r := acct.Client.Do("POST", path, map[string]any{"name": fmt.Sprintf("Agent %d", i), "model": "openai/gpt-4o-mini"})
		require.Equal(t, http.StatusCreated, r.Status)
	}
	var names []string
	next := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5, "pagination does not end")
		q := path + "?limit=2"
		if next != "" {
			q += "&cursor=" + next
		}
		r := acct.Client.Do("GET", q, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var page struct {
			Items []struct{ Name string }
			Next  *string `json:"next_cursor"`
		}
		r.JSON(t, &page)
		require.LessOrEqual(t, len(page.Items), 2)
		for _, it := range page.Items {
			names = append(names, it.Name)
		}
		if page.Next == nil {
			break
		}
		next = *page.Next
	}
	require.Equal(t, []string{"Agent 0", "Agent 1", "Agent 2", "Agent 3", "Agent 4"}, names)

	r := acct.Client.Do("GET", path+"?cursor=garbage", nil)
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Equal(t, []string{"query.cursor"}, r.Problem(t).Locations())
}

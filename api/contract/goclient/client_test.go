package goclient_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"testing"

	"github.com/google/uuid"
	"github.com/oapi-codegen/nullable"
	openapi_types "github.com/oapi-codegen/runtime/types"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/contract/goclient"
	"github.com/konstruct/konstruct/api/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// An integrator's generated client, used as an integrator would: sign up,
// make a token, then work with bearer auth. It sends explicit nulls (which
// the contract could not express before nullable had a type), pages with
// cursors and reads problems as typed values.
func TestGeneratedClientWorksAgainstTheServer(t *testing.T) {
	t.Parallel()
	srv := apitest.Shared(t)
	ctx := context.Background()

	jar, _ := cookiejar.New(nil)
	browser, err := goclient.NewClientWithResponses(srv.URL, goclient.WithHTTPClient(&http.Client{Jar: jar}),
		goclient.WithRequestEditorFn(func(_ context.Context, r *http.Request) error { r.Header.Set("Origin", srv.URL); return nil }))
	require.NoError(t, err)
	me, err := browser.SignUpWithResponse(ctx, goclient.SignUpRequest{
		Email: openapi_types.Email("client-" + uuid.NewString()[:8] + "@example.com"), Password: "correct horse battery staple", Name: "Integrator"})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, me.StatusCode(), "%s", me.Body)
	tenant := me.JSON201.Memberships[0].TenantId

	tok, err := browser.CreateAPITokenWithResponse(ctx, tenant, &goclient.CreateAPITokenParams{}, goclient.APITokenCreate{Name: "sync", Role: goclient.RoleOwner})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, tok.StatusCode(), "%s", tok.Body)

	api, err := goclient.NewClientWithResponses(srv.URL, goclient.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+tok.JSON201.Secret)
		return nil
	}))
	require.NoError(t, err)

	target := nullable.NewNullableWithValue(goclient.EscalationTarget{Type: goclient.SlackChannel, Id: "CHUMANS"})
	created, err := api.CreateAgentWithResponse(ctx, tenant, &goclient.CreateAgentParams{}, goclient.AgentCreate{
		Name: "Ada", Model: "openai/gpt-4o-mini", EscalationTarget: target, MemoryRetentionDays: nullable.NewNullableWithValue(30)})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, created.StatusCode(), "%s", created.Body)
	require.Equal(t, 30, created.JSON201.MemoryRetentionDays.MustGet())

	// Explicit nulls clear the target and keep memories for good.
	updated, err := api.UpdateAgentWithResponse(ctx, tenant, created.JSON201.Id, goclient.AgentUpdate{
		EscalationTarget: nullable.NewNullNullable[goclient.EscalationTarget](), MemoryRetentionDays: nullable.NewNullNullable[int]()})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, updated.StatusCode(), "%s", updated.Body)
	require.True(t, updated.JSON200.EscalationTarget.IsNull())
	require.True(t, updated.JSON200.MemoryRetentionDays.IsNull())

	budget, err := api.UpdateTenantWithResponse(ctx, tenant, goclient.TenantUpdate{BudgetLimitUsd: nullable.NewNullableWithValue(12.5)})
	require.NoError(t, err)
	require.Equal(t, 12.5, budget.JSON200.BudgetLimitUsd.MustGet())
	budget, err = api.UpdateTenantWithResponse(ctx, tenant, goclient.TenantUpdate{BudgetLimitUsd: nullable.NewNullNullable[float64]()})
	require.NoError(t, err)
	require.True(t, budget.JSON200.BudgetLimitUsd.IsNull(), "%s", budget.Body)

	// Pages follow next_cursor until it is null.
	_, err = api.CreateAgentWithResponse(ctx, tenant, &goclient.CreateAgentParams{}, goclient.AgentCreate{Name: "Grace", Model: "openai/gpt-4o-mini"})
	require.NoError(t, err)
	var names []string
	one := goclient.Limit(1)
	params := &goclient.ListAgentsParams{Limit: &one}
	for range 5 {
		page, err := api.ListAgentsWithResponse(ctx, tenant, params)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, page.StatusCode(), "%s", page.Body)
		for _, a := range page.JSON200.Items {
			names = append(names, a.Name)
		}
		if page.JSON200.NextCursor.IsNull() {
			break
		}
		next := page.JSON200.NextCursor.MustGet()
		params.Cursor = &next
	}
	require.Equal(t, []string{"Ada", "Grace"}, names)

	// Problems decode as typed values, every field listed.
	bad, err := api.CreateAgentWithResponse(ctx, tenant, &goclient.CreateAgentParams{}, goclient.AgentCreate{Name: "", Model: "openai/gpt-4o-mini",
		Temperature: ptr(float32(3)), WindowSize: ptr(0)})
	require.NoError(t, err)
	require.Equal(t, http.StatusUnprocessableEntity, bad.StatusCode())
	require.NotNil(t, bad.ApplicationproblemJSON422)
	var locations []string
	for _, e := range *bad.ApplicationproblemJSON422.Errors {
		locations = append(locations, e.Location)
	}
	require.ElementsMatch(t, []string{"body.name", "body.temperature", "body.window_size"}, locations)
}

func ptr[T any](v T) *T { return &v }

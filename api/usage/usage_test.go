package usage_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/store"
	"github.com/konstruct/konstruct/api/usage"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

type figures struct {
	in, out, calls int64
	micros         int64 // cost in millionths of a dollar: exact
}

func (f *figures) add(in, out, micros int64) {
	f.in, f.out, f.calls, f.micros = f.in+in, f.out+out, f.calls+1, f.micros+micros
}

type apiFigures struct {
	InputTokens  int64   `json:"input_tokens"`
	OutputTokens int64   `json:"output_tokens"`
	Calls        int64   `json:"calls"`
	CostUSD      float64 `json:"cost_usd"`
}

func requireFigures(t *testing.T, want figures, got apiFigures, what string) {
	t.Helper()
	require.Equal(t, want.in, got.InputTokens, what)
	require.Equal(t, want.out, got.OutputTokens, what)
	require.Equal(t, want.calls, got.Calls, what)
	require.Equal(t, want.micros, int64(math.Round(got.CostUSD*1e6)), what)
}

func insertUsage(t *testing.T, s *apitest.Server, tenant uuid.UUID, agent *uuid.UUID, model string, in, out, micros int64, at time.Time) {
	t.Helper()
	_, err := s.DB.Owner.Exec(context.Background(), `INSERT INTO usage_records (id, tenant_id, agent_id, provider, model, key_source,
		input_tokens, output_tokens, cost_usd, created_at) VALUES ($1, $2, $3, 'openai', $4, 'platform', $5, $6, $7::numeric / 1000000, $8)`,
		uuid.New(), tenant, agent, model, in, out, micros, at)
	require.NoError(t, err)
}

func TestUsageAggregatesAMonthExactly(t *testing.T) {
	t.Parallel()
	s := apitest.New(t, apitest.Opts{})
	acct := s.SignUp(t)
	other := s.SignUp(t) // its usage must not count
	tenantPath := "/api/portal/tenants/" + acct.TenantID.String()
	var agents []*uuid.UUID
	names := map[uuid.UUID]string{}
	for _, name := range []string{"Ada", "Grace"} {
		r := acct.Client.Do("POST", tenantPath+"/agents", map[string]any{"name": name, "model": "openai/gpt-4o-mini"})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		id := uuid.MustParse(r.Map(t)["id"].(string))
		agents, names[id] = append(agents, &id), name
	}
	agents = append(agents, nil) // usage of a deleted agent
	models := []string{"openai/gpt-4o-mini", "openai/gpt-4o", "anthropic/claude-sonnet-4"}

	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(7, 42))
	var total figures
	byDay := make([]figures, 31)
	byAgent := map[string]*figures{}
	byModel := map[string]*figures{}
	for range 600 {
		day := rng.IntN(31)
		at := from.AddDate(0, 0, day).Add(time.Duration(rng.Int64N(int64(24 * time.Hour))))
		agent, model := agents[rng.IntN(len(agents))], models[rng.IntN(len(models))]
		in, out, micros := rng.Int64N(5000), rng.Int64N(2000), rng.Int64N(90000)
		insertUsage(t, s, acct.TenantID, agent, model, in, out, micros, at)
		total.add(in, out, micros)
		byDay[day].add(in, out, micros)
		key := "deleted"
		if agent != nil {
			key = agent.String()
		}
		if byAgent[key] == nil {
			byAgent[key] = &figures{}
		}
		byAgent[key].add(in, out, micros)
		if byModel[model] == nil {
			byModel[model] = &figures{}
		}
		byModel[model].add(in, out, micros)
	}
	// Just outside the range, and another tenant inside it.
	insertUsage(t, s, acct.TenantID, agents[0], models[0], 1, 1, 1, from.Add(-time.Microsecond))
	insertUsage(t, s, acct.TenantID, agents[0], models[0], 1, 1, 1, from.AddDate(0, 1, 0))
	insertUsage(t, s, other.TenantID, nil, models[0], 1, 1, 1, from.Add(time.Hour))

	r := acct.Client.Do("GET", tenantPath+"/usage?from=2026-03-01&to=2026-03-31", nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var got struct {
		From, To string
		Totals   apiFigures
		ByDay    []struct {
			Day string
			apiFigures
		} `json:"by_day"`
		ByAgent []struct {
			AgentID   *uuid.UUID `json:"agent_id"`
			AgentName string     `json:"agent_name"`
			apiFigures
		} `json:"by_agent"`
		ByModel []struct {
			Model string
			apiFigures
		} `json:"by_model"`
		Budget struct{ Status string }
	}
	r.JSON(t, &got)
	require.Equal(t, "2026-03-01", got.From)
	require.Equal(t, "2026-03-31", got.To)
	requireFigures(t, total, got.Totals, "totals")
	require.Len(t, got.ByDay, 31, "every day of the range, zeros included")
	for i, d := range got.ByDay {
		require.Equal(t, from.AddDate(0, 0, i).Format(time.DateOnly), d.Day)
		requireFigures(t, byDay[i], d.apiFigures, "day "+d.Day)
	}
	require.Len(t, got.ByAgent, 3)
	for i, a := range got.ByAgent {
		key, name := "deleted", "Deleted agent"
		if a.AgentID != nil {
			key, name = a.AgentID.String(), names[*a.AgentID]
		}
		require.Equal(t, name, a.AgentName)
		requireFigures(t, *byAgent[key], a.apiFigures, "agent "+name)
		if i > 0 {
			require.GreaterOrEqual(t, got.ByAgent[i-1].CostUSD, a.CostUSD, "costliest first")
		}
	}
	require.Len(t, got.ByModel, len(models))
	for _, m := range got.ByModel {
		requireFigures(t, *byModel[m.Model], m.apiFigures, "model "+m.Model)
	}
	require.Equal(t, "none", got.Budget.Status, "no limit set")

	// The monthly rollup the budget reads agrees with the records.
	var rollup int64
	require.NoError(t, s.DB.Owner.QueryRow(context.Background(), `SELECT (sum(cost_usd) * 1000000)::bigint FROM usage_monthly
		WHERE tenant_id = $1 AND month = '2026-03-01'`, acct.TenantID).Scan(&rollup))
	require.Equal(t, total.micros, rollup)

	// A bad range is a 422 on the field.
	r = acct.Client.Do("GET", tenantPath+"/usage?from=2026-03-10&to=2026-03-01", nil)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	require.Equal(t, []string{"query.to"}, r.Problem(t).Locations())
}

// A tenant's month-to-date spend is kept in shards chosen by the usage
// record's id (its last byte, modulo 16), so concurrent turns of one tenant
// do not queue on one row's lock; the budget reads their sum.
func TestMonthlySpendIsShardedByRecord(t *testing.T) {
	t.Parallel()
	s := apitest.New(t, apitest.Opts{})
	acct := s.SignUp(t)
	at := time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)
	ctx := context.Background()
	for i, id := range []string{"00", "01", "10", "0f", "ff"} {
		_, err := s.DB.Owner.Exec(ctx, `INSERT INTO usage_records (id, tenant_id, provider, model, key_source, input_tokens, output_tokens,
			cost_usd, created_at) VALUES ($1, $2, 'openai', 'm', 'platform', 1, 1, $3::numeric / 1000000, $4)`,
			uuid.MustParse("0190a000-0000-7000-8000-0000000000"+id), acct.TenantID, (i+1)*1000, at)
		require.NoError(t, err)
	}
	rows, err := s.DB.Owner.Query(ctx, `SELECT shard, calls, (cost_usd * 1000000)::bigint FROM usage_monthly
		WHERE tenant_id = $1 AND month = '2026-05-01' ORDER BY shard`, acct.TenantID)
	require.NoError(t, err)
	var got [][3]int64
	for rows.Next() {
		var r [3]int64
		require.NoError(t, rows.Scan(&r[0], &r[1], &r[2]))
		got = append(got, r)
	}
	require.NoError(t, rows.Err())
	// ids ending 00 and 10 share shard 0; 0f and ff share shard 15.
	require.Equal(t, [][3]int64{{0, 2, 1000 + 3000}, {1, 1, 2000}, {15, 2, 4000 + 5000}}, got)

	b, err := usage.LoadBudget(ctx, s.DB.TenantTx(t, acct.TenantID), at)
	require.NoError(t, err)
	require.Equal(t, int64(15000), int64(math.Round(b.MonthToDateUSD*1e6)), "the budget reads every shard of the month")
}

func TestBudgetStatesAndAlerts(t *testing.T) {
	t.Parallel()
	s := apitest.New(t, apitest.Opts{})
	acct := s.SignUp(t)
	tenantPath := "/api/portal/tenants/" + acct.TenantID.String()
	r := acct.Client.Do("PUT", tenantPath+"/budget", map[string]any{"limit_usd": 250, "action": "stop"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, "ok", r.Map(t)["status"])

	now := time.Now()
	check := func() []string {
		var fresh []string
		require.NoError(t, s.DB.Store.WithTenant(context.Background(), acct.TenantID, func(ctx context.Context, tx store.Tx) (err error) {
			fresh, err = usage.Check(ctx, tx, now)
			return err
		}))
		return fresh
	}
	// Last month's spend never counts toward this month.
	insertUsage(t, s, acct.TenantID, nil, "openai/gpt-4o", 1, 1, 900_000_000, usage.MonthStart(now).Add(-time.Second))
	for _, step := range []struct {
		addMicros int64
		percent   float64
		status    string
		alerts    []string
	}{
		{0, 0, "ok", nil},
		{197_500_000, 79, "ok", nil},                    // $197.50 of $250
		{2_500_000, 80, "warning", []string{"warning"}}, // $200.00: exactly 80 %
		{50_000_000, 100, "exceeded", []string{"exceeded"}},
	} {
		if step.addMicros > 0 {
			insertUsage(t, s, acct.TenantID, nil, "openai/gpt-4o", 10, 10, step.addMicros, now)
		}
		r := acct.Client.Do("GET", tenantPath+"/usage", nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var u struct {
			Budget struct {
				LimitUSD       float64 `json:"limit_usd"`
				Action         string
				MonthToDateUSD float64 `json:"month_to_date_usd"`
				Percent        float64
				Status         string
			}
		}
		r.JSON(t, &u)
		what := fmt.Sprintf("at %v %%", step.percent)
		require.Equal(t, step.status, u.Budget.Status, what)
		require.InDelta(t, step.percent, u.Budget.Percent, 1e-9, what)
		require.Equal(t, 250.0, u.Budget.LimitUSD)
		require.Equal(t, "stop", u.Budget.Action)
		require.Equal(t, check(), step.alerts, what)
		require.Empty(t, check(), "%s: an alert is written once a month", what)
	}
	var n int
	require.NoError(t, s.DB.Owner.QueryRow(context.Background(),
		"SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action IN ('budget.warning', 'budget.exceeded')", acct.TenantID).Scan(&n))
	require.Equal(t, 2, n)

	// A tenant that jumps straight past the cap gets both alerts at once.
	jump := s.SignUp(t)
	r = jump.Client.Do("PUT", "/api/portal/tenants/"+jump.TenantID.String()+"/budget", map[string]any{"limit_usd": 1, "action": "notify"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	insertUsage(t, s, jump.TenantID, nil, "openai/gpt-4o", 1, 1, 2_000_000, now)
	require.NoError(t, s.DB.Store.WithTenant(context.Background(), jump.TenantID, func(ctx context.Context, tx store.Tx) error {
		fresh, err := usage.Check(ctx, tx, now)
		require.Equal(t, []string{"warning", "exceeded"}, fresh)
		return err
	}))

	// The periodic job finds tenants with a limit across tenants and alerts once.
	sweep := s.SignUp(t)
	r = sweep.Client.Do("PUT", "/api/portal/tenants/"+sweep.TenantID.String()+"/budget", map[string]any{"limit_usd": 10, "action": "notify"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	insertUsage(t, s, sweep.TenantID, nil, "openai/gpt-4o", 1, 1, 8_500_000, now)
	worker := &usage.CheckWorker{Store: s.DB.Store, Log: slog.New(slog.DiscardHandler)}
	for range 2 {
		require.NoError(t, worker.Work(context.Background(), &river.Job[usage.CheckArgs]{}))
	}
	require.NoError(t, s.DB.Owner.QueryRow(context.Background(),
		"SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action LIKE 'budget.%' AND action <> 'budget.updated'", sweep.TenantID).Scan(&n))
	require.Equal(t, 1, n, "one warning, once")

	// Validation.
	r = acct.Client.Do("PUT", tenantPath+"/budget", map[string]any{"limit_usd": -1, "action": "stop"})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	r = acct.Client.Do("PUT", tenantPath+"/budget", map[string]any{"limit_usd": nil, "action": "notify"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, "none", r.Map(t)["status"])
}

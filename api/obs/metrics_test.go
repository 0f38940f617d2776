package obs_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/obs"
)

// Labels come only from bounded sets: whatever model ids tenants choose and
// whatever methods clients invent, the number of series stays fixed (issue
// 14: /metrics took model labels from tenant-chosen model ids).
func TestMetricsLabelsAreBounded(t *testing.T) {
	t.Parallel()
	m := obs.NewMetrics()
	m.SetKnownModels([]string{"openai/gpt-4o-mini", "anthropic/claude-haiku-4-5"})
	series := func() int {
		families, err := m.Registry.Gather()
		require.NoError(t, err)
		n := 0
		for _, f := range families {
			switch f.GetName() {
			case "konstruct_llm_calls_total", "konstruct_llm_tokens_total", "konstruct_llm_cost_usd_total",
				"konstruct_llm_call_duration_seconds", "konstruct_http_requests_total":
				n += len(f.GetMetric())
			}
		}
		return n
	}
	record := func(i int) {
		m.LLMCall("openai", "openai/gpt-4o-mini", true, 10, 5, 0.001, time.Millisecond)
		m.LLMCall("custom", fmt.Sprintf("custom/tenant-model-%d", i), true, 10, 5, 0, time.Millisecond)
		m.LLMCall(fmt.Sprintf("provider-%d", i), fmt.Sprintf("x/%d", i), false, 0, 0, 0, time.Millisecond)
		m.ObserveHTTP("/api/portal/me", fmt.Sprintf("M%d", i), 200, time.Millisecond)
		m.ObserveHTTP("/api/portal/me", "GET", 200+i%2, time.Millisecond)
	}
	record(0)
	record(1)
	before := series()
	for i := 2; i < 500; i++ {
		record(i)
	}
	require.Equal(t, before, series(), "new model ids, providers or methods made new series")

	families, err := m.Registry.Gather()
	require.NoError(t, err)
	for _, f := range families {
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				switch l.GetName() {
				case "model":
					require.Contains(t, []string{"openai/gpt-4o-mini", "anthropic/claude-haiku-4-5", "other"}, l.GetValue())
				case "provider":
					require.Contains(t, []string{"openai", "anthropic", "custom", "other"}, l.GetValue())
				case "method":
					require.Contains(t, []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"}, l.GetValue())
				}
			}
		}
	}
}

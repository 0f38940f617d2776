package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/fakes/slackfake"
)

// TestBenchRunsCleanly runs every phase briefly: the tool must keep working
// (a benchmark that silently measures errors is worse than none), every
// acknowledged event must be answered, and the JSON must carry the ratios.
func TestBenchRunsCleanly(t *testing.T) {
	out := filepath.Join(t.TempDir(), "bench.json")
	o := opts{duration: 700 * time.Millisecond, concurrency: 4, rate: 40, e2eRate: 20, dbConns: 10, out: out,
		adminURL: envOr("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")}
	require.NoError(t, run(context.Background(), o))

	data, err := os.ReadFile(out)
	require.NoError(t, err)
	var res Result
	require.NoError(t, json.Unmarshal(data, &res))
	require.Positive(t, res.Baseline.Count)
	require.Positive(t, res.Ingest.Count)
	require.Zero(t, res.Ingest.Errors)
	require.Zero(t, res.IngestRated.Errors)
	require.Positive(t, res.EndToEnd.Count)
	require.Zero(t, res.EndToEnd.Errors)
	require.Zero(t, res.EndToEnd.Unanswered, "every acknowledged event is answered")
	require.Positive(t, res.Ratios["ingest_vs_baseline"])
	require.Positive(t, res.EndToEnd.RoundTripsBySteps["turn.claim"], "the turn's round trips are reported by step")
	require.Positive(t, res.EndToEnd.RoundTripsBySteps["turn.deliver"])
}

// TestMentionEnvelopeMatchesSlackfake: the load generator's fast encoding is
// the same delivery as the fake Slack's (the one the product's tests post).
func TestMentionEnvelopeMatchesSlackfake(t *testing.T) {
	var fast, slow map[string]any
	require.NoError(t, json.Unmarshal(mentionEnvelope("T1", "Ev1", "U1", "C1", "1800000000.000001", "<@UBOT> hello"), &fast))
	require.NoError(t, json.Unmarshal(slackfake.Envelope("T1", "Ev1", slackfake.Mention("U1", "C1", "1800000000.000001", "<@UBOT> hello")), &slow))
	// event_time is the clock's second at encoding; the two may straddle one.
	require.InDelta(t, slow["event_time"], fast["event_time"], 1)
	fast["event_time"], slow["event_time"] = nil, nil
	require.Equal(t, slow, fast)
}

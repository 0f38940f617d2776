package events_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/events"
	"github.com/konstruct/konstruct/api/fakes/webhookfake"
)

func TestRetrySchedule(t *testing.T) {
	t.Parallel()
	s := events.DefaultSchedule
	first := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	none := func() float64 { return 0.5 } // no jitter

	t.Run("ExponentialThenCapped", func(t *testing.T) {
		t.Parallel()
		want := []time.Duration{5 * time.Second, 20 * time.Second, 80 * time.Second, 320 * time.Second, 1280 * time.Second,
			5120 * time.Second, 20480 * time.Second, 12 * time.Hour, 12 * time.Hour}
		for i, d := range want {
			require.Equal(t, d, s.Delay(i+1), "after failure %d", i+1)
		}
	})

	t.Run("ForThreeDaysThenGivesUp", func(t *testing.T) {
		t.Parallel()
		now, n := first, 1
		var at []time.Duration
		for {
			next, ok := s.Next(n, first, now, 0, none)
			if !ok {
				break
			}
			require.True(t, next.After(now))
			now, n = next, n+1
			at = append(at, now.Sub(first))
		}
		require.Equal(t, 72*time.Hour, at[len(at)-1], "the last attempt is at the horizon")
		require.Len(t, at, 13, "14 attempts in all")
		require.Equal(t, []time.Duration{5 * time.Second, 25 * time.Second, 105 * time.Second, 425 * time.Second}, at[:4])
		_, ok := s.Next(n, first, first.Add(72*time.Hour), 0, none)
		require.False(t, ok)
	})

	t.Run("JitterStaysWithinTwentyPercent", func(t *testing.T) {
		t.Parallel()
		for _, j := range []float64{0, 0.25, 0.999} {
			next, ok := s.Next(3, first, first, 0, func() float64 { return j })
			require.True(t, ok)
			d := next.Sub(first)
			require.GreaterOrEqual(t, d, 64*time.Second)
			require.LessOrEqual(t, d, 96*time.Second)
		}
		lo, _ := s.Next(3, first, first, 0, func() float64 { return 0 })
		hi, _ := s.Next(3, first, first, 0, func() float64 { return 0.999 })
		require.True(t, hi.After(lo), "jitter spreads retries")
	})

	t.Run("RetryAfterLengthensUpToTheCap", func(t *testing.T) {
		t.Parallel()
		next, _ := s.Next(1, first, first, time.Minute, none)
		require.Equal(t, time.Minute, next.Sub(first))
		next, _ = s.Next(1, first, first, 48*time.Hour, none)
		require.Equal(t, 12*time.Hour, next.Sub(first))
	})

	t.Run("ScaledForTests", func(t *testing.T) {
		t.Parallel()
		sc := events.ScheduleFor(100*time.Millisecond, 3*time.Second)
		require.Equal(t, 500*time.Millisecond, sc.Max)
		require.Equal(t, 3*time.Second, sc.For)
	})
}

type attemptRow struct {
	attempt int
	started time.Time
	status  *int
	outcome string
	err     string
}

func (b *bundle) attempts(t *testing.T, endpointID string) []attemptRow {
	t.Helper()
	rows, err := b.s.DB.Owner.Query(context.Background(), `SELECT a.attempt, a.started_at, a.status_code, a.outcome, a.error
		FROM webhook_attempts a WHERE a.endpoint_id = $1 ORDER BY a.started_at, a.attempt`, endpointID)
	require.NoError(t, err)
	defer rows.Close()
	var out []attemptRow
	for rows.Next() {
		var a attemptRow
		require.NoError(t, rows.Scan(&a.attempt, &a.started, &a.status, &a.outcome, &a.err))
		out = append(out, a)
	}
	require.NoError(t, rows.Err())
	return out
}

// A receiver that always fails gets the delivery retried on the schedule
// (each attempt no earlier than its backoff allows) for the whole horizon;
// then the delivery fails, and the endpoint, failing all that time, is
// disabled with an audit event and says why.
func TestPersistentFailureDisablesTheEndpoint(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{"WEBHOOK_RETRY_FIRST": "100ms", "WEBHOOK_RETRY_FOR": "3s"})
	b.recv.Respond(func(webhookfake.Request) webhookfake.Reply {
		return webhookfake.Reply{Status: 500, Body: "down for maintenance"}
	})
	id, _ := b.endpoint(t, nil)
	ep := b.tenant + "/webhook-endpoints/" + id.String()
	b.agent(t, nil)

	var endpoint struct {
		Enabled        bool    `json:"enabled"`
		DisabledReason *string `json:"disabled_reason"`
		FailingSince   *string `json:"failing_since"`
		LastError      string  `json:"last_error"`
	}
	require.Eventually(t, func() bool {
		b.acct.Client.Do("GET", ep, nil).JSON(t, &endpoint)
		return !endpoint.Enabled
	}, 20*time.Second, 50*time.Millisecond)
	require.Equal(t, events.DisabledFailing, *endpoint.DisabledReason)
	require.Contains(t, endpoint.LastError, "500")

	sched := events.ScheduleFor(100*time.Millisecond, 3*time.Second)
	as := b.attempts(t, id.String())
	require.GreaterOrEqual(t, len(as), 6, "retried over the horizon")
	for i, a := range as {
		require.Equal(t, i+1, a.attempt)
		require.Equal(t, "failed", a.outcome)
		require.Equal(t, 500, *a.status)
		require.Equal(t, "the endpoint answered 500", a.err)
		if i > 0 {
			// No earlier than its backoff (less jitter), or the horizon's end.
			earliest := as[i-1].started.Add(time.Duration(0.8 * float64(sched.Delay(i))))
			if end := as[0].started.Add(sched.For); end.Before(earliest) {
				earliest = end
			}
			require.False(t, a.started.Before(earliest), "attempt %d came before its backoff", i+1)
		}
	}
	var state string
	var first, completed time.Time
	require.NoError(t, b.s.DB.Owner.QueryRow(context.Background(), "SELECT state, first_attempt_at, completed_at FROM webhook_deliveries WHERE endpoint_id = $1",
		id).Scan(&state, &first, &completed))
	require.Equal(t, "failed", state)
	require.GreaterOrEqual(t, completed.Sub(first), sched.For, "given up only after the whole horizon")
	require.Greater(t, as[len(as)-1].started.Sub(as[0].started), sched.For-sched.Max, "attempted until the end of the horizon")
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'webhook_endpoint.disabled' AND metadata->>'reason' = 'failing'", b.acct.TenantID))

	// Disabled: new events are not sent to it.
	n := len(b.recv.Requests())
	b.agent(t, map[string]any{"name": "Later"})
	b.s.Settle(t)
	require.NoError(t, b.s.App.Events.RelayOnce(context.Background()))
	b.s.Settle(t)
	require.Len(t, b.recv.Requests(), n)
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1", id))
}

// 410 Gone disables the endpoint at once: no retry, and what was queued
// for it is cancelled.
func TestGoneDisablesTheEndpoint(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	hold := make(chan struct{})
	b.recv.Respond(func(r webhookfake.Request) webhookfake.Reply {
		if r.Seq == 1 {
			<-hold // the first answer waits until the others are queued
		}
		return webhookfake.Reply{Status: http.StatusGone}
	})
	id, _ := b.endpoint(t, map[string]any{"event_types": []string{events.TypeAgentCreated, events.TypeAgentUpdated}})
	agent := b.agent(t, nil)
	b.recv.WaitN(t, 1, 15*time.Second)
	// Two more events of the same agent wait behind the first.
	for _, name := range []string{"Bea", "Cy"} {
		r := b.acct.Client.Do("PATCH", b.tenant+"/agents/"+agent, map[string]any{"name": name})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}
	require.Eventually(t, func() bool {
		return b.count(t, "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1", id) == 3
	}, 15*time.Second, 20*time.Millisecond)
	close(hold)

	require.Eventually(t, func() bool {
		return b.count(t, "SELECT count(*) FROM webhook_endpoints WHERE id = $1 AND NOT enabled AND disabled_reason = 'gone'", id) == 1
	}, 15*time.Second, 20*time.Millisecond)
	b.s.Settle(t)
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM webhook_attempts WHERE endpoint_id = $1", id), "no retry after 410")
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1 AND state = 'failed'", id))
	require.Equal(t, 2, b.count(t, "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1 AND state = 'cancelled'", id))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'webhook_endpoint.disabled' AND metadata->>'reason' = 'gone'", b.acct.TenantID))
}

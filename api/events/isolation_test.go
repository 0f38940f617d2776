package events_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/fakes/webhookfake"
	"github.com/konstruct/konstruct/api/store"
)

// slowWorld is a webhooks queue of two workers, two requests in flight per
// endpoint, and a receiver that answers each request only when hold is sent
// to (the rest when the test ends).
func slowWorld(t *testing.T) (*bundle, *webhookfake.Server, chan struct{}) {
	b := setup(t, map[string]string{"WEBHOOK_CONCURRENCY": "2", "WEBHOOK_ENDPOINT_CONCURRENCY": "2", "WEBHOOK_TIMEOUT": "60s"})
	slow := webhookfake.New(t)
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	slow.Respond(func(webhookfake.Request) webhookfake.Reply { return webhookfake.Reply{Hold: hold} })
	return b, slow, hold
}

// An endpoint that never answers holds one worker of the webhooks queue and
// at most WEBHOOK_ENDPOINT_CONCURRENCY requests, whatever its backlog: with
// only two workers, another endpoint of the same tenant and another tenant's
// endpoint still get every event while it hangs.
func TestSlowEndpointDoesNotDelayOthers(t *testing.T) {
	t.Parallel()
	b, slow, hold := slowWorld(t)
	slowID, _ := b.endpoint(t, map[string]any{"url": slow.URL + "/slow"})
	b.endpoint(t, nil) // fast, same tenant

	other := b.s.SignUp(t)
	otherRecv := webhookfake.New(t)
	r := other.Client.Do("POST", "/api/portal/tenants/"+other.TenantID.String()+"/webhook-endpoints", map[string]any{"url": otherRecv.URL})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	const n = 12
	for i := range n {
		b.agent(t, map[string]any{"name": "Agent " + string(rune('A'+i))})
	}
	slow.WaitN(t, 2, 15*time.Second)
	b.recv.WaitN(t, n, 20*time.Second)
	for range 3 {
		r := other.Client.Do("POST", "/api/portal/tenants/"+other.TenantID.String()+"/agents", map[string]any{"name": "Other", "model": "openai/gpt-4o-mini"})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}
	otherRecv.WaitN(t, 3, 20*time.Second)

	require.Len(t, slow.Requests(), 2, "the slow endpoint never has more than its share in flight")
	require.Equal(t, n-2, b.count(t, "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1 AND state = 'pending' AND attempts = 0", slowID),
		"the slow endpoint's backlog waits for it")

	hold <- struct{}{} // let one request through; the rest follow as it answers
	slow.WaitN(t, 3, 20*time.Second)
}

// A receiver slow to answer gets its share of a backlog that builds up while
// its first request hangs: the events come one at a time, so when the
// delivery job starts only one is due, and the job's other lane must not
// have left by the time the second is recorded.
func TestSlowEndpointGetsItsShareOfALaterBacklog(t *testing.T) {
	t.Parallel()
	b, slow, _ := slowWorld(t)
	b.endpoint(t, map[string]any{"url": slow.URL + "/slow"})

	b.agent(t, map[string]any{"name": "First"})
	slow.WaitN(t, 1, 15*time.Second) // held: one lane is sending
	b.agent(t, map[string]any{"name": "Second"})
	slow.WaitN(t, 2, 15*time.Second) // main: only once the first answered (60 s)
}

// RLS on the new tables: inside one tenant's transaction another tenant's
// endpoints, events, deliveries and attempts are invisible and cannot be
// written; store's catalogue-wide test covers them too (seed_test.go).
func TestNewTablesAreTenantIsolated(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.endpoint(t, nil)
	b.agent(t, nil)
	b.recv.WaitN(t, 1, 15*time.Second)
	b.s.Settle(t)
	other := b.s.SignUp(t)
	ctx := context.Background()
	err := b.s.App.Store.WithTenant(ctx, other.TenantID, func(ctx context.Context, tx store.Tx) error {
		for _, table := range []string{"outbound_events", "webhook_endpoints", "webhook_deliveries", "webhook_attempts"} {
			var n int
			require.NoError(t, tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n))
			require.Zero(t, n, "%s: another tenant's rows are visible", table)
		}
		_, err := tx.ExecContext(ctx, "SAVEPOINT s")
		require.NoError(t, err)
		_, err = tx.ExecContext(ctx, "INSERT INTO outbound_events (id, tenant_id, type, data) VALUES (?, ?, 'agent.created', '{}')", uuid.New(), b.acct.TenantID)
		require.ErrorContains(t, err, "row-level security")
		_, err = tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT s")
		return err
	})
	require.NoError(t, err)
	// Without a tenant, nothing at all; the relay goes through its
	// SECURITY DEFINER functions instead.
	var n int
	require.NoError(t, b.s.App.Store.Pool.QueryRow(ctx, "SELECT count(*) FROM outbound_events").Scan(&n))
	require.Zero(t, n)
}

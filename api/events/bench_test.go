package events_test

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/konstruct/konstruct/api/events"
	"github.com/konstruct/konstruct/api/fakes/webhookfake"
)

// BenchmarkDelivery measures events delivered per second to local receivers
// that answer at once, from the outbox row to the receiver's 2xx recorded,
// against a baseline measured in the same run: the same requests POSTed
// straight to the receivers with the same concurrency and no bookkeeping.
//
//	go test -run '^$' -bench Delivery -benchtime 2000x ./api/events
func BenchmarkDelivery(b *testing.B) {
	for _, endpoints := range []int{1, 4} {
		b.Run("Endpoints"+strconv.Itoa(endpoints), func(b *testing.B) {
			benchDelivery(b, endpoints)
		})
	}
}

func benchDelivery(b *testing.B, endpoints int) {
	trips := &roundTrips{}
	bt := setupTraced(b, map[string]string{"WEBHOOK_CONCURRENCY": "32"}, trips)
	ctx := context.Background()
	var recvs []*webhookfake.Server
	for range endpoints {
		r := webhookfake.New(b)
		r.Respond(func(webhookfake.Request) webhookfake.Reply { return webhookfake.Reply{Status: http.StatusNoContent} })
		recvs = append(recvs, r)
		rr := bt.acct.Client.Do("POST", bt.tenant+"/webhook-endpoints", map[string]any{"url": r.URL + "/hooks"})
		if rr.Status != http.StatusCreated {
			b.Fatalf("endpoint: %s", rr.Body)
		}
	}
	// Baseline: the same number of signed POSTs, EndpointConcurrency (4)
	// at a time per receiver, with no database at all.
	body, _ := events.Body(uuid.New(), events.TypeAgentCreated, 1, time.Now(), bt.acct.TenantID, []byte(`{"agent_id":"x","name":"Ada","model":"m","is_active":true}`))
	client := &http.Client{Timeout: 10 * time.Second}
	start := time.Now()
	var wg sync.WaitGroup
	for _, r := range recvs {
		for lane := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := lane; i < b.N; i += 4 {
					h, _ := events.Sign(uuid.NewString(), time.Now(), body, events.NewSecret())
					req, _ := http.NewRequest("POST", r.URL+"/hooks", bytes.NewReader(body))
					req.Header.Set("webhook-id", h.ID)
					req.Header.Set("webhook-timestamp", h.Timestamp)
					req.Header.Set("webhook-signature", h.Signature)
					resp, err := client.Do(req)
					if err == nil {
						resp.Body.Close()
					}
				}
			}()
		}
	}
	wg.Wait()
	baseline := float64(b.N*endpoints) / time.Since(start).Seconds()
	for _, r := range recvs {
		r.WaitN(b, b.N, time.Minute)
	}

	// Events recorded in one statement (each a subject of its own, as
	// agents or conversations are), then delivered by the product.
	b.ResetTimer()
	before := trips.n.Load()
	start = time.Now()
	if _, err := bt.s.DB.Owner.Exec(ctx, `INSERT INTO outbound_events (id, tenant_id, type, subject, data)
		SELECT gen_random_uuid(), $1, 'agent.created', 'agent:' || g, '{"agent_id":"x","name":"Ada","model":"m","is_active":true}'
		FROM generate_series(1, $2) g`, bt.acct.TenantID, b.N); err != nil {
		b.Fatal(err)
	}
	for _, r := range recvs {
		r.WaitN(b, 2*b.N, 5*time.Minute)
	}
	deadline := time.Now().Add(time.Minute)
	for bt.count(b, "SELECT count(*) FROM webhook_deliveries WHERE tenant_id = $1 AND state = 'succeeded'", bt.acct.TenantID) < b.N*endpoints {
		if time.Now().After(deadline) {
			b.Fatal("deliveries not recorded within a minute")
		}
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	delivered := float64(b.N*endpoints) / elapsed.Seconds()
	b.ReportMetric(delivered, "delivered/s")
	b.ReportMetric(baseline, "baseline/s")
	b.ReportMetric(delivered/baseline, "ratio")
	b.ReportMetric(float64(trips.n.Load()-before)/float64(b.N*endpoints), "trips/delivery")
}

// roundTrips counts database round trips (statements, prepares, batches)
// of the server and its workers, as konstruct-bench does.
type roundTrips struct{ n atomic.Int64 }

func (c *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (c *roundTrips) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *roundTrips) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}
func (c *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

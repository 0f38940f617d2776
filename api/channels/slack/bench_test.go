package slack_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
	"github.com/konstruct/konstruct/api/turns"
)

// BenchmarkIngest measures a signed Slack event becoming a committed message
// row and agent-turn job, through HTTP, signature check, routing and the
// transaction (no workers run, so nothing else competes). Compare with
// BenchmarkIngestBaseline, the same two inserts straight from pgx.
func BenchmarkIngest(b *testing.B) {
	s, f := apitest.WithFakes(b, apitest.Opts{})
	acct := s.SignUp(b)
	ws := s.InstallSlack(b, acct, f)
	var seq atomic.Int64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			body := slackfake.Envelope(ws.TeamID, fmt.Sprintf("EvBench%d", n),
				slackfake.Mention("UBENCH", "CBENCH", fmt.Sprintf("1700000000.%06d", n), "<@"+ws.BotUserID+"> hello"))
			req, _ := http.NewRequest("POST", s.URL+"/api/webhooks/slack/events", bytesReader(body))
			req.Header.Set("Content-Type", "application/json")
			slackfake.Sign(req.Header, f.SlackSigningSecret, body, time.Now())
			resp, err := client.Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				b.Fatalf("ingest: %v %v", err, resp)
			}
			resp.Body.Close()
		}
	})
}

// BenchmarkIngestBaseline is the floor under ingest: one transaction that sets
// the tenant and inserts a message row and its River job, over pgx, as the
// application role.
func BenchmarkIngestBaseline(b *testing.B) {
	s, f := apitest.WithFakes(b, apitest.Opts{})
	acct := s.SignUp(b)
	ws := s.InstallSlack(b, acct, f)
	ctx := context.Background()
	var convID uuid.UUID
	// One conversation to attach messages to, created the normal way.
	s.SlackEvent(b, f, slackfake.Envelope(ws.TeamID, "EvSeed", slackfake.Mention("USEED", "CSEED", "1600000000.000001", "seed")))
	if err := s.DB.Owner.QueryRow(ctx, "SELECT id FROM conversations WHERE tenant_id = $1", acct.TenantID).Scan(&convID); err != nil {
		b.Fatal(err)
	}
	pool := s.App.Store.Pool
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		b.Fatal(err)
	}
	var seq atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, "SELECT set_config('app.current_tenant', $1, true)", acct.TenantID.String()); err != nil {
					return err
				}
				id := uuid.Must(uuid.NewV7())
				if _, err := tx.Exec(ctx, `INSERT INTO messages (id, tenant_id, conversation_id, connection_id, role, external_id, body)
					VALUES ($1, $2, $3, $4, 'user', $5, 'hello')`, id, acct.TenantID, convID, ws.ConnectionID, fmt.Sprintf("base:%d", n)); err != nil {
					return err
				}
				_, err := rc.InsertTx(ctx, tx, turns.Args{TenantID: acct.TenantID, ConversationID: convID, MessageID: id}, nil)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

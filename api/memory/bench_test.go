package memory

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/konstruct/konstruct/api/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// seedScope writes n messages and their memories for one person with one
// agent, straight into the tables (COPY), and returns the scope.
func seedScope(b *testing.B, d *dbtest.DB, n int) (uuid.UUID, Scope) {
	ctx := context.Background()
	tenant, agent, conn, conv := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"INSERT INTO tenants (id, name) VALUES ($1, 'bench')", []any{tenant}},
		{"INSERT INTO agents (id, tenant_id, name, model) VALUES ($1, $2, 'A', 'openai/gpt-4o-mini')", []any{agent, tenant}},
		{"INSERT INTO channel_connections (id, tenant_id, type, external_id, secret_ciphertext, secret_key_version) VALUES ($1, $2, 'slack', $3, '\\x00', 1)", []any{conn, tenant, conn.String()}},
		{"INSERT INTO conversations (id, tenant_id, connection_id, channel_type, thread_key, channel_ref, participant_id) VALUES ($1, $2, $3, 'slack', 'k', 'C', 'U1')", []any{conv, tenant, conn}},
	} {
		if _, err := d.Owner.Exec(ctx, q.sql, q.args...); err != nil {
			b.Fatal(err)
		}
	}
	scope := Scope{AgentID: agent, ParticipantKey: ParticipantKey(conn, "U1")}
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	msgRows, memRows := make([][]any, n), make([][]any, n)
	for i := range n {
		id := uuid.New()
		text := fmt.Sprintf("message %d about topic %d and item %d", i, rng.IntN(200), rng.IntN(1000))
		msgRows[i] = []any{id, tenant, conv, conn, "user", text}
		v, _ := Offline{}.Embed(ctx, []string{text})
		memRows[i] = []any{uuid.New(), tenant, agent, scope.ParticipantKey, id, conv, "user", Offline{}.ID(), encode(v[0]), time.Now()}
	}
	if _, err := d.Owner.CopyFrom(ctx, pgx.Identifier{"messages"}, []string{"id", "tenant_id", "conversation_id", "connection_id", "role", "body"}, pgx.CopyFromRows(msgRows)); err != nil {
		b.Fatal(err)
	}
	if _, err := d.Owner.CopyFrom(ctx, pgx.Identifier{"memories"}, []string{"id", "tenant_id", "agent_id", "participant_key", "message_id", "conversation_id",
		"role", "embedder", "embedding", "said_at"}, pgx.CopyFromRows(memRows)); err != nil {
		b.Fatal(err)
	}
	return tenant, scope
}

// BenchmarkRecall measures a turn's memory search (embed the query, score
// the scope, load the top 5 texts) at 1,000 and 10,000 memories in scope.
func BenchmarkRecall(b *testing.B) {
	d := dbtest.New(b)
	ctx := context.Background()
	svc := &Service{store: d.Store, embedder: Offline{}}
	for _, n := range []int{1000, 10000} {
		tenant, scope := seedScope(b, d, n)
		b.Run(fmt.Sprintf("memories=%d", n), func(b *testing.B) {
			for b.Loop() {
				tx, err := d.Store.BeginTenant(ctx, tenant)
				if err != nil {
					b.Fatal(err)
				}
				q, _ := svc.embedder.Embed(ctx, []string{"what did I say about topic 42 and item 7"})
				found, err := svc.Search(ctx, tx, scope, q[0], 5, nil)
				_ = tx.Rollback()
				if err != nil || len(found) == 0 {
					b.Fatalf("search: %v (%d found)", err, len(found))
				}
			}
		})
	}
}

package knowledge

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/memory"
	"github.com/konstruct/konstruct/api/store"
)

// countQueries counts the statements sent (each is one round trip here).
type countQueries struct{ n atomic.Int64 }

func (c *countQueries) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *countQueries) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// seedChunks writes n chunks of 60 words drawn (Zipf) from a 5,000-word
// vocabulary into one source of a new tenant, with an agent assigned to it.
func seedChunks(b *testing.B, d *dbtest.DB, n int) (tenant, agent uuid.UUID) {
	ctx := context.Background()
	tenant, agent = uuid.New(), uuid.New()
	source, doc := uuid.New(), uuid.New()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"INSERT INTO tenants (id, name) VALUES ($1, 'bench')", []any{tenant}},
		{"INSERT INTO agents (id, tenant_id, name, model) VALUES ($1, $2, 'A', 'openai/gpt-4o-mini')", []any{agent, tenant}},
		{"INSERT INTO knowledge_sources (id, tenant_id, kind, title, status) VALUES ($1, $2, 'file', 'Manual', 'ready')", []any{source, tenant}},
		{"INSERT INTO knowledge_documents (id, tenant_id, source_id, content_hash) VALUES ($1, $2, $3, 'x')", []any{doc, tenant, source}},
		{"INSERT INTO agent_knowledge_sources (tenant_id, agent_id, source_id) VALUES ($1, $2, $3)", []any{tenant, agent, source}},
	} {
		if _, err := d.Owner.Exec(ctx, q.sql, q.args...); err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	zipf := rand.NewZipf(rng, 1.1, 2, 4999)
	rows := make([][]any, n)
	for i := range n {
		words := make([]string, 60)
		for j := range words {
			words[j] = fmt.Sprintf("w%d", zipf.Uint64())
		}
		text := strings.Join(words, " ")
		terms, freqs, length := termFreqs(text)
		v, _ := memory.Offline{}.Embed(ctx, []string{text})
		rows[i] = []any{uuid.New(), tenant, source, doc, i, "Manual", text, 80, terms, freqs, length, memory.Offline{}.ID(), encode(v[0])}
	}
	if _, err := d.Owner.CopyFrom(ctx, pgx.Identifier{"knowledge_chunks"}, []string{"id", "tenant_id", "source_id", "document_id", "ordinal",
		"title", "body", "tokens", "terms", "freqs", "term_count", "embedder", "embedding"}, pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	if _, err := d.Owner.Exec(ctx, "ANALYZE knowledge_chunks"); err != nil {
		b.Fatal(err)
	}
	return tenant, agent
}

// BenchmarkRetrieve measures a turn's knowledge retrieval (settings, BM25,
// the exact vector scan, fusion, loading the chunks) in one tenant, at 10k
// and 100k chunks (KNOWLEDGE_BENCH_LARGE=1 for 100k), with p50/p95 and the
// statements it sends.
func BenchmarkRetrieve(b *testing.B) {
	sizes := []int{10_000}
	if testingLarge() {
		sizes = append(sizes, 100_000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("Chunks%d", n), func(b *testing.B) {
			d := dbtest.Isolated(b)
			tenant, agent := seedChunks(b, d, n)
			tracer := &countQueries{}
			st, err := store.Open(context.Background(), d.AppURL, store.OpenOpts{MaxConns: 4, AppName: "bench", Tracer: tracer})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			svc := New(Opts{Store: st, Embedder: memory.Offline{}})
			queries := []string{"w2 w17 w300", "w5 w1200", "w42 w43 w44 w45", "w900 w3", "w7 w8 w1999"}
			var lat []time.Duration
			var statements int64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				q := queries[i%len(queries)]
				err := st.WithTenant(context.Background(), tenant, func(ctx context.Context, tx store.Tx) error {
					before := tracer.n.Load()
					start := time.Now()
					_, err := svc.Retrieve(ctx, tx, agent, q)
					lat = append(lat, time.Since(start))
					statements += tracer.n.Load() - before
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(statements)/float64(b.N), "statements/op")
		})
	}
}

func testingLarge() bool { return strings.TrimSpace(getenv("KNOWLEDGE_BENCH_LARGE")) == "1" }

var getenv = os.Getenv

package knowledge

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun/dialect/pgdialect"

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
	// As autovacuum leaves a settled table: statistics and the visibility map
	// (index-only scans).
	if _, err := d.Owner.Exec(ctx, "VACUUM ANALYZE knowledge_chunks"); err != nil {
		b.Fatal(err)
	}
	return tenant, agent
}

// BenchmarkRetrieve measures a turn's knowledge retrieval (settings, then
// BM25, the vector shortlist and the chunks in one statement, fusion) in one
// tenant, at 10k and 100k chunks (KNOWLEDGE_BENCH_LARGE=1 for 100k), with
// p50/p95, the statements it sends, and, as a baseline in the same run and
// database, a trivial indexed read of one chunk by primary key in the same
// kind of tenant transaction (ratios: x-baseline-p50/p95). vector-recall is
// the share of the exact cosine top 50 the shortlist found, over the queries.
func BenchmarkRetrieve(b *testing.B) {
	sizes := []int{10_000}
	if n, err := strconv.Atoi(getenv("KNOWLEDGE_BENCH_N")); err == nil {
		sizes = []int{n}
	}
	if testingLarge() {
		sizes = append(sizes, 100_000)
	}
	queries := []string{"w2 w17 w300", "w5 w1200", "w42 w43 w44 w45", "w900 w3", "w7 w8 w1999"}
	for _, n := range sizes {
		// Seeded once per size, outside the timed sub-benchmarks (which run
		// several times as b.N grows).
		d := dbtest.Isolated(b)
		tenant, agent := seedChunks(b, d, n)
		tracer := &countQueries{}
		st, err := store.Open(context.Background(), d.AppURL, store.OpenOpts{MaxConns: 4, AppName: "bench", Tracer: tracer})
		if err != nil {
			b.Fatal(err)
		}
		svc := New(Opts{Store: st, Embedder: memory.Offline{}})
		var someID uuid.UUID
		if err := d.Owner.QueryRow(context.Background(), "SELECT id FROM knowledge_chunks WHERE tenant_id = $1 LIMIT 1", tenant).Scan(&someID); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		ivf, err := svc.MaintainIVF(context.Background(), tenant)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%d chunks: vector index %d lists trained and %d chunks assigned in %s", n, ivf.Lists, ivf.Assigned, time.Since(start).Round(time.Millisecond))
		// Settled again after the vector index was written.
		if _, err := d.Owner.Exec(context.Background(), "VACUUM ANALYZE knowledge_chunks, knowledge_vectors"); err != nil {
			b.Fatal(err)
		}
		if getenv("KNOWLEDGE_BENCH_EXPLAIN") == "1" {
			explain(b, st, svc, tenant, agent, queries)
		}
		recall := vectorRecall(b, d, st, tenant, queries)
		kwRecall := keywordRecall(b, d, st, tenant, queries)
		var base [2]float64
		b.Run(fmt.Sprintf("Chunks%d/baseline", n), func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				err := st.WithTenant(context.Background(), tenant, func(ctx context.Context, tx store.Tx) error {
					start := time.Now()
					var body string
					err := tx.NewRaw("SELECT body FROM knowledge_chunks WHERE tenant_id = ? AND id = ?", tenant, someID).Scan(ctx, &body)
					lat = append(lat, time.Since(start))
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			base = percentiles(b, lat)
		})
		b.Run(fmt.Sprintf("Chunks%d/retrieve", n), func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			var statements int64
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
			p := percentiles(b, lat)
			if base[0] > 0 {
				b.ReportMetric(p[0]/base[0], "x-baseline-p50")
				b.ReportMetric(p[1]/base[1], "x-baseline-p95")
			}
			b.ReportMetric(float64(statements)/float64(b.N), "statements/op")
			b.ReportMetric(recall, "vector-recall")
			b.ReportMetric(kwRecall, "keyword-recall")
		})
		st.Close()
	}
}

func percentiles(b *testing.B, lat []time.Duration) [2]float64 {
	slices.Sort(lat)
	p := [2]float64{float64(lat[len(lat)/2].Microseconds()) / 1000, float64(lat[len(lat)*95/100].Microseconds()) / 1000}
	b.ReportMetric(p[0], "p50-ms")
	b.ReportMetric(p[1], "p95-ms")
	return p
}

// vectorRecall compares the vector side of retrieve (the sign-bit shortlist
// re-ranked exactly) with the exact cosine top 50 over every chunk (read
// through the owner connection, untimed).
func vectorRecall(b *testing.B, d *dbtest.DB, st *store.Store, tenant uuid.UUID, queries []string) float64 {
	ctx := context.Background()
	found, total := 0, 0
	for _, query := range queries {
		qv, _ := memory.Offline{}.Embed(ctx, []string{query})
		rows, err := d.Owner.Query(ctx, "SELECT id, embedding FROM knowledge_chunks WHERE tenant_id = $1", tenant)
		if err != nil {
			b.Fatal(err)
		}
		var exact []vectorHit
		for rows.Next() {
			var id uuid.UUID
			var raw []byte
			if err := rows.Scan(&id, &raw); err != nil {
				b.Fatal(err)
			}
			exact = append(exact, vectorHit{id, float64(dot(qv[0], raw))})
		}
		rows.Close()
		sortVector(exact)
		exact = exact[:min(candidates, len(exact))]
		var got []vectorHit
		err = st.WithTenant(ctx, tenant, func(ctx context.Context, tx store.Tx) error {
			res, err := retrieve(ctx, tx, request{scope: Scope{All: true}, query: query, embedder: memory.Offline{}.ID(), q: qv[0], k: candidates})
			if res != nil {
				got = res.vec
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		found += overlap(got, exact, func(h vectorHit) uuid.UUID { return h.ID })
		total += len(exact)
	}
	return float64(found) / float64(total)
}

// overlap counts the hits of exact that got found too.
func overlap[H any](got, exact []H, id func(H) uuid.UUID) int {
	ids := make(map[uuid.UUID]bool, len(got))
	for _, h := range got {
		ids[id(h)] = true
	}
	n := 0
	for _, h := range exact {
		if ids[id(h)] {
			n++
		}
	}
	return n
}

// keywordRecall compares retrieve's BM25 top 50 (candidates from the index,
// scored exactly) with the exact BM25 top 50 over every chunk, computed here
// in Go from the chunks' own terms (read through the owner connection,
// untimed): the share of the exact top 50 found, over the queries.
func keywordRecall(b *testing.B, d *dbtest.DB, st *store.Store, tenant uuid.UUID, queries []string) float64 {
	ctx := context.Background()
	type row struct {
		id     uuid.UUID
		terms  []string
		freqs  []int32
		length int
	}
	rows, err := d.Owner.Query(ctx, "SELECT id, terms, freqs, term_count FROM knowledge_chunks WHERE tenant_id = $1", tenant)
	if err != nil {
		b.Fatal(err)
	}
	var all []row
	total := 0.0
	df := map[string]float64{}
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.terms, &r.freqs, &r.length); err != nil {
			b.Fatal(err)
		}
		all = append(all, r)
		total += float64(r.length)
		for _, t := range r.terms {
			df[t]++
		}
	}
	rows.Close()
	n := float64(len(all))
	avg := total / n
	found, want := 0, 0
	for _, query := range queries {
		terms := queryTerms(query)
		var exact []keywordHit
		for _, r := range all {
			score := 0.0
			for _, t := range terms {
				if i := slices.Index(r.terms, t); i >= 0 {
					tf := float64(r.freqs[i])
					idf := math.Log(1 + (n-df[t]+0.5)/(df[t]+0.5))
					score += idf * tf * (K1 + 1) / (tf + K1*(1-B+B*float64(r.length)/avg))
				}
			}
			if score > 0 {
				exact = append(exact, keywordHit{ID: r.id, Score: score})
			}
		}
		slices.SortFunc(exact, func(a, b keywordHit) int {
			if a.Score != b.Score {
				if a.Score > b.Score {
					return -1
				}
				return 1
			}
			return strings.Compare(a.ID.String(), b.ID.String())
		})
		exact = exact[:min(candidates, len(exact))]
		var got []keywordHit
		err := st.WithTenant(ctx, tenant, func(ctx context.Context, tx store.Tx) error {
			var err error
			got, err = keyword(ctx, tx, Scope{All: true}, query, candidates)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		found += overlap(got, exact, func(h keywordHit) uuid.UUID { return h.ID })
		want += len(exact)
	}
	return float64(found) / float64(want)
}

// explain logs EXPLAIN ANALYZE of the retrieval statement for each query
// (KNOWLEDGE_BENCH_EXPLAIN=1): where the time goes, server side.
func explain(b *testing.B, st *store.Store, svc *Service, tenant, agent uuid.UUID, queries []string) {
	ctx := context.Background()
	for _, query := range queries {
		qv, _ := memory.Offline{}.Embed(ctx, []string{query})
		terms := queryTerms(query)
		ix := cachedIVF(tenant, true, memory.Offline{}.ID(), len(qv[0]))
		var gen int64
		probes := []int32{-1}
		if ix != nil {
			gen, probes = ix.generation, ix.probe(qv[0])
		}
		err := st.WithTenant(ctx, tenant, func(ctx context.Context, tx store.Tx) error {
			var plan []string
			err := tx.NewRaw("EXPLAIN (ANALYZE, BUFFERS) "+retrieveSQL(len(terms)), &agent, false, uuidArray(nil), pgdialect.Array(terms), K1, B, candidates,
				memory.Offline{}.ID(), true, 4*len(qv[0]), gen, pgdialect.Array(probes), exactBelow, rareMin, rareShare,
				DefaultTokenBudget, SayUnknown, entrySize(len(qv[0]))).Scan(ctx, &plan)
			b.Logf("%s:\n%s", query, strings.Join(plan, "\n"))
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func testingLarge() bool { return strings.TrimSpace(getenv("KNOWLEDGE_BENCH_LARGE")) == "1" }

var getenv = os.Getenv

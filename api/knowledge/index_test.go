package knowledge

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/memory"
	"github.com/konstruct/konstruct/api/store"
)

// otherEmbedder stands for a changed EMBEDDER: another id, other vectors
// (the offline vectors reversed, still unit length).
type otherEmbedder struct{}

func (otherEmbedder) ID() string { return "test-other/256" }
func (otherEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	vs, err := memory.Offline{}.Embed(ctx, texts)
	for _, v := range vs {
		for i, j := 0, len(v)-1; i < j; i, j = i+1, j-1 {
			v[i], v[j] = v[j], v[i]
		}
	}
	return vs, err
}

// syncedSnippet makes a snippet source in a new tenant and syncs it with svc.
func syncedSnippet(t *testing.T, db *dbtest.DB, svc *Service, text string) fixture {
	t.Helper()
	f := newFixture(t, db)
	_, err := db.Owner.Exec(context.Background(), "UPDATE knowledge_sources SET body_text = $2, status = 'queued' WHERE id = $1", f.source, text)
	require.NoError(t, err)
	require.NoError(t, svc.SyncNow(context.Background(), f.tenant, f.source))
	return f
}

// The trigger keeps BM25's statistics: df per term and source, the chunk
// count and total length, through indexing, re-indexing and deletion.
func TestTermStatisticsFollowTheChunks(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	f := newFixture(t, db)
	f.chunk(t, 0, map[string]int32{"refund": 2, "policy": 1})
	f.chunk(t, 1, map[string]int32{"refund": 1, "ship": 1})
	stats := func() (n, total int, df map[string]int) {
		require.NoError(t, db.Owner.QueryRow(ctx, "SELECT chunk_count, term_total FROM knowledge_sources WHERE id = $1", f.source).Scan(&n, &total))
		rows, err := db.Owner.Query(ctx, "SELECT term, df FROM knowledge_terms WHERE source_id = $1 AND df > 0", f.source)
		require.NoError(t, err)
		defer rows.Close()
		df = map[string]int{}
		for rows.Next() {
			var term string
			var d int
			require.NoError(t, rows.Scan(&term, &d))
			df[term] = d
		}
		return n, total, df
	}
	n, total, df := stats()
	require.Equal(t, 2, n)
	require.Equal(t, 5, total)
	require.Equal(t, map[string]int{"refund": 2, "policy": 1, "ship": 1}, df)

	_, err := db.Owner.Exec(ctx, "DELETE FROM knowledge_chunks WHERE source_id = $1 AND ordinal = 0", f.source)
	require.NoError(t, err)
	n, total, df = stats()
	require.Equal(t, 1, n)
	require.Equal(t, 2, total)
	require.Equal(t, map[string]int{"refund": 1, "ship": 1}, df)

	_, err = db.Owner.Exec(ctx, "DELETE FROM knowledge_documents WHERE id = $1", f.document)
	require.NoError(t, err)
	n, total, df = stats()
	require.Equal(t, 0, n)
	require.Equal(t, 0, total)
	require.Empty(t, df)

	// A source's deletion takes its statistics with it.
	_, err = db.Owner.Exec(ctx, "DELETE FROM knowledge_sources WHERE id = $1", f.source)
	require.NoError(t, err)
	var left int
	require.NoError(t, db.Owner.QueryRow(ctx, "SELECT count(*) FROM knowledge_terms WHERE source_id = $1", f.source).Scan(&left))
	require.Zero(t, left)
}

// The candidates function reads only the transaction's tenant, whatever
// source ids it is given.
func TestKeywordCandidatesStayInTheTenant(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	a, b := newFixture(t, db), newFixture(t, db)
	a.chunk(t, 0, map[string]int32{"refund": 1})
	b.chunk(t, 0, map[string]int32{"refund": 1})
	tx := db.TenantTx(t, a.tenant)
	var ids []uuid.UUID
	require.NoError(t, tx.NewRaw("SELECT id FROM knowledge_keyword_candidates(?::uuid[], '{refund}', '{1}', 1, 1000)",
		uuidArray([]uuid.UUID{a.source, b.source})).Scan(context.Background(), &ids))
	require.Len(t, ids, 1)
	var owner uuid.UUID
	require.NoError(t, db.Owner.QueryRow(context.Background(), "SELECT tenant_id FROM knowledge_chunks WHERE id = $1", ids[0]).Scan(&owner))
	require.Equal(t, a.tenant, owner)
}

// Above the exact-scan threshold, the vector side reads the nearest IVF
// lists: trained from the chunks, every chunk assigned, and the statement
// sends fresh centroids when the process's copy is stale.
func TestIVFListsServeTheVectorSide(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	svc := New(Opts{Store: db.Store, Embedder: memory.Offline{}})
	f := newFixture(t, db)
	n := ivfMinChunks + 100
	texts := make([]string, n)
	for i := range texts {
		texts[i] = "topic" + string(rune('a'+i%20)) + " words about item " + uuid.NewString()[:8]
	}
	vecs, err := memory.Offline{}.Embed(ctx, texts)
	require.NoError(t, err)
	for i := range texts {
		terms, freqs, length := termFreqs(texts[i])
		_, err := db.Owner.Exec(ctx, `INSERT INTO knowledge_chunks (id, tenant_id, source_id, document_id, ordinal, body, tokens, terms, freqs,
			term_count, embedder, embedding) VALUES ($1, $2, $3, $4, $5, $6, 10, $7, $8, $9, $10, $11)`,
			uuid.New(), f.tenant, f.source, f.document, i, texts[i], terms, freqs, length, memory.Offline{}.ID(), encode(vecs[i]))
		require.NoError(t, err)
	}
	st, err := svc.MaintainIVF(ctx, f.tenant)
	require.NoError(t, err)
	require.True(t, st.Trained)
	require.Equal(t, n, st.Assigned)
	require.Equal(t, ivfLists(n), st.Lists)
	var unassigned int
	require.NoError(t, db.Owner.QueryRow(ctx, "SELECT count(*) FROM knowledge_vectors WHERE tenant_id = $1 AND ivf_list = -1", f.tenant).Scan(&unassigned))
	require.Zero(t, unassigned)

	// A second pass has nothing to do.
	st2, err := svc.MaintainIVF(ctx, f.tenant)
	require.NoError(t, err)
	require.False(t, st2.Trained)
	require.Zero(t, st2.Assigned)
	require.Equal(t, st.Generation, st2.Generation)

	search := func() *result {
		var res *result
		require.NoError(t, db.Store.WithTenant(ctx, f.tenant, func(ctx context.Context, tx store.Tx) error {
			var err error
			res, err = retrieve(ctx, tx, request{scope: Scope{All: true}, query: texts[7], embedder: memory.Offline{}.ID(), q: vecs[7], k: 10})
			return err
		}))
		return res
	}
	res := search()
	require.Equal(t, "ivf", res.vectorWay)
	require.NotEmpty(t, res.vec)
	require.InDelta(t, 1.0, res.vec[0].Score, 0.02, "the query's own chunk is in its nearest list (int8 vectors: within 2 %)")

	// The lists come back a row each: ranked together, they give what one
	// read of every probed entry gives.
	v, ok := ivfCache.Load(f.tenant)
	require.True(t, ok)
	probes := v.(*ivfIndex).probe(vecs[7])
	require.Greater(t, len(probes), 2, "several lists are probed")
	var all []byte
	require.NoError(t, db.Owner.QueryRow(ctx, "SELECT string_agg(entry, ''::bytea) FROM knowledge_vectors WHERE tenant_id = $1 AND ivf_list = ANY($2)",
		f.tenant, probes).Scan(&all))
	require.Equal(t, rankEntries(vecs[7], [][]byte{all}, 10), res.vec)

	// A process without the centroids (or with old ones) gets them from the
	// statement and probes in a second one.
	ivfCache.Delete(f.tenant)
	res = search()
	require.Equal(t, "ivf", res.vectorWay)
	require.InDelta(t, 1.0, res.vec[0].Score, 0.02)
	_, ok = ivfCache.Load(f.tenant)
	require.True(t, ok)

	// Lists trained before k16p (√n of them) are retrained by the next pass.
	half := st.Lists / 2
	_, err = db.Owner.Exec(ctx, "UPDATE knowledge_ivf SET lists = $2, centroids = substring(centroids from 1 for $2 * dims * 4), sizes = substring(sizes from 1 for $2 * 4) WHERE tenant_id = $1",
		f.tenant, half)
	require.NoError(t, err)
	st3, err := svc.MaintainIVF(ctx, f.tenant)
	require.NoError(t, err)
	require.True(t, st3.Trained)
	require.Equal(t, ivfLists(n), st3.Lists)
}

// After the embedder changes, the backfill re-embeds every chunk made by
// the old one (vectors and embedder column), and retrieval uses the new
// vectors.
func TestBackfillAfterEmbedderChange(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	old := New(Opts{Store: db.Store, Embedder: memory.Offline{}})
	f := syncedSnippet(t, db, old, "Refunds are paid within 14 days to the card you paid with.")

	svc := New(Opts{Store: db.Store, Embedder: otherEmbedder{}})
	vectorRank := func() int {
		var hits []Hit
		require.NoError(t, db.Store.WithTenant(ctx, f.tenant, func(ctx context.Context, tx store.Tx) error {
			q, err := svc.embedQuery(ctx, "how long do refunds take")
			if err != nil {
				return err
			}
			hits, _, err = svc.search(ctx, tx, request{scope: Scope{All: true}, query: "how long do refunds take", q: q}, 10, false)
			return err
		}))
		require.Len(t, hits, 1)
		return hits[0].VectorRank
	}
	require.Zero(t, vectorRank(), "the old vectors are not comparable with the new embedder's")
	stale, err := svc.StaleChunks(ctx, f.tenant)
	require.NoError(t, err)
	require.Equal(t, 1, stale)

	var seen []int
	n, err := svc.BackfillTenant(ctx, f.tenant, func(done, total int) { seen = append(seen, done, total) })
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, []int{0, 1, 1, 1}, seen)

	var embedder string
	var raw []byte
	var text string
	require.NoError(t, db.Owner.QueryRow(ctx, "SELECT embedder, embedding, title || E'\\n\\n' || body FROM knowledge_chunks WHERE source_id = $1", f.source).
		Scan(&embedder, &raw, &text))
	require.Equal(t, otherEmbedder{}.ID(), embedder)
	want, _ := otherEmbedder{}.Embed(ctx, []string{embedText("Help", Passage{Text: text[len("Help\n\n"):]})})
	require.InDelta(t, 1.0, float64(dot(want[0], raw)), 1e-5, "the stored vector is the new embedder's")
	require.Equal(t, 1, vectorRank())
	var done, total int
	require.NoError(t, db.Owner.QueryRow(ctx, "SELECT progress_done, progress_total FROM knowledge_sources WHERE id = $1", f.source).Scan(&done, &total))
	require.Equal(t, []int{1, 1}, []int{done, total})

	// Nothing left: a second run does nothing.
	n, err = svc.BackfillTenant(ctx, f.tenant, nil)
	require.NoError(t, err)
	require.Zero(t, n)
}

// storeWithJobs is a store on the package's database that can insert River
// jobs (dbtest's has no River client).
func storeWithJobs(t *testing.T, db *dbtest.DB) *store.Store {
	t.Helper()
	jobs, err := river.NewClient(riverpgxv5.New(db.Store.Pool), &river.Config{})
	require.NoError(t, err)
	st := store.New(db.Store.Pool)
	st.AttachJobs(jobs)
	return st
}

// When the workers start after EMBEDDER changed, the backfill check queues
// one backfill for each tenant with chunks of another embedder — and none for
// a tenant already up to date, nor a second while one is queued.
func TestBackfillCheckQueuesStaleTenants(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	st := storeWithJobs(t, db)
	current := New(Opts{Store: st, Embedder: memory.Offline{}})
	fresh := syncedSnippet(t, db, current, "Refunds are paid within 14 days.")
	stale := syncedSnippet(t, db, New(Opts{Store: st, Embedder: otherEmbedder{}}), "Parcels ship on weekdays.")

	// The package's database is shared by parallel tests: only this test's
	// two tenants are looked at.
	queued := func() map[string]int {
		rows, err := db.Owner.Query(ctx, `SELECT args->>'tenant_id', count(*) FROM river_job
			WHERE kind = 'knowledge.backfill' AND args->>'tenant_id' IN ($1, $2) GROUP BY 1`, fresh.tenant.String(), stale.tenant.String())
		require.NoError(t, err)
		defer rows.Close()
		out := map[string]int{}
		for rows.Next() {
			var tenant string
			var n int
			require.NoError(t, rows.Scan(&tenant, &n))
			out[tenant] = n
		}
		require.NoError(t, rows.Err())
		return out
	}
	check := &BackfillCheckWorker{Knowledge: current}
	require.NoError(t, check.Work(ctx, &river.Job[BackfillCheckArgs]{}))
	require.Equal(t, map[string]int{stale.tenant.String(): 1}, queued(), "only the tenant with another embedder's chunks")
	require.NoError(t, check.Work(ctx, &river.Job[BackfillCheckArgs]{}))
	require.Equal(t, map[string]int{stale.tenant.String(): 1}, queued(), "not twice while one is queued")

	_, err := current.BackfillTenant(ctx, stale.tenant, nil)
	require.NoError(t, err)
	left, err := current.staleTenants(ctx)
	require.NoError(t, err)
	require.NotContains(t, left, stale.tenant, "nothing is stale after the backfill")
	require.NotContains(t, left, fresh.tenant)
}

// Two syncs of one source cannot be queued (or run) at once: the second
// insert is the first job.
func TestSyncJobsAreUniquePerSource(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	st := storeWithJobs(t, db)
	f, other := newFixture(t, db), newFixture(t, db)
	insert := func(tenant, source uuid.UUID) bool {
		var skipped bool
		require.NoError(t, st.WithTenant(ctx, tenant, func(ctx context.Context, tx store.Tx) error {
			res, err := tx.InsertJob(ctx, SyncArgs{TenantID: tenant, SourceID: source}, nil)
			if err == nil {
				skipped = res.UniqueSkippedAsDuplicate
			}
			return err
		}))
		return skipped
	}
	require.False(t, insert(f.tenant, f.source))
	require.True(t, insert(f.tenant, f.source), "a second sync of the same source while the first is queued")
	require.False(t, insert(other.tenant, other.source), "another source syncs alongside")
	var n int
	require.NoError(t, db.Owner.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = 'knowledge.sync' AND args->>'source_id' = $1", f.source.String()).Scan(&n))
	require.Equal(t, 1, n)
}

// IVF recall where vectors have the structure embeddings of real text have
// (topics): a synthetic corpus of 100 topics, each chunk 40 words of its
// topic and 20 common ones, 10k chunks, lists and probing as retrieval uses
// them. The benchmark's corpus (random words, no topics) is IVF's worst
// case; this is the other end. Pure Go (no database).
func TestIVFRecallOnTopicalVectors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	common := rand.NewZipf(rng, 1.1, 2, 1999)
	inTopic := rand.NewZipf(rng, 1.1, 2, 49)
	const n, topics = 10_000, 100
	texts := make([]string, n)
	for i := range texts {
		topic := rng.IntN(topics)
		words := make([]string, 0, 60)
		for range 40 {
			words = append(words, fmt.Sprintf("t%dw%d", topic, inTopic.Uint64()))
		}
		for range 20 {
			words = append(words, fmt.Sprintf("c%d", common.Uint64()))
		}
		texts[i] = strings.Join(words, " ")
	}
	vecs, err := memory.Offline{}.Embed(ctx, texts)
	require.NoError(t, err)
	lists := ivfLists(n)
	sample := make([][]float32, 0, lists*ivfSamplePerList)
	for _, i := range rng.Perm(n)[:min(n, lists*ivfSamplePerList)] {
		sample = append(sample, vecs[i])
	}
	dims := len(vecs[0])
	ix := &ivfIndex{dims: dims, lists: lists, centroids: kmeans(sample, lists, dims, ivfIters, rng), sizes: make([]int32, lists)}
	assigned := make([]int32, n)
	for i, v := range vecs {
		assigned[i] = ix.nearest(v)
		ix.sizes[assigned[i]]++
	}
	found, total := 0, 0
	for qi := range 20 {
		topic := qi * 5
		qv, err := memory.Offline{}.Embed(ctx, []string{fmt.Sprintf("t%dw%d t%dw%d t%dw%d", topic, qi%7, topic, 3+qi%11, topic, 10+qi%13)})
		require.NoError(t, err)
		q := qv[0]
		exact := make([]vectorHit, n)
		for i, v := range vecs {
			exact[i] = vectorHit{uuid.UUID{byte(i >> 8), byte(i)}, float64(dotF(q, v))}
		}
		sortVector(exact)
		probe := map[int32]bool{}
		for _, l := range ix.probe(q) {
			probe[l] = true
		}
		var got []vectorHit
		for i, v := range vecs {
			if probe[assigned[i]] {
				got = append(got, vectorHit{uuid.UUID{byte(i >> 8), byte(i)}, float64(dotF(q, v))})
			}
		}
		sortVector(got)
		ids := map[uuid.UUID]bool{}
		for _, h := range got[:min(candidates, len(got))] {
			ids[h.ID] = true
		}
		for _, h := range exact[:candidates] {
			total++
			if ids[h.ID] {
				found++
			}
		}
	}
	recall := float64(found) / float64(total)
	t.Logf("IVF recall@50 on topical vectors, %d lists, %.0f %% read: %.3f", lists, 100*ivfReadShare, recall)
	require.Greater(t, recall, 0.8)
}

// Syncing a document of many chunks, then the same source with other
// content, leaves statistics equal to those recomputed from the chunks.
func TestStatisticsMatchTheChunksAfterResync(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	svc := New(Opts{Store: db.Store, Embedder: memory.Offline{}})
	text := func(seed uint64) string {
		rng := rand.New(rand.NewPCG(seed, 9))
		var b strings.Builder
		for p := range 40 {
			fmt.Fprintf(&b, "## Part %d\n\n", p)
			for range 80 {
				fmt.Fprintf(&b, "word%d ", rng.IntN(300))
			}
			b.WriteString("\n\n")
		}
		return b.String()
	}
	f := syncedSnippet(t, db, svc, text(1))
	check := func() int {
		var chunks, n, total, stale int
		require.NoError(t, db.Owner.QueryRow(ctx, "SELECT count(*) FROM knowledge_chunks WHERE source_id = $1", f.source).Scan(&chunks))
		require.NoError(t, db.Owner.QueryRow(ctx, "SELECT chunk_count, term_total FROM knowledge_sources WHERE id = $1", f.source).Scan(&n, &total))
		require.Equal(t, chunks, n)
		var want int
		require.NoError(t, db.Owner.QueryRow(ctx, "SELECT coalesce(sum(term_count), 0) FROM knowledge_chunks WHERE source_id = $1", f.source).Scan(&want))
		require.Equal(t, want, total)
		require.NoError(t, db.Owner.QueryRow(ctx, `SELECT count(*) FROM (
			SELECT t.term, count(*) AS df FROM knowledge_chunks c, unnest(c.terms) AS t(term) WHERE c.source_id = $1 GROUP BY 1) x
			FULL JOIN (SELECT term, df FROM knowledge_terms WHERE source_id = $1 AND df <> 0) k USING (term)
			WHERE x.df IS DISTINCT FROM k.df`, f.source).Scan(&stale))
		require.Zero(t, stale, "df per term equals the chunks'")
		return chunks
	}
	require.Greater(t, check(), 1)
	_, err := db.Owner.Exec(ctx, "UPDATE knowledge_sources SET body_text = $2 WHERE id = $1", f.source, text(2))
	require.NoError(t, err)
	require.NoError(t, svc.SyncNow(ctx, f.tenant, f.source))
	require.Greater(t, check(), 1)
}

// probe reads ivfReadShare of the vectors through lists of today's layout
// (2√n), and 15 % through lists trained before it (√n): those need more for
// the same recall until MaintainIVF retrains them.
func TestProbeReadsLessThroughTodaysLists(t *testing.T) {
	t.Parallel()
	const n, dims = 100_000, 8
	rng := rand.New(rand.NewPCG(3, 4))
	read := func(lists int) float64 {
		ix := &ivfIndex{dims: dims, lists: lists, centroids: make([]float32, lists*dims), sizes: make([]int32, lists)}
		for i := range ix.centroids {
			ix.centroids[i] = rng.Float32() - 0.5
		}
		for i := range n {
			ix.sizes[i%lists]++
		}
		total := 0
		for _, l := range ix.probe([]float32{1, 0, 0, 0, 0, 0, 0, 0}) {
			if l >= 0 {
				total += int(ix.sizes[l])
			}
		}
		return float64(total) / n
	}
	require.InDelta(t, ivfReadShare, read(ivfLists(n)), 0.005)
	require.InDelta(t, 0.15, read(316), 0.005)
}

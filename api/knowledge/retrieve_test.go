package knowledge

import (
	"context"
	"maps"
	"math"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/memory"
	"github.com/konstruct/konstruct/api/store"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// fixture is a tenant with one source and one document, as the owner role.
type fixture struct {
	db       *dbtest.DB
	tenant   uuid.UUID
	source   uuid.UUID
	document uuid.UUID
}

func newFixture(t *testing.T, db *dbtest.DB) fixture {
	t.Helper()
	ctx := context.Background()
	f := fixture{db: db, tenant: uuid.New(), source: uuid.New(), document: uuid.New()}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"INSERT INTO tenants (id, name) VALUES ($1, 'knowledge')", []any{f.tenant}},
		{"INSERT INTO knowledge_sources (id, tenant_id, kind, title, status) VALUES ($1, $2, 'snippet', 'Help', 'ready')", []any{f.source, f.tenant}},
		{"INSERT INTO knowledge_documents (id, tenant_id, source_id, content_hash) VALUES ($1, $2, $3, 'x')", []any{f.document, f.tenant, f.source}},
	} {
		_, err := db.Owner.Exec(ctx, q.sql, q.args...)
		require.NoError(t, err)
	}
	return f
}

// chunk stores a chunk with the given term frequencies.
func (f fixture) chunk(t *testing.T, ordinal int, tf map[string]int32) uuid.UUID {
	t.Helper()
	// Sorted in byte order, as termFreqs writes them: retrieval finds a
	// term by binary search.
	terms := slices.Sorted(maps.Keys(tf))
	var freqs []int32
	n := int32(0)
	for _, term := range terms {
		freqs, n = append(freqs, tf[term]), n+tf[term]
	}
	id := uuid.New()
	_, err := f.db.Owner.Exec(context.Background(), `INSERT INTO knowledge_chunks (id, tenant_id, source_id, document_id, ordinal, body, tokens,
		terms, freqs, term_count) VALUES ($1, $2, $3, $4, $5, 'text', 10, $6, $7, $8)`, id, f.tenant, f.source, f.document, ordinal, terms, freqs, n)
	require.NoError(t, err)
	return id
}

// BM25 against the formula worked by hand: three chunks, N = 3, average
// length 3; another tenant's chunks (which also say "refund") change neither
// the statistics nor the results.
func TestBM25MatchesHandComputedScores(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	a, b := newFixture(t, db), newFixture(t, db)
	c1 := a.chunk(t, 0, map[string]int32{"refund": 2, "policy": 1})         // length 3
	c2 := a.chunk(t, 1, map[string]int32{"refund": 1, "ship": 1, "day": 2}) // length 4
	a.chunk(t, 2, map[string]int32{"ship": 1, "cost": 1})                   // length 2
	for i := range 5 {
		b.chunk(t, i, map[string]int32{"refund": 1})
	}

	tx := db.TenantTx(t, a.tenant)
	ctx := context.Background()
	hits, err := keyword(ctx, tx, Scope{All: true}, "refund", 10)
	require.NoError(t, err)
	// idf(refund) = ln(1 + (3 − 2 + 0.5)/(2 + 0.5)) = ln 1.6
	// c1: tf 2, len 3: 2·2.2 / (2 + 1.2·(0.25 + 0.75·3/3)) = 4.4/3.2 = 1.375
	// c2: tf 1, len 4: 2.2 / (1 + 1.2·(0.25 + 0.75·4/3)) = 2.2/2.5 = 0.88
	require.Len(t, hits, 2)
	require.Equal(t, c1, hits[0].ID)
	require.InDelta(t, math.Log(1.6)*1.375, hits[0].Score, 1e-9)
	require.InDelta(t, 0.646254990, hits[0].Score, 1e-6)
	require.Equal(t, c2, hits[1].ID)
	require.InDelta(t, math.Log(1.6)*0.88, hits[1].Score, 1e-9)

	// Two terms: policy is in c1 only, idf = ln(1 + 2.5/1.5); tf 1, len 3 → ×1.
	hits, err = keyword(ctx, tx, Scope{All: true}, "refund policy", 10)
	require.NoError(t, err)
	require.Equal(t, c1, hits[0].ID)
	require.InDelta(t, math.Log(1.6)*1.375+math.Log(1+2.5/1.5), hits[0].Score, 1e-9)
	require.InDelta(t, 1.0, hits[0].Coverage, 1e-9)
	require.InDelta(t, 0.5, hits[1].Coverage, 1e-9)

	// A scope of no source finds nothing; tenant B sees only its own five.
	hits, err = keyword(ctx, tx, Scope{SourceIDs: []uuid.UUID{uuid.New()}}, "refund", 10)
	require.NoError(t, err)
	require.Empty(t, hits)
	txB := db.TenantTx(t, b.tenant)
	hits, err = keyword(ctx, txB, Scope{All: true}, "refund policy", 10)
	require.NoError(t, err)
	require.Len(t, hits, 5)
	for _, h := range hits {
		require.NotEqual(t, c1, h.ID)
		require.NotEqual(t, c2, h.ID)
	}
}

func TestFuseByScore(t *testing.T) {
	t.Parallel()
	a, b, c, d, e := uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New()
	kw := []keywordHit{
		{ID: a, Score: 10, Cosine: 0.1, HasCosine: true},
		{ID: b, Score: 8, Cosine: 0.6, HasCosine: true},
		{ID: c, Score: 2, Cosine: 0.8, HasCosine: true},
		{ID: e, Score: 6}, // its embedding is another embedder's: no cosine
	}
	vec := []vectorHit{{ID: c, Score: 0.88}, {ID: b, Score: 0.58}, {ID: d, Score: 0.7}}
	hits := fuse(kw, vec)
	// w = KeywordWeight: a w + (1−w)·0.1, b 0.8w + (1−w)·0.6, c 0.2w + (1−w)·0.8
	// (the exact cosine, not the vector side's 0.88), d (1−w)·0.7, e 0.6w.
	w := KeywordWeight
	want := map[uuid.UUID]float64{a: w + (1-w)*0.1, b: 0.8*w + (1-w)*0.6, c: 0.2*w + (1-w)*0.8, d: (1 - w) * 0.7, e: 0.6 * w}
	require.Len(t, hits, 5)
	for i, h := range hits {
		require.InDelta(t, want[h.ID], h.FusedScore, 1e-12)
		require.Equal(t, i+1, h.FusedRank)
		if i > 0 {
			require.GreaterOrEqual(t, hits[i-1].FusedScore, h.FusedScore, "best first")
		}
	}
	// At w = 0.5: b 0.7, a 0.55, c 0.5, d 0.35, e 0.3.
	require.Equal(t, 0.5, w, "the order below is worked out for w = 0.5")
	require.Equal(t, []uuid.UUID{b, a, c, d, e}, []uuid.UUID{hits[0].ID, hits[1].ID, hits[2].ID, hits[3].ID, hits[4].ID})
	require.Equal(t, 3, hits[2].KeywordRank)
	require.Equal(t, 1, hits[2].VectorRank)
	require.InDelta(t, 0.8, hits[2].Similarity, 1e-12)
	require.InDelta(t, 0.88, hits[2].VectorScore, 1e-12)
	require.Equal(t, 0, hits[3].KeywordRank, "d was found by the vector scan only")
	require.False(t, hits[4].HasSimilarity)

	// One side alone keeps its own order.
	only := fuse(nil, vec)
	require.Equal(t, []uuid.UUID{c, d, b}, []uuid.UUID{only[0].ID, only[1].ID, only[2].ID})
	only = fuse(kw[:2], nil)
	require.Equal(t, a, only[1].ID, "a 0.55 < b 0.7: the cosine reorders keyword hits")
}

// Indexing a snippet end to end (extract, embed, store), then retrieval for
// an agent: within its sources and its budget; RLS keeps tenants apart.
func TestSyncAndRetrieve(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	svc := New(Opts{Store: db.Store, Embedder: memory.Offline{}})
	a, other := newFixture(t, db), newFixture(t, db)
	agent := uuid.New()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"UPDATE knowledge_sources SET body_text = $2, question = $3, status = 'queued' WHERE id = $1",
			[]any{a.source, "Refunds are paid within 14 days to the card you paid with.", "How long do refunds take?"}},
		{"UPDATE knowledge_sources SET body_text = $2, status = 'queued' WHERE id = $1",
			[]any{other.source, "Refunds take 90 days at the other shop."}},
		{"INSERT INTO agents (id, tenant_id, name, model) VALUES ($1, $2, 'Ada', 'openai/gpt-4o-mini')", []any{agent, a.tenant}},
	} {
		_, err := db.Owner.Exec(ctx, q.sql, q.args...)
		require.NoError(t, err)
	}
	require.NoError(t, svc.SyncNow(ctx, a.tenant, a.source))
	require.NoError(t, svc.SyncNow(ctx, other.tenant, other.source))

	var k *Knowledge
	run := func(question string) {
		t.Helper()
		require.NoError(t, db.Store.WithTenant(ctx, a.tenant, func(ctx context.Context, tx store.Tx) error {
			var err error
			k, err = svc.Retrieve(ctx, tx, agent, question)
			return err
		}))
	}
	run("how long do refunds take")
	require.False(t, k.Enabled, "no sources assigned: knowledge is off for the agent")

	_, err := db.Owner.Exec(ctx, `INSERT INTO agent_knowledge_sources (tenant_id, agent_id, source_id) VALUES ($1, $2, $3)`, a.tenant, agent, a.source)
	require.NoError(t, err)
	run("how long do refunds take")
	require.True(t, k.Enabled)
	require.Len(t, k.Chunks, 1)
	require.Contains(t, k.Chunks[0].Text, "14 days")
	require.NotContains(t, k.Chunks[0].Text, "90 days")

	// BM25's hits come with their exact cosine with the question, from
	// their stored embedding (score fusion needs it for every candidate).
	require.NoError(t, db.Store.WithTenant(ctx, a.tenant, func(ctx context.Context, tx store.Tx) error {
		q, err := svc.embedQuery(ctx, "how long do refunds take")
		require.NoError(t, err)
		res, err := retrieve(ctx, tx, svc.prepare(request{scope: Scope{All: true}, query: "how long do refunds take", q: q}))
		require.NoError(t, err)
		require.Len(t, res.kw, 1)
		var emb []byte
		require.NoError(t, db.Owner.QueryRow(ctx, "SELECT embedding FROM knowledge_chunks WHERE id = $1", res.kw[0].ID).Scan(&emb))
		require.True(t, res.kw[0].HasCosine)
		require.InDelta(t, float64(dot(q, emb)), res.kw[0].Cosine, 1e-9)
		require.Greater(t, res.kw[0].Cosine, 0.2)
		// Without a vector side (no query vector) nothing is sent back.
		res, err = retrieve(ctx, tx, svc.prepare(request{scope: Scope{All: true}, query: "how long do refunds take"}))
		require.NoError(t, err)
		require.Len(t, res.kw, 1)
		require.False(t, res.kw[0].HasCosine)
		return nil
	}))

	run("do you sell bicycles in purple")
	require.Empty(t, k.Chunks, "nothing relevant")
	require.Equal(t, SayUnknown, k.WhenUnknown)

	// Re-syncing unchanged content keeps the chunk (content hash).
	var before, after uuid.UUID
	require.NoError(t, db.Owner.QueryRow(ctx, "SELECT id FROM knowledge_chunks WHERE source_id = $1", a.source).Scan(&before))
	require.NoError(t, svc.SyncNow(ctx, a.tenant, a.source))
	require.NoError(t, db.Owner.QueryRow(ctx, "SELECT id FROM knowledge_chunks WHERE source_id = $1", a.source).Scan(&after))
	require.Equal(t, before, after)
}

package knowledge

import (
	"context"
	"encoding/binary"
	"math"
	"sort"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// BM25 and fusion parameters.
const (
	K1 = 1.2
	B  = 0.75
	// RRFK is reciprocal-rank fusion's constant: a chunk's fused score is the
	// sum over the methods that found it of 1/(RRFK + rank).
	RRFK = 60
	// candidates is how many chunks each method ranks for fusion.
	candidates = 50
	// MinVectorScore is the cosine below which a vector match alone does not
	// count as relevant; MinCoverage the share of the query's terms a keyword
	// match must contain to count alone.
	MinVectorScore = 0.35
	MinCoverage    = 0.5
)

// Hit is one ranked chunk.
type Hit struct {
	Chunk
	KeywordRank  int // 0: not found by BM25
	KeywordScore float64
	Coverage     float64 // share of the query's distinct terms in the chunk
	VectorRank   int     // 0: not found by the vector scan
	VectorScore  float64
	FusedRank    int
	FusedScore   float64
	InBudget     bool
}

// Scope chooses the chunks searched: those of SourceIDs, or every chunk of
// the tenant when All.
type Scope struct {
	All       bool
	SourceIDs []uuid.UUID
}

type keywordHit struct {
	ID       uuid.UUID `bun:"id"`
	Score    float64   `bun:"score"`
	Coverage float64   `bun:"coverage"`
}

// bm25SQL scores every chunk that holds a query term, best first:
//
//	score = Σ_t idf(t) · tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen))
//	idf(t) = ln(1 + (N − df + 0.5)/(df + 0.5))
//
// N, avglen and df are over the chunks searched (the scope), read through the
// GIN index on terms; RLS keeps them to the tenant.
const bm25SQL = `WITH scope AS (
  SELECT c.id, c.terms, c.freqs, c.term_count FROM knowledge_chunks c
   WHERE ?0 OR c.source_id = ANY(?1::uuid[])
), stats AS (
  SELECT count(*)::float8 AS n, coalesce(avg(term_count), 1)::float8 AS avglen FROM scope
), q AS (
  SELECT t.term, (SELECT count(*) FROM scope s WHERE s.terms @> ARRAY[t.term])::float8 AS df
    FROM unnest(?2::text[]) AS t(term)
)
SELECT c.id,
       sum(ln(1 + (st.n - q.df + 0.5) / (q.df + 0.5)) * (x.tf * (?3 + 1)) / (x.tf + ?3 * (1 - ?4 + ?4 * c.term_count / st.avglen))) AS score,
       count(*)::float8 / cardinality(?2::text[]) AS coverage
  FROM scope c CROSS JOIN stats st
 CROSS JOIN LATERAL unnest(c.terms, c.freqs) AS x(term, tf)
  JOIN q ON q.term = x.term
 WHERE c.terms && ?2::text[]
 GROUP BY c.id
 ORDER BY score DESC, c.id
 LIMIT ?5`

// keyword ranks chunks by BM25.
func keyword(ctx context.Context, db bun.IDB, scope Scope, query string, k int) ([]keywordHit, error) {
	terms := queryTerms(query)
	if len(terms) == 0 {
		return nil, nil
	}
	var out []keywordHit
	err := db.NewRaw(bm25SQL, scope.All, uuidArray(scope.SourceIDs), pgdialect.Array(terms), K1, B, k).Scan(ctx, &out)
	return out, err
}

type vectorHit struct {
	ID    uuid.UUID
	Score float64
}

// vector ranks chunks by cosine similarity with the query's embedding: an
// exact scan of the scope's vectors made by the same embedder.
func vector(ctx context.Context, db bun.IDB, scope Scope, embedder string, q []float32, k int) ([]vectorHit, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, embedding FROM knowledge_chunks
		WHERE embedder = ? AND embedding IS NOT NULL AND (? OR source_id = ANY(?::uuid[]))`, embedder, scope.All, uuidArray(scope.SourceIDs))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []vectorHit
	var id uuid.UUID
	var raw []byte
	for rows.Next() {
		if err := rows.Scan(&id, &raw); err != nil {
			return nil, err
		}
		if len(raw) != 4*len(q) {
			continue
		}
		all = append(all, vectorHit{id, float64(dot(q, raw))})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Score != all[j].Score {
			return all[i].Score > all[j].Score
		}
		return all[i].ID.String() < all[j].ID.String()
	})
	return all[:min(k, len(all))], nil
}

func dot(q []float32, raw []byte) float32 {
	var s float32
	for i, x := range q {
		s += x * math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return s
}

// fuse merges the two rankings by reciprocal rank, best first (ties: the
// better keyword rank, then id).
func fuse(kw []keywordHit, vec []vectorHit) []Hit {
	byID := map[uuid.UUID]*Hit{}
	get := func(id uuid.UUID) *Hit {
		h, ok := byID[id]
		if !ok {
			h = &Hit{Chunk: Chunk{ID: id}}
			byID[id] = h
		}
		return h
	}
	for i, k := range kw {
		h := get(k.ID)
		h.KeywordRank, h.KeywordScore, h.Coverage = i+1, k.Score, k.Coverage
		h.FusedScore += 1.0 / float64(RRFK+i+1)
	}
	for i, v := range vec {
		h := get(v.ID)
		h.VectorRank, h.VectorScore = i+1, v.Score
		h.FusedScore += 1.0 / float64(RRFK+i+1)
	}
	out := make([]Hit, 0, len(byID))
	for _, h := range byID {
		out = append(out, *h)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.FusedScore != b.FusedScore {
			return a.FusedScore > b.FusedScore
		}
		ak, bk := a.KeywordRank, b.KeywordRank
		if ak == 0 {
			ak = math.MaxInt
		}
		if bk == 0 {
			bk = math.MaxInt
		}
		if ak != bk {
			return ak < bk
		}
		return a.ID.String() < b.ID.String()
	})
	for i := range out {
		out[i].FusedRank = i + 1
	}
	return out
}

// relevant reports whether a hit is good enough to answer from.
func (h Hit) relevant() bool {
	return h.VectorScore >= MinVectorScore || (h.KeywordRank > 0 && h.Coverage >= MinCoverage)
}

// search ranks the scope's chunks for query and loads the best limit of them.
func (s *Service) search(ctx context.Context, db bun.IDB, scope Scope, query string, limit int) ([]Hit, error) {
	if !scope.All && len(scope.SourceIDs) == 0 {
		return nil, nil
	}
	kw, err := keyword(ctx, db, scope, query, candidates)
	if err != nil {
		return nil, err
	}
	qv, err := s.opts.Embedder.Embed(ctx, []string{query})
	if err != nil {
		return nil, err
	}
	vec, err := vector(ctx, db, scope, s.opts.Embedder.ID(), qv[0], candidates)
	if err != nil {
		return nil, err
	}
	hits := fuse(kw, vec)
	hits = hits[:min(limit, len(hits))]
	if len(hits) == 0 {
		return hits, nil
	}
	ids := make([]uuid.UUID, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	var chunks []Chunk
	if err := db.NewRaw("SELECT "+chunkColumns+" FROM knowledge_chunks c WHERE c.id = ANY(?::uuid[])", uuidArray(ids)).Scan(ctx, &chunks); err != nil {
		return nil, err
	}
	byID := map[uuid.UUID]Chunk{}
	for _, c := range chunks {
		byID[c.ID] = c
	}
	out := hits[:0]
	for _, h := range hits {
		if c, ok := byID[h.ID]; ok {
			h.Chunk = c
			out = append(out, h)
		}
	}
	return out, nil
}

// budget marks the hits that go into a prompt: relevant ones, best first,
// while their tokens fit.
func budget(hits []Hit, tokens int) {
	used := 0
	for i := range hits {
		if hits[i].relevant() && used+hits[i].Tokens <= tokens {
			hits[i].InBudget = true
			used += hits[i].Tokens
		}
	}
}

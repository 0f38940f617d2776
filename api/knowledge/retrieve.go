package knowledge

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

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

type vectorHit struct {
	ID    uuid.UUID
	Score float64
}

// retrieveSQL is BM25's ranking with its chunks' columns (kind 1) and the
// scope's vectors (kind 2) in one statement, for n query terms (?2 holds
// them; the statement names each, so there is no unnest and no GROUP BY).
//
// BM25, best first:
//
//	score = Σ_t idf(t) · tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen))
//	idf(t) = ln(1 + (N − df + 0.5)/(df + 0.5))
//
// N, avglen and df are over the chunks searched (the scope); RLS keeps them to
// the tenant. m is the chunks holding a query term (the GIN index on terms)
// with each term's frequency, read once; df(t) is the count of m's non-null
// frequencies of t. N and avglen come from an index-only scan of
// knowledge_chunks_source_idx.
//
// Vectors: every vector of the scope made by the embedder (?6) of ?8 bytes,
// when ?7; the caller ranks them by exact cosine. (A sign-bit Hamming shortlist was tried
// and dropped: it found 5–28 % of the exact top 50 on the benchmark's corpus.)
func retrieveSQL(n int) string {
	var tfs, dfs, scores, present, any strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&tfs, ", c.freqs[array_position(c.terms, (?2::text[])[%d])]::float8 AS tf%d", i, i)
		if i > 1 {
			any.WriteString(" OR ")
			dfs.WriteString(", ")
			scores.WriteString(" + ")
			present.WriteString(", ")
		}
		fmt.Fprintf(&any, "array_position(c.terms, (?2::text[])[%d]) IS NOT NULL", i)
		fmt.Fprintf(&dfs, "count(m.tf%d)::float8 AS df%d", i, i)
		fmt.Fprintf(&scores, "coalesce(ln(1 + (st.n - df.df%d + 0.5) / (df.df%d + 0.5)) * m.tf%d * (?3 + 1) / (m.tf%d + ?3 * (1 - ?4 + ?4 * m.term_count / st.avglen)), 0)", i, i, i, i)
		fmt.Fprintf(&present, "m.tf%d", i)
	}
	return `WITH m AS MATERIALIZED (
  SELECT c.id, c.term_count` + tfs.String() + ` FROM knowledge_chunks c
   WHERE (` + any.String() + `) AND (?0 OR c.source_id = ANY(?1::uuid[]))
), df AS (
  SELECT ` + dfs.String() + ` FROM m
), st AS (
  SELECT count(*)::float8 AS n, coalesce(avg(s.term_count), 1)::float8 AS avglen FROM knowledge_chunks s
   WHERE ?0 OR s.source_id = ANY(?1::uuid[])
), kw AS (
  SELECT m.id, ` + scores.String() + ` AS score,
         num_nonnulls(` + present.String() + `)::float8 / ` + strconv.Itoa(n) + ` AS coverage
    FROM m CROSS JOIN df CROSS JOIN st
   ORDER BY score DESC, m.id
   LIMIT ?5
)
SELECT 1 AS kind, kw.score, kw.coverage, NULL::bytea AS embedding, ` + chunkColumns + `
  FROM kw JOIN knowledge_chunks c ON c.id = kw.id
UNION ALL
SELECT 2, 0, 0, v.embedding, v.id, v.source_id, v.document_id, 0, '', '{}'::text[], '', 0, NULL::int, '', ''
  FROM knowledge_chunks v
 WHERE ?7 AND v.embedder = ?6 AND length(v.embedding) = ?8 AND (?0 OR v.source_id = ANY(?1::uuid[]))`
}

type retrievedRow struct {
	Kind      int     `bun:"kind"`
	Score     float64 `bun:"score"`
	Coverage  float64 `bun:"coverage"`
	Embedding []byte  `bun:"embedding"`
	Chunk
}

// retrieve runs retrieveSQL: BM25's top k with their chunks and the vector
// side's top k (exact cosine). q nil leaves out the
// vector side.
func retrieve(ctx context.Context, db bun.IDB, scope Scope, query, embedder string, q []float32, k int) ([]keywordHit, []vectorHit, map[uuid.UUID]Chunk, error) {
	terms := queryTerms(query)
	sql := retrieveSQL(len(terms))
	if len(terms) == 0 { // no keyword side: only the vectors
		terms = []string{}
		sql = retrieveSQL(1)
	}
	var rows []retrievedRow
	if err := db.NewRaw(sql, scope.All, uuidArray(scope.SourceIDs), pgdialect.Array(terms), K1, B, k,
		embedder, q != nil, 4*len(q)).Scan(ctx, &rows); err != nil {
		return nil, nil, nil, err
	}
	var kw []keywordHit
	var vec []vectorHit
	chunks := map[uuid.UUID]Chunk{}
	for _, r := range rows {
		if r.Kind == 1 {
			chunks[r.ID] = r.Chunk
			kw = append(kw, keywordHit{r.ID, r.Score, r.Coverage})
		} else {
			vec = append(vec, vectorHit{r.ID, float64(dot(q, r.Embedding))})
		}
	}
	sort.SliceStable(kw, func(i, j int) bool { // UNION ALL keeps no order
		if kw[i].Score != kw[j].Score {
			return kw[i].Score > kw[j].Score
		}
		return bytes.Compare(kw[i].ID[:], kw[j].ID[:]) < 0
	})
	sortVector(vec)
	return kw, vec[:min(k, len(vec))], chunks, nil
}

func sortVector(all []vectorHit) {
	sort.Slice(all, func(i, j int) bool {
		if all[i].Score != all[j].Score {
			return all[i].Score > all[j].Score
		}
		return all[i].ID.String() < all[j].ID.String()
	})
}

// keyword ranks chunks by BM25.
func keyword(ctx context.Context, db bun.IDB, scope Scope, query string, k int) ([]keywordHit, error) {
	if len(queryTerms(query)) == 0 {
		return nil, nil
	}
	kw, _, _, err := retrieve(ctx, db, scope, query, "", nil, k)
	return kw, err
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

// search ranks the scope's chunks for query and returns the best limit of
// them: one statement, and a second for the chunks only the vector side
// found when some are among them.
func (s *Service) search(ctx context.Context, db bun.IDB, scope Scope, query string, limit int) ([]Hit, error) {
	if !scope.All && len(scope.SourceIDs) == 0 {
		return nil, nil
	}
	qv, err := s.opts.Embedder.Embed(ctx, []string{query})
	if err != nil {
		return nil, err
	}
	kw, vec, chunks, err := retrieve(ctx, db, scope, query, s.opts.Embedder.ID(), qv[0], candidates)
	if err != nil {
		return nil, err
	}
	hits := fuse(kw, vec)
	hits = hits[:min(limit, len(hits))]
	// The chunks only the vector side found: a second statement, only when
	// some made the cut.
	var ids []uuid.UUID
	for _, h := range hits {
		if _, ok := chunks[h.ID]; !ok {
			ids = append(ids, h.ID)
		}
	}
	if len(ids) > 0 {
		var more []Chunk
		if err := db.NewRaw("SELECT "+chunkColumns+" FROM knowledge_chunks c WHERE c.id = ANY(?::uuid[])", uuidArray(ids)).Scan(ctx, &more); err != nil {
			return nil, err
		}
		for _, c := range more {
			chunks[c.ID] = c
		}
	}
	out := hits[:0]
	for _, h := range hits {
		if c, ok := chunks[h.ID]; ok {
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

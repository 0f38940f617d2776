package knowledge

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/konstruct/konstruct/api/store"
)

// BM25 and fusion parameters.
const (
	K1 = 1.2
	B  = 0.75
	// KeywordWeight is the keyword side's share of a fused score:
	//
	//	fused = w · bm25/best + (1 − w) · cos
	//
	// bm25/best is the chunk's BM25 score over the query's best (0 when BM25
	// did not rank it), cos its cosine with the query (0 when unknown).
	// Chosen on the benchmark's dev queries, judged on its test queries
	// (docs/knowledge-quality.md, "Score fusion"): any w from 0.45 to 0.8
	// beat keyword-only on both; 0.5 is the middle of that plateau. It
	// replaced reciprocal-rank fusion, which never beat keyword-only there:
	// ranks throw away how far apart two candidates are.
	KeywordWeight = 0.5
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
	// Similarity is the chunk's cosine with the query: exact for a keyword
	// hit whose embedding is the query's embedder's, else VectorScore;
	// HasSimilarity says whether it is known.
	Similarity    float64
	HasSimilarity bool
	FusedRank     int
	FusedScore    float64
	InBudget      bool
}

// Scope chooses the chunks searched: those of SourceIDs, or every chunk of
// the tenant when All.
type Scope struct {
	All       bool
	SourceIDs []uuid.UUID
}

type keywordHit struct {
	ID       uuid.UUID
	Score    float64
	Coverage float64
	// Cosine is the chunk's exact cosine with the query, when its
	// embedding is the query's embedder's (HasCosine).
	Cosine    float64
	HasCosine bool
}

type vectorHit struct {
	ID    uuid.UUID
	Score float64
}

// Retrieval tuning (docs/knowledge.md, "Retrieval").
const (
	// rareMin and rareShare bound BM25's candidates: about
	// max(rareMin, rareShare·N) chunks of the scope — those holding any of
	// the rarest query terms, then those holding two of the others, while
	// the estimate fits; a query of one common term reads all its chunks.
	// Every candidate is scored exactly. The rules are in
	// knowledge_keyword_candidates (migration 00016). Scoring a candidate
	// is most of BM25's cost: at 100k chunks of the benchmark's manual
	// copies, 1,500 (about 1,200 candidates) found every chunk of the exact
	// top 10 and 92 % of the top 50 (3,000: 2,400 candidates, 96 %); on the
	// manual (7.7k chunks) keyword R@5 / MRR@10 did not move and hybrid
	// stayed within its run-to-run range (docs/knowledge-quality.md,
	// "Retrieval speed at 100k, k16s").
	rareMin   = 1500
	rareShare = 0.01
	// exactBelow: a scope of fewer chunks is ranked by an exact scan of its
	// vectors; a larger one through the tenant's IVF lists (ivf.go) when it
	// has them. At 100k chunks (k16p, docs/knowledge-quality.md) the lists
	// read 10 % of the vectors (10.1k int8 entries, 2.8 MB, a row per list)
	// and find 0.948 of the exact top 50; the statement spends about 5 ms
	// on them and 4–17 ms on BM25, which is now the larger part. Below
	// 4,000 chunks the exact scan sends at most 4 MB of float32 vectors.
	exactBelow = 4000
)

// retrieveSQL is one statement for a whole retrieval, for n query terms:
//
//	kind 0: the settings (agent ?0's budget, "when unknown", how many sources)
//	kind 1: BM25's top ?6 with their chunks' columns and, in blob, their embedding
//	        when it is of the query's embedder (fusion scores it exactly)
//	kind 2: the vector side's candidates, (id, vector) pairs packed in a
//	        bytea: the exact scan of the scope (one row, float32 vectors), or
//	        the probed IVF lists (a row per list of their knowledge_vectors
//	        entries, int8 vectors). A row per list, not one: at 100k chunks
//	        the lists hold 4 MB, and one 4 MB value cost 7 ms more to build,
//	        send and receive than 25 of 160 kB (17.0 vs 10.0 ms p50, the same
//	        entries, load 2.5; docs/knowledge-quality.md, "k16p")
//	kind 3: the tenant's IVF centroids, when the caller's copy (generation
//	        ?10) is stale: the caller probes with them in a second statement
//
// The scope is agent ?0's sources, or, without an agent, every source (?1) or
// the sources ?2. BM25, best first:
//
//	score = Σ_t idf(t) · tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen))
//	idf(t) = ln(1 + (N − df + 0.5)/(df + 0.5))
//
// N, avglen and df(t) are over the scope, read from the statistics kept by
// the knowledge_chunks trigger (knowledge_sources.chunk_count/term_total and
// knowledge_terms): small indexed reads. Candidates come from the GIN index
// on terms through knowledge_keyword_candidates (see rareMin), which returns
// each one's length, terms and frequencies; each is scored exactly here.
func retrieveSQL(n int) string {
	var tfs, pos, dfs, scores, present strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&pos, ", width_bucket((?3::text[])[%d] COLLATE \"C\", k.terms) AS p%d", i, i)
		fmt.Fprintf(&tfs, ", CASE WHEN k.terms[k.p%d] = (?3::text[])[%d] THEN k.freqs[k.p%d] END::float8 AS tf%d", i, i, i, i)
		if i > 1 {
			dfs.WriteString(", ")
			scores.WriteString(" + ")
			present.WriteString(", ")
		}
		fmt.Fprintf(&dfs, "(SELECT qt.df FROM qt WHERE qt.ord = %d) AS df%d", i, i)
		fmt.Fprintf(&scores, "coalesce(ln(1 + (greatest(sc.n - df.df%d, 0) + 0.5) / (df.df%d + 0.5)) * m.tf%d * (?4 + 1) / (m.tf%d + ?4 * (1 - ?5 + ?5 * m.term_count / sc.avglen)), 0)", i, i, i, i)
		fmt.Fprintf(&present, "m.tf%d", i)
	}
	return `WITH src AS MATERIALIZED (
  SELECT s.id, s.chunk_count, s.term_total FROM knowledge_sources s
   WHERE CASE WHEN ?0::uuid IS NOT NULL THEN s.id IN (SELECT a.source_id FROM agent_knowledge_sources a WHERE a.agent_id = ?0::uuid)
              ELSE ?1 OR s.id = ANY(?2::uuid[]) END
), sc AS MATERIALIZED (
  SELECT coalesce(array_agg(id), '{}') AS ids, count(*) AS sources, greatest(coalesce(sum(chunk_count), 0), 0)::float8 AS n,
         coalesce(greatest(sum(term_total), 1)::float8 / nullif(sum(chunk_count), 0), 1) AS avglen FROM src
), qt AS MATERIALIZED (
  SELECT q.ord, q.term, coalesce((SELECT sum(k.df) FROM knowledge_terms k WHERE k.term = q.term AND (k.source_id IN (SELECT id FROM src)) IS TRUE), 0)::float8 AS df
    FROM unnest(?3::text[]) WITH ORDINALITY AS q(term, ord)
), sel AS MATERIALIZED (
  SELECT coalesce(array_agg(qt.term ORDER BY qt.df, qt.ord), '{}') AS terms, coalesce(array_agg(qt.df ORDER BY qt.df, qt.ord), '{}') AS dfs
    FROM qt WHERE qt.df > 0
), m AS MATERIALIZED (
  SELECT DISTINCT ON (k.id) k.id, k.term_count` + tfs.String() + `
    FROM (SELECT k.id, k.term_count, k.terms, k.freqs` + pos.String() + `
            FROM (SELECT k.id, k.term_count, array_cat(k.terms, '{}') AS terms, array_cat(k.freqs, '{}') AS freqs
                    FROM sc, sel, knowledge_keyword_candidates(sc.ids, sel.terms, sel.dfs, sc.n, greatest(?13, ?14 * sc.n)) AS k
                  OFFSET 0) k
          OFFSET 0) k
), df AS (
  SELECT ` + dfs.String() + `
), kw AS (
  SELECT m.id, ` + scores.String() + ` AS score,
         num_nonnulls(` + present.String() + `)::float8 / ` + strconv.Itoa(n) + ` AS coverage
    FROM m CROSS JOIN df CROSS JOIN sc
   ORDER BY score DESC, m.id
   LIMIT ?6
), ivf AS MATERIALIZED (
  SELECT i.generation, i.lists, i.centroids || i.sizes AS centroids FROM knowledge_ivf i WHERE i.embedder = ?7 AND i.dims * 4 = ?9
), way AS MATERIALIZED (
  SELECT ?8 AND (sc.n < ?12 OR NOT EXISTS (SELECT FROM ivf)) AS exact,
         ?8 AND sc.n >= ?12 AND EXISTS (SELECT FROM ivf WHERE ivf.generation = ?10) AS probe,
         ?8 AND sc.n >= ?12 AND EXISTS (SELECT FROM ivf WHERE ivf.generation <> ?10) AS stale
    FROM sc
)
SELECT 0 AS kind, coalesce((SELECT k.token_budget FROM agent_knowledge k WHERE k.agent_id = ?0::uuid), ?15)::float8 AS score, 0::float8 AS coverage,
       NULL::bytea AS blob, coalesce((SELECT k.when_unknown FROM agent_knowledge k WHERE k.agent_id = ?0::uuid), ?16) AS info, sc.sources AS num,
       sc.ids AS scope, ` + nullChunk + `
  FROM sc
UNION ALL
SELECT 1, kw.score, kw.coverage, CASE WHEN ?8 AND c.embedder = ?7 AND length(c.embedding) = ?9 THEN c.embedding END, '', 0, NULL, ` + chunkColumns + `
  FROM kw JOIN knowledge_chunks c ON c.id = kw.id
UNION ALL
SELECT 2, 0, 0, string_agg(uuid_send(v.id) || v.embedding, ''::bytea), 'exact', count(*), NULL, ` + nullChunk + `
  FROM knowledge_chunks v
 WHERE (SELECT exact FROM way) AND v.embedder = ?7 AND length(v.embedding) = ?9 AND v.source_id = ANY((SELECT ids FROM sc)::uuid[])
UNION ALL
SELECT 2, 0, 0, v.blob, 'ivf', v.n, NULL, ` + nullChunk + `
  FROM unnest(?11::int[]) AS p(list)
  CROSS JOIN LATERAL (SELECT string_agg(v.entry, ''::bytea) AS blob, count(*) AS n FROM knowledge_vectors v
                       WHERE v.embedder = ?7 AND v.ivf_list = p.list AND length(v.entry) <= 2580
                         AND length(v.entry) = ?17 AND (v.source_id IN (SELECT id FROM src)) IS TRUE) v
 WHERE (SELECT probe FROM way) AND v.n > 0
UNION ALL
SELECT 3, ivf.lists, 0, ivf.centroids, '', ivf.generation, NULL, ` + nullChunk + `
  FROM ivf WHERE (SELECT stale FROM way)`
}

// nullChunk fills chunkColumns in rows that are not chunks.
const nullChunk = "NULL::uuid AS id, NULL::uuid AS source_id, NULL::uuid AS document_id, 0 AS ordinal, '' AS title, '{}'::text[] AS heading_path, " +
	"'' AS body, 0 AS tokens, NULL::int AS page, '' AS anchor, '' AS url"

// vectorsSQL is the vector side alone (after a stale IVF copy): the probed
// lists' (id, vector) pairs of the scope ?0 (source ids), a row per list.
const vectorsSQL = `SELECT string_agg(v.entry, ''::bytea) AS blob FROM knowledge_vectors v
 WHERE v.embedder = ?1 AND length(v.entry) = ?2 AND v.ivf_list = ANY(?3::int[]) AND v.source_id = ANY(?0::uuid[])
 GROUP BY v.ivf_list`

type retrievedRow struct {
	Kind     int         `bun:"kind"`
	Score    float64     `bun:"score"`
	Coverage float64     `bun:"coverage"`
	Blob     []byte      `bun:"blob"`
	Info     string      `bun:"info"`
	Num      int64       `bun:"num"`
	Scope    []uuid.UUID `bun:"scope,array"`
	Chunk
}

// request is one retrieval: its scope (an agent's sources, or Scope), the
// query, and the vector side's inputs.
type request struct {
	agent    *uuid.UUID
	scope    Scope
	query    string
	embedder string
	q        []float32 // nil: no vector side
	k        int
}

// result is what retrieve found.
type result struct {
	settings  Settings
	sources   int
	kw        []keywordHit
	vec       []vectorHit
	chunks    map[uuid.UUID]Chunk
	vectorWay string // "exact", "ivf" or "" (no vector side)
}

// retrieveArgs are the PostgreSQL types of retrieveSQL's parameters ?0…?17,
// in the form the pgx statement casts them to (pgxRetrieveSQL): with native
// parameters nothing is left for the server to guess (K1 in "?4 + 1" would
// otherwise be taken for an integer).
var retrieveArgs = []string{"uuid", "bool", "uuid[]", "text[]", "float8", "float8", "int8", "text", "bool", "int4",
	"int8", "int4[]", "float8", "float8", "float8", "int4", "text", "int4"}

var (
	placeholder = regexp.MustCompile(`\?(\d+)`)
	pgxSQL      sync.Map // terms → retrieveSQL(terms) with $n parameters
)

// pgxRetrieveSQL is retrieveSQL(n) with pgx's $n parameters, each cast to its
// type, so it can be queued in a store.Batch (one text for both).
func pgxRetrieveSQL(n int) string {
	if v, ok := pgxSQL.Load(n); ok {
		return v.(string)
	}
	sql := placeholder.ReplaceAllStringFunc(retrieveSQL(n), func(m string) string {
		i, _ := strconv.Atoi(m[1:])
		return "($" + strconv.Itoa(i+1) + "::" + retrieveArgs[i] + ")"
	})
	pgxSQL.Store(n, sql)
	return sql
}

// retrieval is retrieveSQL queued in a batch (queueRetrieve); finish reads
// what came back once the batch was sent.
type retrieval struct {
	r          request
	tenant     uuid.UUID
	haveTenant bool
	rows       []retrievedRow
}

// queueRetrieve queues retrieveSQL for r in b. tenant is whose IVF lists the
// process's copy is for (haveTenant false: no copy is used or kept).
func queueRetrieve(b *store.Batch, tenant uuid.UUID, haveTenant bool, r request) *retrieval {
	out := &retrieval{r: r, tenant: tenant, haveTenant: haveTenant}
	sql, args := retrieveStatement(tenant, haveTenant, r)
	b.Queue(sql, args...).Query(store.All(&out.rows))
	return out
}

// retrieveStatement is retrieveSQL for r in pgx's form with its arguments.
func retrieveStatement(tenant uuid.UUID, haveTenant bool, r request) (string, []any) {
	terms := queryTerms(r.query)
	sql := pgxRetrieveSQL(max(len(terms), 1))
	if len(terms) == 0 {
		terms = []string{}
	}
	ix := cachedIVF(tenant, haveTenant, r.embedder, len(r.q))
	var gen int64
	probes := []int32{-1}
	if ix != nil && r.q != nil {
		gen = ix.generation
		probes = ix.probe(r.q)
	}
	sources := r.scope.SourceIDs
	if sources == nil {
		sources = []uuid.UUID{}
	}
	return sql, []any{r.agent, r.scope.All, sources, terms, float64(K1), float64(B), int64(r.k),
		r.embedder, r.q != nil, int32(4 * len(r.q)), gen, probes, float64(exactBelow), float64(rareMin), float64(rareShare),
		int32(DefaultTokenBudget), SayUnknown, int32(entrySize(len(r.q)))}
}

// retrieve runs retrieveSQL: BM25's top k with their chunks and the vector
// side's top k (exact cosine over the candidates it returned), with the
// agent's settings. A stale copy of the tenant's IVF centroids costs a second
// statement (the centroids come back with the first).
func retrieve(ctx context.Context, db bun.IDB, r request) (*result, error) {
	tx, ok := asTx(db)
	if !ok {
		return nil, fmt.Errorf("knowledge: retrieval needs a tenant transaction, not %T", db)
	}
	var b store.Batch
	rt := queueRetrieve(&b, tx.TenantID, true, r)
	if err := tx.Send(ctx, &b); err != nil {
		return nil, err
	}
	return rt.finish(ctx, db)
}

// finish reads the retrieval's rows after its batch was sent: the second
// statement when the IVF copy was stale, and the vector side's ranking.
func (rt *retrieval) finish(ctx context.Context, db bun.IDB) (*result, error) {
	r := rt.r
	out := &result{chunks: map[uuid.UUID]Chunk{}}
	var blobs [][]byte
	var scope []uuid.UUID
	for _, row := range rt.rows {
		switch row.Kind {
		case 0:
			out.settings = Settings{TokenBudget: int(row.Score), WhenUnknown: row.Info}
			out.sources, scope = int(row.Num), row.Scope
		case 1:
			out.chunks[row.ID] = row.Chunk
			h := keywordHit{ID: row.ID, Score: row.Score, Coverage: row.Coverage}
			if len(r.q) > 0 && len(row.Blob) == 4*len(r.q) {
				h.Cosine, h.HasCosine = float64(dot(r.q, row.Blob)), true
			}
			out.kw = append(out.kw, h)
		case 2: // the exact scan's aggregate is a row even when its way was not taken
			if row.Num > 0 {
				blobs, out.vectorWay = append(blobs, row.Blob), row.Info
			}
		case 3:
			ix := newIVF(row.Num, r.embedder, len(r.q), int(row.Score), row.Blob)
			if rt.haveTenant {
				storeIVF(rt.tenant, ix)
			}
			out.vectorWay = "ivf"
			var lists []struct {
				Blob []byte `bun:"blob"`
			}
			if err := db.NewRaw(vectorsSQL, uuidArray(scope), r.embedder, entrySize(len(r.q)),
				pgdialect.Array(ix.probe(r.q))).Scan(ctx, &lists); err != nil {
				return nil, err
			}
			for _, l := range lists {
				blobs = append(blobs, l.Blob)
			}
		}
	}
	sort.SliceStable(out.kw, func(i, j int) bool { // UNION ALL keeps no order
		if out.kw[i].Score != out.kw[j].Score {
			return out.kw[i].Score > out.kw[j].Score
		}
		return bytes.Compare(out.kw[i].ID[:], out.kw[j].ID[:]) < 0
	})
	switch {
	case r.q == nil:
	case out.vectorWay == "ivf":
		out.vec = rankEntries(r.q, blobs, r.k)
	default:
		out.vec = rankVectors(r.q, blobs, r.k)
	}
	return out, nil
}

// rankVectors is the k best (id, vector) pairs of blobs by dot product with q.
func rankVectors(q []float32, blobs [][]byte, k int) []vectorHit {
	size := 16 + 4*len(q)
	if len(q) == 0 {
		return nil
	}
	top := topK{k: k, hits: make([]vectorHit, 0, k)}
	for _, blob := range blobs {
		for off := 0; off+size <= len(blob); off += size {
			h := vectorHit{Score: float64(dot(q, blob[off+16:off+size]))}
			copy(h.ID[:], blob[off:off+16])
			top.offer(h)
		}
	}
	return top.best()
}

// sortVector orders hits best first: higher score, then lower id (bytes
// order, which is the order of their text form).
func sortVector(all []vectorHit) {
	sort.Slice(all, func(i, j int) bool { return better(all[i], all[j]) })
}

// keyword ranks chunks by BM25.
func keyword(ctx context.Context, db bun.IDB, scope Scope, query string, k int) ([]keywordHit, error) {
	if len(queryTerms(query)) == 0 {
		return nil, nil
	}
	res, err := retrieve(ctx, db, request{scope: scope, query: query, k: k})
	if err != nil {
		return nil, err
	}
	return res.kw, nil
}

func dot(q []float32, raw []byte) float32 {
	var s float32
	for i, x := range q {
		s += x * math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return s
}

// fuse merges the two rankings by score (KeywordWeight), best first (ties:
// the better keyword rank, then id). kw is best first.
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
		h.Similarity, h.HasSimilarity = k.Cosine, k.HasCosine
	}
	for i, v := range vec {
		h := get(v.ID)
		h.VectorRank, h.VectorScore = i+1, v.Score
		if !h.HasSimilarity {
			h.Similarity, h.HasSimilarity = v.Score, true
		}
	}
	for _, h := range byID {
		if h.KeywordRank > 0 && kw[0].Score > 0 {
			h.FusedScore = KeywordWeight * h.KeywordScore / kw[0].Score
		}
		if h.HasSimilarity {
			h.FusedScore += (1 - KeywordWeight) * h.Similarity
		}
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

// search ranks the chunks of r's scope for r.query and returns the best
// limit of them, with the settings read on the way: one statement, and a
// second for the chunks only the vector side found when some are among them.
// With relevantOnly (a turn), a hit only the vector side found and too far
// to be relevant is dropped instead of loaded: it could not enter the budget.
func (s *Service) search(ctx context.Context, db bun.IDB, r request, limit int, relevantOnly bool) ([]Hit, *result, error) {
	res, err := retrieve(ctx, db, s.prepare(r))
	if err != nil {
		return nil, nil, err
	}
	hits, err := s.rank(ctx, db, res, limit, relevantOnly)
	return hits, res, err
}

// prepare sets the request's embedder and how many candidates each method
// ranks.
func (s *Service) prepare(r request) request {
	r.embedder, r.k = s.opts.Embedder.ID(), candidates
	return r
}

// rank fuses what retrieve found and keeps the best limit hits with their
// chunks (search's second half).
func (s *Service) rank(ctx context.Context, db bun.IDB, res *result, limit int, relevantOnly bool) ([]Hit, error) {
	hits := fuse(res.kw, res.vec)
	hits = hits[:min(limit, len(hits))]
	// The chunks only the vector side found: a second statement, only when
	// some made the cut.
	var ids []uuid.UUID
	for _, h := range hits {
		if _, ok := res.chunks[h.ID]; !ok && (!relevantOnly || h.relevant()) {
			ids = append(ids, h.ID)
		}
	}
	if len(ids) > 0 {
		var more []Chunk
		if err := db.NewRaw("SELECT "+chunkColumns+" FROM knowledge_chunks c WHERE c.id = ANY(?::uuid[])", uuidArray(ids)).Scan(ctx, &more); err != nil {
			return nil, err
		}
		for _, c := range more {
			res.chunks[c.ID] = c
		}
	}
	out := hits[:0]
	for _, h := range hits {
		if c, ok := res.chunks[h.ID]; ok {
			h.Chunk = c
			out = append(out, h)
		}
	}
	return out, nil
}

// embedQuery embeds a query for the vector side.
func (s *Service) embedQuery(ctx context.Context, query string) ([]float32, error) {
	qv, err := s.opts.Embedder.Embed(ctx, []string{query})
	if err != nil {
		return nil, err
	}
	return qv[0], nil
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

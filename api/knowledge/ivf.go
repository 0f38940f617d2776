package knowledge

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/konstruct/konstruct/api/store"
)

// The vector index: IVF (inverted file) lists kept in PostgreSQL without
// pgvector. A tenant's centroids are trained in Go (spherical k-means on a
// sample of its vectors) once it has ivfMinChunks vectors of the current
// embedder, and retrained when that count doubles or halves or the embedder
// changes. Each chunk's knowledge_vectors row holds its list (its nearest
// centroid; -1 until assigned, and -1 lists are always searched) and its
// vector quantised to int8, which training, assignment and retrieval read.
// Retrieval embeds the query, picks the nearest lists from an in-process copy
// of the centroids until they hold ivfReadShare of the vectors, and reads only
// those lists' entries (index-only, knowledge_vectors_ivf_idx) to rank them.
// The copy is keyed by tenant and generation; the retrieval statement checks
// the generation and returns fresh centroids when it moved.
//
// Training (k16p, docs/knowledge-quality.md "k16p"): 2√n lists, k-means on
// 64 vectors a list (at most 15 iterations), the sample chosen by the
// vectors' content (the same vectors give the same lists, whatever their ids
// or the order they came in). Against the exact top 50 at 100k chunks of the
// benchmark's manual copies (200 queries), the former training (√n lists,
// 40 vectors a list, 8 iterations, a random sample) found 0.906 of it
// reading 15 % and 0.873 reading 10 %; this one (632 lists, MaintainIVF at
// 100k) finds 0.948 reading 10 % (0.938 at 8 %, 0.921 at 6 %, 0.967 at
// 15 %). Training and assigning cost more (64 s instead of ~7 at 100k, on 2
// busy cores), once per doubling of the tenant's vectors. "Same lists" holds
// for the same vectors: which vectors a tenant has when it crosses a
// threshold still depends on the order ingestion wrote them.
const (
	ivfMinChunks = exactBelow
	ivfIters     = 15
	// ivfSamplePerList bounds the k-means sample (lists × this many vectors).
	ivfSamplePerList = 64
	ivfBatch         = 4000
)

// ivfLists is the list count for n vectors: about 2√n, at least 32.
func ivfLists(n int) int { return max(32, int(math.Round(2*math.Sqrt(float64(n))))) }

// ivfReadShare is the share of the tenant's vectors a query reads: the
// lists nearest the query are probed until their sizes add up to it (recall@50
// against the exact scan: BenchmarkRetrieve, docs/performance.md). With the
// former lists, 5 % lost 13 % of the vector side's recall@5 of relevant pages
// on the PostgreSQL manual (go tool task bench:knowledge) and 15 % lost 4 %;
// the lists above find more of the exact top 50 at 10 % than those did at
// 15 % (see Training), and the manual's vector and hybrid recall@5 did not
// move (8 % read a fifth less but cost 0.01 of the vector side's R@5 there).
const ivfReadShare = 0.10

type ivfIndex struct {
	generation int64
	embedder   string
	dims       int
	lists      int
	centroids  []float32 // lists × dims, unit length
	sizes      []int32   // chunks per list (as of the last assignment)
}

var ivfCache sync.Map // tenant uuid.UUID → *ivfIndex

func cachedIVF(tenant uuid.UUID, ok bool, embedder string, dims int) *ivfIndex {
	if !ok || dims == 0 {
		return nil
	}
	v, found := ivfCache.Load(tenant)
	if !found {
		return nil
	}
	ix := v.(*ivfIndex)
	if ix.embedder != embedder || ix.dims != dims {
		return nil
	}
	return ix
}

func storeIVF(tenant uuid.UUID, ix *ivfIndex) { ivfCache.Store(tenant, ix) }

// newIVF reads the statement's kind 3 row: centroids then sizes.
func newIVF(generation int64, embedder string, dims, lists int, blob []byte) *ivfIndex {
	n := 4 * lists * dims
	ix := &ivfIndex{generation: generation, embedder: embedder, dims: dims, lists: lists, centroids: decodeFloats(blob[:min(n, len(blob))])}
	if len(blob) >= n+4*lists {
		ix.sizes = decodeInts(blob[n:])
	}
	return ix
}

func decodeInts(raw []byte) []int32 {
	out := make([]int32, len(raw)/4)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out
}

func encodeInts(v []int32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return b
}

// asTx is db as a tenant transaction, when it is one.
func asTx(db bun.IDB) (store.Tx, bool) {
	switch tx := db.(type) {
	case store.Tx:
		return tx, true
	case *store.Tx:
		return *tx, true
	}
	return store.Tx{}, false
}

// probe is the lists nearest q whose sizes add up to ivfReadShare of all
// (at least one), and -1 (the unassigned chunks).
func (ix *ivfIndex) probe(q []float32) []int32 {
	type scored struct {
		list  int32
		score float32
	}
	all := make([]scored, ix.lists)
	for l := range ix.lists {
		all[l] = scored{int32(l), dotF(q, ix.centroids[l*ix.dims:(l+1)*ix.dims])}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].score > all[j].score })
	var total int64
	for _, n := range ix.sizes {
		total += int64(n)
	}
	share := ivfReadShare
	if ix.lists > 0 && float64(ivfLists(int(total))) > 1.6*float64(ix.lists) {
		// Lists trained before k16p (√n of them, on a smaller sample), until
		// MaintainIVF retrains them: they need 15 % for the same recall.
		share = 0.15
	}
	want := int64(math.Ceil(share * float64(total)))
	out := []int32{-1}
	var read int64
	for i, s := range all {
		if i > 0 && (read >= want || (len(ix.sizes) != ix.lists && i >= max(8, ix.lists/20))) {
			break
		}
		out = append(out, s.list)
		if len(ix.sizes) == ix.lists {
			read += int64(ix.sizes[s.list])
		}
	}
	return out
}

// nearest is the list whose centroid is nearest v.
func (ix *ivfIndex) nearest(v []float32) int32 {
	best, bestScore := int32(0), float32(math.Inf(-1))
	for l := range ix.lists {
		if s := dotF(v, ix.centroids[l*ix.dims:(l+1)*ix.dims]); s > bestScore {
			best, bestScore = int32(l), s
		}
	}
	return best
}

// entrySize is the length of a knowledge_vectors entry for dims dimensions.
func entrySize(dims int) int { return 16 + 4 + dims }

// ivfEntry packs a chunk's id and its vector quantised to int8 (scale:
// max |x| / 127, stored first as float32) for the IVF lists' read.
func ivfEntry(id uuid.UUID, v []float32) []byte {
	out := make([]byte, entrySize(len(v)))
	copy(out, id[:])
	var m float32
	for _, x := range v {
		m = max(m, float32(math.Abs(float64(x))))
	}
	scale := m / 127
	binary.LittleEndian.PutUint32(out[16:], math.Float32bits(scale))
	for i, x := range v {
		if scale > 0 {
			out[20+i] = byte(int8(math.Round(float64(x / scale))))
		}
	}
	return out
}

// decodeEntry is an entry's vector (dequantised).
func decodeEntry(e []byte) []float32 {
	scale := math.Float32frombits(binary.LittleEndian.Uint32(e[16:]))
	out := make([]float32, len(e)-20)
	for i, x := range e[20:] {
		out[i] = float32(int8(x)) * scale
	}
	return out
}

// rankEntries is the k best entries of blobs by (quantised) dot
// product with q.
func rankEntries(q []float32, blobs [][]byte, k int) []vectorHit {
	size := entrySize(len(q))
	if len(q) == 0 {
		return nil
	}
	top := topK{k: k, hits: make([]vectorHit, 0, k)}
	for _, blob := range blobs {
		for off := 0; off+size <= len(blob); off += size {
			e := blob[off : off+size]
			scale := math.Float32frombits(binary.LittleEndian.Uint32(e[16:]))
			h := vectorHit{Score: float64(dotInt8(q, e[20:]) * scale)}
			copy(h.ID[:], e[:16])
			top.offer(h)
		}
	}
	return top.best()
}

// dotInt8 is the dot product of q with an int8 vector of q's length: the
// bytes become floats through a table (a load instead of a conversion) and
// eight sums run side by side — twice as fast as converting with four sums
// (0.93 vs 1.85 ms for 8.1k entries of 256 dimensions; at 100k chunks a
// query scores 10k entries).
func dotInt8(q []float32, v []byte) float32 {
	v = v[:len(q)]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	i := 0
	for ; i+8 <= len(q); i += 8 {
		vv, qq := v[i:i+8:i+8], q[i:i+8:i+8]
		s0 += qq[0] * int8Float[vv[0]]
		s1 += qq[1] * int8Float[vv[1]]
		s2 += qq[2] * int8Float[vv[2]]
		s3 += qq[3] * int8Float[vv[3]]
		s4 += qq[4] * int8Float[vv[4]]
		s5 += qq[5] * int8Float[vv[5]]
		s6 += qq[6] * int8Float[vv[6]]
		s7 += qq[7] * int8Float[vv[7]]
	}
	for ; i < len(q); i++ {
		s0 += q[i] * int8Float[v[i]]
	}
	return (s0 + s1 + s2 + s3) + (s4 + s5 + s6 + s7)
}

// int8Float is each byte read as an int8, as a float32.
var int8Float = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(int8(uint8(i)))
	}
	return t
}()

// dotF is the dot product of two vectors of one length (unrolled by four:
// training and assignment spend their time here).
// nearestAll is nearest for each vector, on every core.
func (ix *ivfIndex) nearestAll(vs [][]float32) []int32 {
	out := make([]int32, len(vs))
	workers := max(1, min(runtime.GOMAXPROCS(0), len(vs)/256))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(vs); i += workers {
				out[i] = ix.nearest(vs[i])
			}
		}()
	}
	wg.Wait()
	return out
}

func dotF(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

func decodeFloats(raw []byte) []float32 {
	out := make([]float32, len(raw)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out
}

// kmeans trains k unit-length centroids on sample (spherical k-means:
// assignment by dot product, centroids renormalised), seeded by rng.
func kmeans(sample [][]float32, k, dims, iters int, rng *rand.Rand) []float32 {
	cent := make([]float32, k*dims)
	perm := rng.Perm(len(sample))
	for l := range k {
		copy(cent[l*dims:], sample[perm[l%len(perm)]])
	}
	ix := &ivfIndex{dims: dims, lists: k, centroids: cent}
	assign := make([]int32, len(sample))
	for it := range iters {
		next := ix.nearestAll(sample)
		changed := 0
		for i, l := range next {
			if l != assign[i] || it == 0 {
				assign[i] = l
				changed++
			}
		}
		sums := make([]float64, k*dims)
		counts := make([]int, k)
		for i, v := range sample {
			l := int(assign[i])
			counts[l]++
			for d, x := range v {
				sums[l*dims+d] += float64(x)
			}
		}
		for l := range k {
			if counts[l] == 0 { // an empty list takes a random vector
				copy(cent[l*dims:(l+1)*dims], sample[rng.IntN(len(sample))])
				continue
			}
			var norm float64
			for d := range dims {
				norm += sums[l*dims+d] * sums[l*dims+d]
			}
			norm = math.Sqrt(norm)
			for d := range dims {
				cent[l*dims+d] = float32(sums[l*dims+d] / norm)
			}
		}
		if it > 0 && changed*200 < len(sample) { // under 0.5 % moved
			break
		}
	}
	return cent
}

// IVFState is a tenant's vector index after MaintainIVF.
type IVFState struct {
	Vectors    int   // vectors of the current embedder
	Lists      int   // 0: no index (exact scan)
	Generation int64 // changes when the centroids are retrained
	Trained    bool  // whether this call (re)trained
	Assigned   int   // chunks assigned to a list by this call
}

// MaintainIVF keeps a tenant's IVF lists in step with its chunks (after a
// sync or a backfill): trains them when the tenant reaches ivfMinChunks
// vectors of the current embedder, retrains them when that count doubled or
// halved since, or the embedder changed, and otherwise assigns the chunks
// indexed since to their nearest list. One transaction, serialised per
// tenant by an advisory lock; retrievals meanwhile use the previous lists.
func (s *Service) MaintainIVF(ctx context.Context, tenantID uuid.UUID) (IVFState, error) {
	var st IVFState
	var trained *ivfIndex
	embedder := s.opts.Embedder.ID()
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended('knowledge_ivf:' || ?, 0))", tenantID.String()); err != nil {
			return err
		}
		var cur struct {
			Embedder      string `bun:"embedder"`
			Dims          int    `bun:"dims"`
			Lists         int    `bun:"lists"`
			Generation    int64  `bun:"generation"`
			Centroids     []byte `bun:"centroids"`
			Sizes         []byte `bun:"sizes"`
			TrainedChunks int    `bun:"trained_chunks"`
		}
		have := true
		if err := tx.NewRaw("SELECT embedder, dims, lists, generation, centroids, sizes, trained_chunks FROM knowledge_ivf").Scan(ctx, &cur); err == store.ErrNotFound {
			have = false
		} else if err != nil {
			return err
		}
		// Every chunk of the embedder has its entry (chunks indexed before
		// 00016, or written by other paths, get theirs here).
		var missing []uuid.UUID
		if err := tx.NewRaw(`SELECT c.id FROM knowledge_chunks c WHERE c.embedder = ? AND length(c.embedding) > 0
			AND NOT EXISTS (SELECT FROM knowledge_vectors v WHERE v.chunk_id = c.id AND v.embedder = c.embedder)`, embedder).Scan(ctx, &missing); err != nil {
			return err
		}
		for start := 0; start < len(missing); start += ivfBatch {
			var rows []struct {
				ID        uuid.UUID `bun:"id"`
				SourceID  uuid.UUID `bun:"source_id"`
				Embedding []byte    `bun:"embedding"`
			}
			if err := tx.NewRaw(`SELECT c.id, c.source_id, c.embedding FROM knowledge_chunks c WHERE c.id = ANY(?::uuid[])`,
				uuidArray(missing[start:min(start+ivfBatch, len(missing))])).Scan(ctx, &rows); err != nil {
				return err
			}
			ids, sources := make([]uuid.UUID, len(rows)), make([]uuid.UUID, len(rows))
			entries := make([][]byte, len(rows))
			for i, r := range rows {
				ids[i], sources[i], entries[i] = r.ID, r.SourceID, ivfEntry(r.ID, decodeFloats(r.Embedding))
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO knowledge_vectors (tenant_id, chunk_id, source_id, embedder, entry)
				SELECT ?, v.id, v.s, ?, v.e FROM unnest(?::uuid[], ?::uuid[], ?::bytea[]) AS v(id, s, e)
				ON CONFLICT (tenant_id, chunk_id) DO UPDATE SET embedder = EXCLUDED.embedder, entry = EXCLUDED.entry, ivf_list = -1`,
				tenantID, embedder, uuidArray(ids), uuidArray(sources), pgdialect.Array(entries)); err != nil {
				return err
			}
		}
		var stats struct {
			N    int `bun:"n"`
			Size int `bun:"size"`
		}
		if err := tx.NewRaw(`SELECT count(*) AS n, coalesce(max(length(entry)), 0) AS size FROM knowledge_vectors WHERE embedder = ?`,
			embedder).Scan(ctx, &stats); err != nil {
			return err
		}
		st.Vectors = stats.N
		dims := stats.Size - entrySize(0)
		if stats.N < ivfMinChunks || dims <= 0 {
			if have { // too few to need lists: the exact scan takes over
				_, err := tx.ExecContext(ctx, "DELETE FROM knowledge_ivf")
				return err
			}
			return nil
		}
		retrain := !have || cur.Embedder != embedder || cur.Dims != dims || stats.N >= 2*cur.TrainedChunks || 2*stats.N < cur.TrainedChunks ||
			cur.Lists < ivfLists(cur.TrainedChunks) // trained before k16p: √n lists
		ix := &ivfIndex{generation: cur.Generation, embedder: embedder, dims: dims, lists: cur.Lists, centroids: decodeFloats(cur.Centroids),
			sizes: decodeInts(cur.Sizes)}
		if retrain {
			lists := ivfLists(stats.N)
			var raw [][]byte
			// A sample chosen by content (an md5 of the quantised vector, not
			// the id): reproducible.
			if err := tx.NewRaw(`SELECT entry FROM knowledge_vectors WHERE embedder = ? AND length(entry) = ?
				ORDER BY md5(substring(entry from 17)), chunk_id LIMIT ?`,
				embedder, entrySize(dims), lists*ivfSamplePerList).Scan(ctx, &raw); err != nil {
				return err
			}
			sample := make([][]float32, len(raw))
			for i, r := range raw {
				sample[i] = decodeEntry(r)
			}
			lists = min(lists, len(sample))
			rng := rand.New(rand.NewPCG(uint64(lists), uint64(len(sample))))
			ix = &ivfIndex{generation: max(cur.Generation+1, time.Now().UnixNano()), embedder: embedder, dims: dims, lists: lists,
				centroids: kmeans(sample, lists, dims, ivfIters, rng), sizes: make([]int32, lists)}
			st.Trained = true
		}
		// Assign: every vector after a retraining, else the unassigned ones.
		after := uuid.Nil
		for {
			var rows []struct {
				ID    uuid.UUID `bun:"chunk_id"`
				Entry []byte    `bun:"entry"`
			}
			q := `SELECT chunk_id, entry FROM knowledge_vectors WHERE embedder = ? AND length(entry) = ? AND ivf_list = -1 AND chunk_id > ?
				ORDER BY chunk_id LIMIT ?`
			if retrain {
				q = `SELECT chunk_id, entry FROM knowledge_vectors WHERE embedder = ? AND length(entry) = ? AND chunk_id > ? ORDER BY chunk_id LIMIT ?`
			}
			if err := tx.NewRaw(q, embedder, entrySize(dims), after, ivfBatch).Scan(ctx, &rows); err != nil {
				return err
			}
			if len(rows) == 0 {
				break
			}
			ids := make([]uuid.UUID, len(rows))
			vs := make([][]float32, len(rows))
			for i, r := range rows {
				ids[i], vs[i] = r.ID, decodeEntry(r.Entry)
			}
			lists := ix.nearestAll(vs)
			for _, l := range lists {
				if len(ix.sizes) == ix.lists {
					ix.sizes[l]++
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE knowledge_vectors c SET ivf_list = v.l FROM unnest(?::uuid[], ?::int[]) AS v(id, l) WHERE c.chunk_id = v.id`,
				uuidArray(ids), pgdialect.Array(lists)); err != nil {
				return err
			}
			st.Assigned += len(rows)
			after = rows[len(rows)-1].ID
		}
		if retrain {
			if _, err := tx.ExecContext(ctx, `INSERT INTO knowledge_ivf (tenant_id, embedder, dims, lists, generation, centroids, sizes, trained_chunks)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id) DO UPDATE SET embedder = EXCLUDED.embedder, dims = EXCLUDED.dims,
				lists = EXCLUDED.lists, generation = EXCLUDED.generation, centroids = EXCLUDED.centroids, sizes = EXCLUDED.sizes,
				trained_chunks = EXCLUDED.trained_chunks, trained_at = now()`,
				tenantID, embedder, dims, ix.lists, ix.generation, encode(ix.centroids), encodeInts(ix.sizes), stats.N); err != nil {
				return err
			}
		} else if st.Assigned > 0 && len(ix.sizes) == ix.lists {
			// The sizes guide probing only; the generation stays (the lists did not move).
			if _, err := tx.ExecContext(ctx, "UPDATE knowledge_ivf SET sizes = ?", encodeInts(ix.sizes)); err != nil {
				return err
			}
		}
		st.Lists, st.Generation = ix.lists, ix.generation
		if retrain {
			trained = ix
		}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("knowledge: vector index: %w", err)
	}
	if trained != nil {
		storeIVF(tenantID, trained)
	}
	return st, nil
}

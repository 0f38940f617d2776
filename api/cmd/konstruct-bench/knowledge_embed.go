package main

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/knowledge"
	"github.com/konstruct/konstruct/api/memory"
)

// What the offline embedder captures, measured: memory.Offline hashes a
// text's stemmed words (weight 1), word pairs (0.5) and character trigrams
// (0.25) into 256 signed buckets. hashEmbedder is the same algorithm with
// its knobs exposed, checked against memory.Offline (at 256 dimensions with
// the shipped weights it must give the same vectors), so the benchmark can
// rank the manual's chunks in-process with variants and fuse them with the
// keyword ranks of the same Search calls: does the vector side fail for
// lack of dimensions (collisions), because of the trigrams, or because a
// hashed bag of words cannot add what BM25 misses?
type hashEmbedder struct {
	Dims     int     `json:"dims"`
	Bigrams  float64 `json:"bigram_weight"`
	Trigrams float64 `json:"trigram_weight"`
	// IDF weights each feature by its inverse document frequency over the
	// manual's chunks (BM25's idf), which the shipped embedder does not do.
	IDF bool `json:"idf"`
	idf map[string]float64
}

// shipped is memory.Offline's configuration.
var shipped = hashEmbedder{Dims: memory.OfflineDims, Bigrams: 0.5, Trigrams: 0.25}

func (h hashEmbedder) String() string {
	s := "hash " + strconv.Itoa(h.Dims) + "d, bigrams " + strconv.FormatFloat(h.Bigrams, 'g', -1, 64) +
		", trigrams " + strconv.FormatFloat(h.Trigrams, 'g', -1, 64)
	if h.IDF {
		s += ", idf"
	}
	return s
}

// withIDF computes the features' idf over texts.
func (h hashEmbedder) withIDF(texts []string) hashEmbedder {
	df := map[string]int{}
	for _, t := range texts {
		for f := range h.features(t) {
			df[f]++
		}
	}
	h.idf = make(map[string]float64, len(df))
	n := float64(len(texts))
	for f, d := range df {
		h.idf[f] = math.Log(1 + (n-float64(d)+0.5)/(float64(d)+0.5))
	}
	return h
}

func (h hashEmbedder) features(text string) map[string]float64 {
	weights := map[string]float64{}
	var prev string
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	for _, w := range words {
		if memory.IsStopWord(w) {
			prev = ""
			continue
		}
		s := memory.Stem(w)
		weights["w:"+s] += 1
		if prev != "" && h.Bigrams > 0 {
			weights["b:"+prev+" "+s] += h.Bigrams
		}
		prev = s
		if h.Trigrams > 0 {
			r := []rune("^" + s + "$")
			for i := 0; i+3 <= len(r); i++ {
				weights["t:"+string(r[i:i+3])] += h.Trigrams
			}
		}
	}
	return weights
}

func (h hashEmbedder) vector(text string) []float32 {
	v := make([]float64, h.Dims)
	for feature, tf := range h.features(text) {
		f := fnv.New64a()
		f.Write([]byte(feature))
		sum := f.Sum64()
		sign := 1.0
		if sum&(1<<63) != 0 {
			sign = -1
		}
		w := 1 + math.Log(tf+1)
		if h.idf != nil {
			idf, ok := h.idf[feature]
			if !ok {
				idf = math.Log(1 + (float64(len(h.idf))+0.5)/0.5) // unseen: rarer than any
			}
			w *= idf
		}
		v[sum%uint64(h.Dims)] += sign * w
	}
	var n float64
	for _, x := range v {
		n += x * x
	}
	out := make([]float32, len(v))
	if n == 0 {
		return out
	}
	n = math.Sqrt(n)
	for i, x := range v {
		out[i] = float32(x / n)
	}
	return out
}

// variant is an embedder ranked in-process over the manual's chunks.
type variant interface {
	String() string
	vector(text string) []float32
}

// semVariant is memory.Semantic with other settings (or other word vectors).
type semVariant struct {
	Opts  memory.SemanticOpts `json:"opts"`
	Label string              `json:"label"`
	s     *memory.Semantic
}

func newSemVariant(wv *memory.WordVectors, label string, o memory.SemanticOpts) (semVariant, error) {
	s, err := memory.NewSemanticWith(wv, o)
	return semVariant{Opts: o, Label: label, s: s}, err
}

func (v semVariant) String() string {
	o := v.Opts
	name := fmt.Sprintf("semantic %s: words %dd + hash %dd, semantic weight %g, pairs %g, a %g", v.Label, o.WordDims, o.HashDims,
		o.SemanticWeight, o.PairWeight, o.A)
	if o.KeepCommon {
		name += ", common kept"
	}
	if o.Dampen {
		name += ", tf dampened"
	}
	return name
}

func (v semVariant) vector(text string) []float32 { return v.s.Vector(text) }

// EmbedderRow is one embedder variant ranked in-process over the manual's
// chunks: vector-only quality, and hybrid with the keyword ranks of the
// same Search calls (score fusion with knowledge.KeywordWeight, top 50 of
// each, as shipped), and with the RRF constants chosen on dev for this
// variant, judged on test.
type EmbedderRow struct {
	Embedder variant `json:"-"`
	// Settings are the variant's knobs (hashEmbedder or semVariant).
	Settings any     `json:"settings"`
	Name     string  `json:"name"`
	Vector   Metrics `json:"vector_all"`
	Hybrid   Metrics `json:"hybrid_all"`
	DevHyb   Metrics `json:"hybrid_dev"`
	TestHyb  Metrics `json:"hybrid_test"`
	TestVec  Metrics `json:"vector_test"`
	TestKw   Metrics `json:"keyword_test"`
	// Overlap is which method has a relevant page in its top five (all
	// queries).
	Overlap Overlap `json:"top5_overlap"`
	// Fusion is the fusion grid for this variant; BestOnDev its best row on
	// dev.
	Fusion    []FusionRow `json:"fusion"`
	BestOnDev FusionRow   `json:"fusion_best_on_dev"`
	// NoiseCosine is the mean cosine of 2,000 random pairs of chunks: what
	// unrelated texts score; RelevantCosine the mean over queries of the
	// best cosine between the query and a chunk of a relevant page.
	NoiseCosine    float64 `json:"noise_cosine"`
	RelevantCosine float64 `json:"relevant_cosine"`
}

// chunkKey names a chunk by its page and ordinal, the same in-process and
// in the database (the same extractor cuts the same passages in order).
func chunkKey(page string, ordinal int) uuid.UUID {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte(page+"#"+strconv.Itoa(ordinal)))
}

// passage is one chunk of the manual as embedded: its page and text.
type passage struct {
	page    string
	ordinal int
	text    string
}

// embedderVariants ranks the manual's passages with each variant for every
// query (exact cosine, top 50) and fuses them with the keyword ranks that
// Search returned for that query.
func embedderVariants(js []judged, ps []passage, variants []variant) []EmbedderRow {
	var rows []EmbedderRow
	for _, v := range variants {
		if h, ok := v.(hashEmbedder); ok && h.IDF {
			texts := make([]string, len(ps))
			for i, p := range ps {
				texts[i] = p.text
			}
			v = h.withIDF(texts)
		}
		vecs := make([][]float32, len(ps))
		for i, p := range ps {
			vecs[i] = v.vector(p.text)
		}
		row := EmbedderRow{Embedder: v, Settings: v, Name: v.String(), NoiseCosine: noise(vecs)}
		out := make([]judged, len(js))
		for qi, j := range js {
			q := v.vector(j.q.Text)
			type scored struct {
				i int
				s float32
			}
			all := make([]scored, len(ps))
			best := float32(-1)
			for i, v := range vecs {
				all[i] = scored{i, dot32(q, v)}
				if slices.Contains(j.q.Relevant, ps[i].page) && all[i].s > best {
					best = all[i].s
				}
			}
			row.RelevantCosine += float64(best)
			slices.SortFunc(all, func(a, b scored) int {
				if c := cmp.Compare(b.s, a.s); c != 0 {
					return c
				}
				return cmp.Compare(a.i, b.i)
			})
			hits := map[uuid.UUID]*rankedHit{}
			for _, kh := range j.hits {
				if kh.keyword > 0 {
					hits[kh.id] = &rankedHit{id: kh.id, page: kh.page, keyword: kh.keyword, kwScore: kh.kwScore}
				}
			}
			for r, s := range all[:min(50, len(all))] {
				id := chunkKey(ps[s.i].page, ps[s.i].ordinal)
				if hits[id] == nil {
					hits[id] = &rankedHit{id: id, page: ps[s.i].page}
				}
				hits[id].vector = r + 1
			}
			for _, s := range all { // every candidate's exact cosine, as the service has it
				if h := hits[chunkKey(ps[s.i].page, ps[s.i].ordinal)]; h != nil {
					h.sim, h.hasSim = float64(s.s), true
				}
			}
			list := make([]rankedHit, 0, len(hits))
			for _, hh := range hits {
				list = append(list, *hh)
			}
			out[qi] = judged{q: j.q, hits: list}
		}
		row.RelevantCosine /= float64(max(1, len(js)))
		fused := scoreRefuse(out, knowledge.KeywordWeight, 50, "max")
		row.Vector, row.Hybrid = mean(fused, vectorRank), mean(fused, fusedRank)
		dev := where(fused, func(q query) bool { return q.Split == "dev" })
		test := where(fused, func(q query) bool { return q.Split == "test" })
		row.DevHyb, row.TestHyb, row.TestVec, row.TestKw = mean(dev, fusedRank), mean(test, fusedRank), mean(test, vectorRank), mean(test, keywordRank)
		row.Overlap = overlap(fused)
		row.Fusion, row.BestOnDev = fusionGrid(fused)
		rows = append(rows, row)
	}
	return rows
}

func dot32(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// noise is the mean cosine of fixed pseudo-random pairs of vectors.
func noise(vecs [][]float32) float64 {
	if len(vecs) < 2 {
		return 0
	}
	var sum float64
	n := 2000
	x := uint64(88172645463325252)
	next := func() int { // xorshift: the same pairs in every run
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		return int(x % uint64(len(vecs)))
	}
	for range n {
		a, b := next(), next()
		if a == b {
			b = (b + 1) % len(vecs)
		}
		sum += float64(dot32(vecs[a], vecs[b]))
	}
	return sum / float64(n)
}

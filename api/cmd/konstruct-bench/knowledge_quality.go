package main

import (
	"cmp"
	"math"
	"slices"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/knowledge"
)

// Metrics are page-level retrieval quality figures over a set of queries: a
// chunk counts when it comes from a relevant page.
type Metrics struct {
	// Recall5 is the mean over queries of the share of relevant pages that
	// have a chunk among the first five.
	Recall5 float64 `json:"recall_at_5"`
	// MRR10 is the mean over queries of 1/rank of the first chunk from a
	// relevant page among the first ten (0 when there is none).
	MRR10 float64 `json:"mrr_at_10"`
}

// QualityRow is the three rankings of the same Search calls over a set of
// queries.
type QualityRow struct {
	Queries int     `json:"queries"`
	Keyword Metrics `json:"keyword"`
	Vector  Metrics `json:"vector"`
	Hybrid  Metrics `json:"hybrid"`
	Overlap Overlap `json:"top5_overlap"`
}

// judged is one query's Search answer reduced to what scoring needs.
type judged struct {
	q    query
	hits []rankedHit
}

// rankedHit is a hit's page and its three ranks (0: not ranked by that method).
type rankedHit struct {
	id                     uuid.UUID
	page                   string
	keyword, vector, fused int
	// kwScore is the BM25 score (keyword > 0); sim the cosine with the
	// query when hasSim.
	kwScore, sim float64
	hasSim       bool
}

func reduce(q query, hits []knowledge.Hit, pageOf map[uuid.UUID]string) judged {
	j := judged{q: q}
	for _, h := range hits {
		page := pageOf[h.SourceID]
		j.hits = append(j.hits, rankedHit{id: chunkKey(page, h.Ordinal), page: page, keyword: h.KeywordRank, vector: h.VectorRank, fused: h.FusedRank,
			kwScore: h.KeywordScore, sim: h.Similarity, hasSim: h.HasSimilarity})
	}
	return j
}

// order is the pages of the hits a method ranked, best first.
func order(hits []rankedHit, rank func(rankedHit) int) []string {
	ranked := slices.DeleteFunc(slices.Clone(hits), func(h rankedHit) bool { return rank(h) <= 0 })
	slices.SortFunc(ranked, func(a, b rankedHit) int { return cmp.Compare(rank(a), rank(b)) })
	out := make([]string, len(ranked))
	for i, h := range ranked {
		out[i] = h.page
	}
	return out
}

// score is one query's recall@5 and reciprocal rank within 10.
func score(pages []string, relevant []string) (recall5, rr10 float64) {
	found := 0
	for _, r := range relevant {
		if slices.Contains(pages[:min(5, len(pages))], r) {
			found++
		}
	}
	for i, p := range pages[:min(10, len(pages))] {
		if slices.Contains(relevant, p) {
			rr10 = 1 / float64(i+1)
			break
		}
	}
	return float64(found) / float64(len(relevant)), rr10
}

func mean(js []judged, rank func(rankedHit) int) Metrics {
	var m Metrics
	if len(js) == 0 {
		return m
	}
	for _, j := range js {
		r, rr := score(order(j.hits, rank), j.q.Relevant)
		m.Recall5 += r
		m.MRR10 += rr
	}
	m.Recall5 /= float64(len(js))
	m.MRR10 /= float64(len(js))
	return m
}

func keywordRank(h rankedHit) int { return h.keyword }
func vectorRank(h rankedHit) int  { return h.vector }
func fusedRank(h rankedHit) int   { return h.fused }

func quality(js []judged) QualityRow {
	return QualityRow{Queries: len(js), Keyword: mean(js, keywordRank), Vector: mean(js, vectorRank), Hybrid: mean(js, fusedRank),
		Overlap: overlap(js)}
}

// Overlap counts the queries by which method has a relevant page in its top
// five: fusion can only add what the weaker method finds and the stronger
// one misses (VectorOnly), and it risks what only the stronger one finds
// (KeywordOnly) when the weaker one's noise outranks it.
type Overlap struct {
	Both        int `json:"both"`
	KeywordOnly int `json:"keyword_only"`
	VectorOnly  int `json:"vector_only"`
	Neither     int `json:"neither"`
}

func overlap(js []judged) Overlap {
	var o Overlap
	for _, j := range js {
		k, _ := score(order(j.hits, keywordRank), j.q.Relevant)
		v, _ := score(order(j.hits, vectorRank), j.q.Relevant)
		switch {
		case k > 0 && v > 0:
			o.Both++
		case k > 0:
			o.KeywordOnly++
		case v > 0:
			o.VectorOnly++
		default:
			o.Neither++
		}
	}
	return o
}

func where(js []judged, keep func(query) bool) []judged {
	return slices.DeleteFunc(slices.Clone(js), func(j judged) bool { return !keep(j.q) })
}

// FusionRow is reciprocal-rank fusion (shipped before score fusion,
// knowledge.KeywordWeight, replaced it) recomputed from the same ranks with
// another constant k, each method's list cut to depth, and the keyword
// side's terms weighted by w (1 = plain RRF): what the fused ranking would
// have been, without another Search call.
type FusionRow struct {
	K     float64 `json:"k"`
	Depth int     `json:"depth"`
	W     float64 `json:"keyword_weight"`
	Dev   Metrics `json:"dev"`
	Test  Metrics `json:"test"`
}

// refuse recomputes the fused ranks of js (ties: the better keyword rank,
// then the id, as knowledge.fuse breaks them).
func refuse(js []judged, k float64, depth int, w float64) []judged {
	out := make([]judged, len(js))
	for i, j := range js {
		hits := slices.Clone(j.hits)
		s := func(h rankedHit) float64 {
			var f float64
			if h.keyword > 0 && h.keyword <= depth {
				f += w / (k + float64(h.keyword))
			}
			if h.vector > 0 && h.vector <= depth {
				f += 1 / (k + float64(h.vector))
			}
			return f
		}
		kr := func(h rankedHit) int {
			if h.keyword == 0 || h.keyword > depth {
				return math.MaxInt
			}
			return h.keyword
		}
		slices.SortFunc(hits, func(a, b rankedHit) int {
			if c := cmp.Compare(s(b), s(a)); c != 0 {
				return c
			}
			if c := cmp.Compare(kr(a), kr(b)); c != 0 {
				return c
			}
			return cmp.Compare(a.id.String(), b.id.String())
		})
		for r := range hits {
			hits[r].fused = r + 1
			if s(hits[r]) == 0 {
				hits[r].fused = 0
			}
		}
		out[i] = judged{q: j.q, hits: hits}
	}
	return out
}

// fusionGrid tries RRF constants, candidate depths and keyword weights on
// the dev and the test queries alike; the best on dev is the one to judge on
// test (choosing on test would tune on the test set).
func fusionGrid(js []judged) (rows []FusionRow, bestOnDev FusionRow) {
	dev := where(js, func(q query) bool { return q.Split == "dev" })
	test := where(js, func(q query) bool { return q.Split == "test" })
	for _, k := range []float64{1, 5, 10, 20, 60, 120} {
		for _, depth := range []int{10, 20, 50} {
			for _, w := range []float64{0.5, 0.75, 1, 1.5, 2} {
				r := FusionRow{K: k, Depth: depth, W: w, Dev: mean(refuse(dev, k, depth, w), fusedRank), Test: mean(refuse(test, k, depth, w), fusedRank)}
				rows = append(rows, r)
				if r.Dev.MRR10+r.Dev.Recall5 > bestOnDev.Dev.MRR10+bestOnDev.Dev.Recall5 {
					bestOnDev = r
				}
			}
		}
	}
	return rows, bestOnDev
}

// ScoreFusionRow is score fusion recomputed from the same Search calls: a
// candidate (in either method's top Depth) scores
// Alpha·bm25' + (1 − Alpha)·cos', where bm25' is its BM25 score divided by
// the query's best (0 when BM25 did not rank it) and cos' its cosine with
// the query (0 when unknown); with Norm "minmax" both are first rescaled to
// [0, 1] over the candidates.
type ScoreFusionRow struct {
	Alpha float64 `json:"alpha"`
	Depth int     `json:"depth"`
	Norm  string  `json:"norm"`
	Dev   Metrics `json:"dev"`
	Test  Metrics `json:"test"`
}

func scoreRefuse(js []judged, alpha float64, depth int, norm string) []judged {
	out := make([]judged, len(js))
	for i, j := range js {
		var hits []rankedHit
		for _, h := range j.hits {
			if (h.keyword > 0 && h.keyword <= depth) || (h.vector > 0 && h.vector <= depth) {
				hits = append(hits, h)
			}
		}
		kwLo, kwHi, simLo, simHi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		for _, h := range hits {
			if h.keyword > 0 && h.keyword <= depth {
				kwLo, kwHi = min(kwLo, h.kwScore), max(kwHi, h.kwScore)
			}
			if h.hasSim {
				simLo, simHi = min(simLo, h.sim), max(simHi, h.sim)
			}
		}
		s := func(h rankedHit) float64 {
			var kw, sim float64
			if h.keyword > 0 && h.keyword <= depth && kwHi > 0 {
				kw = h.kwScore / kwHi
				if norm == "minmax" && kwHi > kwLo {
					kw = (h.kwScore - kwLo) / (kwHi - kwLo)
				}
			}
			if h.hasSim {
				sim = h.sim
				if norm == "minmax" && simHi > simLo {
					sim = (h.sim - simLo) / (simHi - simLo)
				}
			}
			return alpha*kw + (1-alpha)*sim
		}
		slices.SortStableFunc(hits, func(a, b rankedHit) int {
			if c := cmp.Compare(s(b), s(a)); c != 0 {
				return c
			}
			return cmp.Compare(a.id.String(), b.id.String())
		})
		for r := range hits {
			hits[r].fused = r + 1
		}
		out[i] = judged{q: j.q, hits: hits}
	}
	return out
}

// scoreFusionGrid is fusionGrid for score fusion: weights, depths and
// normalisations tried on dev and test alike, the best on dev to be judged
// on test.
func scoreFusionGrid(js []judged) (rows []ScoreFusionRow, bestOnDev ScoreFusionRow) {
	dev := where(js, func(q query) bool { return q.Split == "dev" })
	test := where(js, func(q query) bool { return q.Split == "test" })
	for _, norm := range []string{"max", "minmax"} {
		for _, depth := range []int{10, 20, 50} {
			for a := 0.0; a <= 1.0001; a += 0.05 {
				r := ScoreFusionRow{Alpha: math.Round(a*100) / 100, Depth: depth, Norm: norm,
					Dev: mean(scoreRefuse(dev, a, depth, norm), fusedRank), Test: mean(scoreRefuse(test, a, depth, norm), fusedRank)}
				rows = append(rows, r)
				if r.Dev.MRR10+r.Dev.Recall5 > bestOnDev.Dev.MRR10+bestOnDev.Dev.Recall5 {
					bestOnDev = r
				}
			}
		}
	}
	return rows, bestOnDev
}

package memory

import (
	"context"
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"slices"
)

// Semantic is the offline embedder with meaning: a text's vector joins
//
//   - a semantic part: the SIF-weighted mean (weight a/(a+p(w)), p the word's
//     frequency in the training corpus) of distributional word vectors
//     trained offline on public documentation (WordVectors), with the
//     training corpus's common component removed — texts about the same
//     things score close even when they share no word;
//   - a lexical part: the text's words and adjacent word pairs hashed into
//     signed buckets, each weighted by its rarity in the training corpus (an
//     idf fixed at training time, so no tenant's corpus changes anyone's
//     vectors) — exact and phrase evidence, which the word vectors blur.
//
// Each part is normalised and weighted so that a cosine between two texts is
// SemanticWeight² × the parts' semantic cosine + (1 − SemanticWeight²) ×
// their lexical cosine. The same text always gives the same vector.
type Semantic struct {
	opts SemanticOpts
	wv   *WordVectors
}

// SemanticOpts are the semantic embedder's knobs; DefaultSemanticOpts are
// the shipped ones, chosen on the knowledge benchmark's dev queries.
type SemanticOpts struct {
	// WordDims is how many of the word vectors' leading dimensions are used;
	// HashDims the lexical part's buckets. Together: the vector's size.
	WordDims, HashDims int
	// SemanticWeight is the semantic part's share (0–1) of the vector's norm.
	SemanticWeight float64
	// PairWeight weighs adjacent word pairs against single words in the
	// lexical part.
	PairWeight float64
	// A is SIF's smoothing constant.
	A float64
	// KeepCommon leaves the common component in (for measurement).
	KeepCommon bool
	// Dampen counts a word said n times 1+ln n times in the semantic part
	// (as BM25 saturates term frequency) rather than n times.
	Dampen bool
}

// DefaultSemanticOpts are the shipped settings.
var DefaultSemanticOpts = SemanticOpts{WordDims: 128, HashDims: 128, SemanticWeight: 0.8, PairWeight: 0.5, A: 1e-2}

// NewSemantic returns the semantic embedder over the shipped word vectors.
func NewSemantic(o SemanticOpts) (*Semantic, error) {
	wv, err := ShippedWordVectors()
	if err != nil {
		return nil, err
	}
	return NewSemanticWith(wv, o)
}

// NewSemanticWith returns the semantic embedder over wv.
func NewSemanticWith(wv *WordVectors, o SemanticOpts) (*Semantic, error) {
	if o.WordDims < 0 || o.WordDims > wv.Dims || o.HashDims < 0 || o.WordDims+o.HashDims == 0 {
		return nil, fmt.Errorf("semantic embedder: %d word dims of %d, %d hash dims", o.WordDims, wv.Dims, o.HashDims)
	}
	return &Semantic{opts: o, wv: wv}, nil
}

// ID names the embedder: its version and size, and the settings when they
// are not the shipped ones (vectors made otherwise are never compared).
func (s *Semantic) ID() string {
	if s.opts == DefaultSemanticOpts {
		return fmt.Sprintf("offline-sem-v1/%d", s.Dims())
	}
	return fmt.Sprintf("offline-sem-v1-%+v/%d", s.opts, s.Dims())
}

// Dims is the vectors' size.
func (s *Semantic) Dims() int { return s.opts.WordDims + s.opts.HashDims }

// Embed embeds each text.
func (s *Semantic) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = s.Vector(t)
	}
	return out, nil
}

// Vector embeds one text.
func (s *Semantic) Vector(text string) []float32 {
	o := s.opts
	terms := Terms(text)
	v := make([]float64, o.WordDims+o.HashDims)
	sem, lex := v[:o.WordDims], v[o.WordDims:]
	word := make([]float32, s.wv.Dims)
	// rarity: the lexical weight of a word, its idf in the training corpus;
	// a word never seen there counts as rarer than any seen.
	rarity := func(row int) float64 {
		if row < 0 {
			return -math.Log(float64(s.wv.minProb()) / 2)
		}
		return -math.Log(float64(s.wv.Prob[row]))
	}
	type feature struct{ tf, rarity float64 }
	features := map[string]*feature{}
	add := func(f string, tf, rarity float64) {
		if features[f] == nil {
			features[f] = &feature{rarity: rarity}
		}
		features[f].tf += tf
	}
	tf := map[int]float64{}
	prevRow, prev := -1, ""
	for _, t := range terms {
		row := s.wv.Index(t)
		if row >= 0 {
			tf[row]++
		}
		if o.HashDims > 0 {
			r := rarity(row)
			add("w:"+t, 1, r)
			if prev != "" && o.PairWeight > 0 {
				add("b:"+prev+" "+t, o.PairWeight, (r+rarity(prevRow))/2)
			}
		}
		prevRow, prev = row, t
	}
	// Summed in a fixed order so the same text gives the same bits.
	for _, row := range slices.Sorted(maps.Keys(tf)) {
		if o.WordDims == 0 {
			break
		}
		s.wv.Vector(row, word)
		w := o.A / (o.A + float64(s.wv.Prob[row]))
		if o.Dampen {
			w *= 1 + math.Log(tf[row])
		} else {
			w *= tf[row]
		}
		for d := range sem {
			sem[d] += w * float64(word[d])
		}
	}
	// Term frequency dampened as the keyword side's is: a word said twice
	// is not twice the evidence.
	for _, f := range slices.Sorted(maps.Keys(features)) {
		addHashed(lex, f, (1+math.Log(features[f].tf))*features[f].rarity)
	}
	if !o.KeepCommon && o.WordDims > 0 {
		var dot float64
		for d := range sem {
			dot += sem[d] * float64(s.wv.Common[d])
		}
		for d := range sem {
			sem[d] -= dot * float64(s.wv.Common[d])
		}
	}
	scale(sem, o.SemanticWeight)
	scale(lex, math.Sqrt(max(0, 1-o.SemanticWeight*o.SemanticWeight)))
	return normalize(v)
}

// addHashed adds weight to feature's signed bucket.
func addHashed(v []float64, feature string, weight float64) {
	h := fnv.New64a()
	h.Write([]byte(feature))
	sum := h.Sum64()
	if sum&(1<<63) != 0 {
		weight = -weight
	}
	v[sum%uint64(len(v))] += weight
}

// scale sets v's norm to n (a zero vector stays zero).
func scale(v []float64, n float64) {
	var sq float64
	for _, x := range v {
		sq += x * x
	}
	if sq == 0 {
		return
	}
	f := n / math.Sqrt(sq)
	for i := range v {
		v[i] *= f
	}
}

// minProb is the smallest word probability (cached).
func (wv *WordVectors) minProb() float32 {
	wv.minOnce.Do(func() {
		wv.min = 1
		for _, p := range wv.Prob {
			wv.min = min(wv.min, p)
		}
	})
	return wv.min
}

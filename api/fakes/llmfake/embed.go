package llmfake

import (
	"hash/fnv"
	"math"
	"strings"
	"unicode"
)

// Embed is the fake's embedding: a bag of lower-cased word stems hashed into
// dims buckets, L2-normalised. Texts sharing words are near each other, like a
// real model's embeddings are for paraphrases, which is enough to test the
// retrieval path end to end without a model.
func Embed(text string, dims int) []float64 {
	v := make([]float64, dims)
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }) {
		if len(w) < 3 {
			continue
		}
		if len(w) > 5 {
			w = w[:5]
		}
		h := fnv.New32a()
		h.Write([]byte(w))
		v[int(h.Sum32())%dims]++
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	if norm > 0 {
		norm = math.Sqrt(norm)
		for i := range v {
			v[i] /= norm
		}
	}
	return v
}

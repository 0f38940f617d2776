package main

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/memory"
)

// twoTopics is a corpus where two sets of words never meet: passages draw
// their words from one topic only.
func twoTopics() [][]string {
	topics := [][]string{
		{"cat", "dog", "pet", "fur", "tail", "paw", "bark", "purr", "leash", "kitten", "puppy", "vet"},
		{"disk", "file", "byte", "write", "read", "sector", "block", "inode", "mount", "flush", "cache", "buffer"},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var out [][]string
	for i := range 400 {
		t := topics[i%2]
		p := make([]string, 12)
		for k := range p {
			p[k] = t[rng.IntN(len(t))]
		}
		out = append(out, p)
	}
	return out
}

// The same corpus trains the same bytes, and words of one topic end up
// closer to each other than to the other topic's.
func TestTrainDeterministicAndTopical(t *testing.T) {
	t.Parallel()
	o := opts{vocab: 100, minCount: 1, dims: 8, window: 3, power: 2}
	a := train(twoTopics(), o, &Report{})
	b := train(twoTopics(), o, &Report{})
	var ba, bb bytes.Buffer
	require.NoError(t, a.Write(&ba))
	require.NoError(t, b.Write(&bb))
	require.Equal(t, ba.Bytes(), bb.Bytes())

	wv, err := memory.ReadWordVectors(ba.Bytes())
	require.NoError(t, err)
	require.Len(t, wv.Words, 24)
	vec := func(w string) []float32 {
		v := make([]float32, wv.Dims)
		wv.Vector(wv.Index(w), v)
		return v
	}
	for _, c := range [][3]string{{"cat", "dog", "disk"}, {"file", "inode", "purr"}, {"leash", "vet", "cache"}} {
		require.Greater(t, cosine(vec(c[0]), vec(c[1])), cosine(vec(c[0]), vec(c[2]))+0.3, "%v", c)
	}
}

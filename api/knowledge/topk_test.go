package knowledge

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// topK keeps what sorting everything and cutting would: the k best by
// score, ties by id.
func TestTopKMatchesSortingEverything(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range []int{0, 1, 5, 50, 500} {
		all := make([]vectorHit, 300)
		for i := range all {
			// Few distinct scores, so ties are common.
			all[i] = vectorHit{ID: uuid.New(), Score: float64(rng.IntN(20)) / 4}
		}
		top := topK{k: k}
		for _, h := range all {
			top.offer(h)
		}
		want := slices.Clone(all)
		sortVector(want)
		want = want[:min(k, len(want))]
		got := top.best()
		if k == 0 {
			require.Empty(t, got)
			continue
		}
		require.Equal(t, want, got, "k=%d", k)
	}
}

// dotInt8 (a table, eight sums) is the dot product with the bytes read as
// int8, for every byte value and lengths that are not multiples of eight.
func TestDotInt8(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 7, 8, 9, 256, 259} {
		q, v := make([]float32, n), make([]byte, n)
		var want float64
		for i := range q {
			q[i], v[i] = rng.Float32()-0.5, byte(rng.IntN(256))
			want += float64(q[i]) * float64(int8(v[i]))
		}
		require.InDelta(t, want, float64(dotInt8(q, v)), 1e-3, "n=%d", n)
	}
}

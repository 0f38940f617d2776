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

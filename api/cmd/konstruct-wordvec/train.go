package main

import (
	"cmp"
	"maps"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode"

	"gonum.org/v1/gonum/mat"

	"github.com/konstruct/konstruct/api/memory"
)

// sifA is SIF's smoothing constant: a word's weight is a/(a+p(w)).
const sifA = 1e-3

// csr is a sparse symmetric matrix, rows sorted by column (so sums run in
// the same order every time and the output is reproducible).
type csr struct {
	n    int
	ptr  []int
	col  []int32
	vals []float64
}

// mul returns m·x for x n×k (row-major), rows split between the CPUs.
func (m *csr) mul(x []float64, k int) []float64 {
	out := make([]float64, m.n*k)
	var wg sync.WaitGroup
	workers := max(1, min(4, runtimeCPUs()))
	for w := range workers {
		wg.Go(func() {
			for i := w; i < m.n; i += workers {
				o := out[i*k : (i+1)*k]
				for p := m.ptr[i]; p < m.ptr[i+1]; p++ {
					v, xr := m.vals[p], x[int(m.col[p])*k:int(m.col[p]+1)*k]
					for j := range o {
						o[j] += v * xr[j]
					}
				}
			}
		})
	}
	wg.Wait()
	return out
}

func train(passages [][]string, o opts, rep *Report) *memory.WordVectors {
	// Vocabulary: the most frequent terms made of letters only (numbers and
	// identifiers such as "ex25" or "0x10" carry no meaning a neighbour would
	// share), ties broken by the term.
	counts := map[string]int64{}
	var total int64
	for _, p := range passages {
		for _, t := range p {
			counts[t]++
			total++
		}
	}
	rep.Tokens = total
	var words []string
	for w, c := range counts {
		if c >= int64(o.minCount) && len(w) > 1 && len(w) <= 40 && !strings.ContainsFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }) {
			words = append(words, w)
		}
	}
	slices.SortFunc(words, func(a, b string) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	words = words[:min(len(words), o.vocab)]
	slices.Sort(words)
	id := make(map[string]int32, len(words))
	for i, w := range words {
		id[w] = int32(i)
	}
	n := len(words)
	rep.Vocabulary = n

	// Co-occurrences within the window, weighted 1/distance, both ways.
	rows := make([]map[int32]float64, n)
	for i := range rows {
		rows[i] = map[int32]float64{}
	}
	ids := make([]int32, 0, 256)
	for _, p := range passages {
		ids = ids[:0]
		for _, t := range p {
			if i, ok := id[t]; ok {
				ids = append(ids, i)
			}
		}
		for a, wa := range ids {
			for d := 1; d <= o.window && a+d < len(ids); d++ {
				wb := ids[a+d]
				rows[wa][wb] += 1 / float64(d)
				rows[wb][wa] += 1 / float64(d)
			}
		}
	}

	// PPMI with context-distribution smoothing. Every sum runs in column
	// order, never in a map's (random) order, so the file is the same bits
	// on every run.
	sorted := make([][]int32, n)
	rowSum := make([]float64, n)
	var all, smoothAll float64
	for i, r := range rows {
		sorted[i] = slices.Sorted(maps.Keys(r))
		for _, c := range sorted[i] {
			rowSum[i] += r[c]
		}
		all += rowSum[i]
		smoothAll += math.Pow(rowSum[i], 0.75)
	}
	m := &csr{n: n, ptr: make([]int, n+1)}
	for i, r := range rows {
		for _, c := range sorted[i] {
			pmi := math.Log(r[c] / all / (rowSum[i] / all * math.Pow(rowSum[c], 0.75) / smoothAll))
			if pmi > 0 {
				m.col = append(m.col, c)
				m.vals = append(m.vals, pmi)
			}
		}
		m.ptr[i+1] = len(m.col)
		rows[i] = nil
	}
	rep.NonZero = len(m.vals)

	// Randomized eigendecomposition of the symmetric PPMI matrix: the
	// largest |λ| give its best rank-dims approximation (its SVD).
	l := o.dims + 24
	rng := rand.New(rand.NewPCG(16, 5))
	y := make([]float64, n*l)
	for i := range y {
		y[i] = rng.NormFloat64()
	}
	q := orth(m.mul(y, l), n, l)
	for range o.power {
		q = orth(m.mul(q, l), n, l)
	}
	mq := m.mul(q, l)
	t := mat.NewSymDense(l, nil)
	for a := range l {
		for b := a; b < l; b++ {
			var s float64
			for i := range n {
				s += q[i*l+a] * mq[i*l+b]
			}
			t.SetSym(a, b, s)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(t, true) {
		panic("eigendecomposition failed")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	order := make([]int, l)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(math.Abs(vals[b]), math.Abs(vals[a])) })
	order = order[:o.dims]
	// U = Q·E for the kept eigenvectors. An eigenvector's sign is arbitrary
	// (a rounding difference can flip it), so each dimension's is fixed:
	// the sum of its column over the vocabulary is positive.
	u := make([]float64, n*o.dims)
	for i := range n {
		for d, e := range order {
			var s float64
			for a := range l {
				s += q[i*l+a] * vecs.At(a, e)
			}
			u[i*o.dims+d] = s
		}
	}
	for d, e := range order {
		var sum float64
		for i := range n {
			sum += u[i*o.dims+d]
		}
		f := math.Sqrt(math.Abs(vals[e]))
		if sum < 0 {
			f = -f
		}
		for i := range n {
			u[i*o.dims+d] *= f
		}
	}
	out := make([]float32, n*o.dims)
	for i := range n {
		row := u[i*o.dims : (i+1)*o.dims]
		var norm float64
		for _, x := range row {
			norm += x * x
		}
		norm = math.Sqrt(norm)
		for d, x := range row {
			if norm > 0 {
				out[i*o.dims+d] = float32(x / norm)
			}
		}
	}

	wv := &memory.WordVectors{Dims: o.dims, Words: words, Prob: make([]float32, n)}
	for i, w := range words {
		wv.Prob[i] = float32(float64(counts[w]) / float64(total))
	}
	wv.Common = commonComponent(passages, id, wv.Prob, out, o.dims)
	wv.Quantize(out)
	return wv
}

// orth returns an orthonormal basis of the columns of y (n×k, row-major):
// Gram–Schmidt applied twice (stable enough for k in the hundreds), which
// keeps Q thin where a library QR would build n×n.
func orth(y []float64, n, k int) []float64 {
	cols := make([][]float64, k)
	for j := range k {
		c := make([]float64, n)
		for i := range n {
			c[i] = y[i*k+j]
		}
		cols[j] = c
	}
	for j, c := range cols {
		for range 2 {
			for _, prev := range cols[:j] {
				var s float64
				for i := range c {
					s += c[i] * prev[i]
				}
				for i := range c {
					c[i] -= s * prev[i]
				}
			}
		}
		var norm float64
		for _, x := range c {
			norm += x * x
		}
		norm = math.Sqrt(norm)
		for i := range c {
			if norm > 0 {
				c[i] /= norm
			}
		}
	}
	out := make([]float64, n*k)
	for j, c := range cols {
		for i := range n {
			out[i*k+j] = c[i]
		}
	}
	return out
}

func runtimeCPUs() int { return runtime.NumCPU() }

// commonComponent is the first principal direction (uncentred, as in SIF)
// of the SIF-weighted mean vectors of the training passages: what every
// text shares, removed from each text's vector by the embedder.
func commonComponent(passages [][]string, id map[string]int32, prob []float32, vecs []float32, dims int) []float32 {
	var pv [][]float64
	for _, p := range passages {
		v := make([]float64, dims)
		var k int
		for _, t := range p {
			i, ok := id[t]
			if !ok {
				continue
			}
			wt := sifA / (sifA + float64(prob[i]))
			for d := range dims {
				v[d] += wt * float64(vecs[int(i)*dims+d])
			}
			k++
		}
		if k > 0 {
			for d := range v {
				v[d] /= float64(k)
			}
			pv = append(pv, v)
		}
	}
	u := make([]float64, dims)
	for d := range u {
		u[d] = 1
	}
	for range 100 { // power iteration on Σ v vᵀ
		next := make([]float64, dims)
		for _, v := range pv {
			var s float64
			for d := range v {
				s += v[d] * u[d]
			}
			for d := range v {
				next[d] += s * v[d]
			}
		}
		var norm float64
		for _, x := range next {
			norm += x * x
		}
		norm = math.Sqrt(norm)
		for d := range u {
			u[d] = next[d] / norm
		}
	}
	out := make([]float32, dims)
	for d := range u {
		out[d] = float32(u[d])
	}
	return out
}

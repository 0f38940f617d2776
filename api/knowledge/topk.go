package knowledge

import (
	"bytes"
	"container/heap"
)

// topK keeps the k best vector hits seen so far (best: higher score, then
// lower id, as sortVector orders them) in a min-heap whose root is the worst
// kept: ranking the 15k entries of the probed IVF lists at 100k chunks keeps
// 50 of them instead of sorting them all.
type topK struct {
	k    int
	hits []vectorHit
}

// better reports whether a ranks before b.
func better(a, b vectorHit) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return bytes.Compare(a.ID[:], b.ID[:]) < 0
}

func (t *topK) Len() int           { return len(t.hits) }
func (t *topK) Less(i, j int) bool { return better(t.hits[j], t.hits[i]) }
func (t *topK) Swap(i, j int)      { t.hits[i], t.hits[j] = t.hits[j], t.hits[i] }
func (t *topK) Push(x any)         { t.hits = append(t.hits, x.(vectorHit)) }
func (t *topK) Pop() any {
	h := t.hits[len(t.hits)-1]
	t.hits = t.hits[:len(t.hits)-1]
	return h
}

// offer keeps h when it is among the k best so far.
func (t *topK) offer(h vectorHit) {
	switch {
	case t.k <= 0:
	case len(t.hits) < t.k:
		heap.Push(t, h)
	case better(h, t.hits[0]):
		t.hits[0] = h
		heap.Fix(t, 0)
	}
}

// best is the kept hits, best first.
func (t *topK) best() []vectorHit {
	sortVector(t.hits)
	return t.hits
}

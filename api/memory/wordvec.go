package memory

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
)

// WordVectors are distributional word vectors: one int8-quantised vector per
// stemmed word (the same terms Terms gives), each word's frequency in the
// corpus they were trained on, and the common component of text vectors on
// that corpus (removed by the semantic embedder, as in SIF). They are
// trained offline by `go tool task gen:wordvectors` (api/cmd/konstruct-wordvec)
// on public documentation that is not the knowledge benchmark's manual, and
// shipped in wordvectors.bin; nothing at run time depends on a tenant's data.
type WordVectors struct {
	Dims   int
	Words  []string
	Prob   []float32 // each word's share of the training corpus's tokens
	Scale  []float32 // each word's int8 → float factor
	Data   []int8    // len(Words) × Dims
	Common []float32 // unit vector (Dims); zero if none
	index  map[string]int32

	minOnce sync.Once
	min     float32
}

const wordVecMagic = "KWV1"

// Index returns a word's row, or -1.
func (wv *WordVectors) Index(word string) int {
	if i, ok := wv.index[word]; ok {
		return int(i)
	}
	return -1
}

// Vector returns a word's vector dequantised into dst (len Dims).
func (wv *WordVectors) Vector(row int, dst []float32) {
	s := wv.Scale[row]
	for i, q := range wv.Data[row*wv.Dims : (row+1)*wv.Dims] {
		dst[i] = float32(q) * s
	}
}

// Write encodes wv: the magic, dims and word count (uint32, little endian),
// the common component (float32 × dims), then per word its length (uint8),
// bytes, probability and scale (float32) and its dims int8 values.
func (wv *WordVectors) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	le := binary.LittleEndian
	if _, err := bw.WriteString(wordVecMagic); err != nil {
		return err
	}
	common := wv.Common
	if common == nil {
		common = make([]float32, wv.Dims)
	}
	for _, v := range []any{uint32(wv.Dims), uint32(len(wv.Words)), common} {
		if err := binary.Write(bw, le, v); err != nil {
			return err
		}
	}
	for i, word := range wv.Words {
		if len(word) == 0 || len(word) > 255 {
			return fmt.Errorf("word %q: length must be 1–255 bytes", word)
		}
		bw.WriteByte(byte(len(word)))
		bw.WriteString(word)
		binary.Write(bw, le, wv.Prob[i])
		binary.Write(bw, le, wv.Scale[i])
		if err := binary.Write(bw, le, wv.Data[i*wv.Dims:(i+1)*wv.Dims]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ReadWordVectors decodes what Write encoded.
func ReadWordVectors(b []byte) (*WordVectors, error) {
	if !bytes.HasPrefix(b, []byte(wordVecMagic)) {
		return nil, errors.New("word vectors: bad magic")
	}
	r := bytes.NewReader(b[len(wordVecMagic):])
	le := binary.LittleEndian
	var dims, n uint32
	if err := binary.Read(r, le, &dims); err != nil {
		return nil, fmt.Errorf("word vectors: %w", err)
	}
	if err := binary.Read(r, le, &n); err != nil {
		return nil, fmt.Errorf("word vectors: %w", err)
	}
	if dims == 0 || dims > 4096 || n > 1<<22 {
		return nil, fmt.Errorf("word vectors: implausible header (%d dims, %d words)", dims, n)
	}
	wv := &WordVectors{Dims: int(dims), Words: make([]string, n), Prob: make([]float32, n), Scale: make([]float32, n),
		Data: make([]int8, int(n)*int(dims)), Common: make([]float32, dims), index: make(map[string]int32, n)}
	if err := binary.Read(r, le, wv.Common); err != nil {
		return nil, fmt.Errorf("word vectors: %w", err)
	}
	for i := range wv.Words {
		l, err := r.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("word vectors: word %d: %w", i, err)
		}
		word := make([]byte, l)
		if _, err := io.ReadFull(r, word); err != nil {
			return nil, fmt.Errorf("word vectors: word %d: %w", i, err)
		}
		wv.Words[i] = string(word)
		if err := binary.Read(r, le, &wv.Prob[i]); err != nil {
			return nil, fmt.Errorf("word vectors: word %d: %w", i, err)
		}
		if err := binary.Read(r, le, &wv.Scale[i]); err != nil {
			return nil, fmt.Errorf("word vectors: word %d: %w", i, err)
		}
		if err := binary.Read(r, le, wv.Data[i*wv.Dims:(i+1)*wv.Dims]); err != nil {
			return nil, fmt.Errorf("word vectors: word %d: %w", i, err)
		}
		wv.index[wv.Words[i]] = int32(i)
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("word vectors: %d trailing bytes", r.Len())
	}
	return wv, nil
}

// Quantize fills Scale and Data from float vectors (row-major, Dims each).
func (wv *WordVectors) Quantize(vecs []float32) {
	n := len(wv.Words)
	wv.Scale = make([]float32, n)
	wv.Data = make([]int8, n*wv.Dims)
	for i := range n {
		row := vecs[i*wv.Dims : (i+1)*wv.Dims]
		var m float32
		for _, x := range row {
			m = max(m, float32(math.Abs(float64(x))))
		}
		if m == 0 {
			continue
		}
		wv.Scale[i] = m / 127
		for j, x := range row {
			wv.Data[i*wv.Dims+j] = int8(math.Round(float64(x / wv.Scale[i])))
		}
	}
}

//go:embed wordvectors.bin
var wordVectorsFile []byte

var shippedWordVectors = sync.OnceValues(func() (*WordVectors, error) { return ReadWordVectors(wordVectorsFile) })

// ShippedWordVectors returns the word vectors built into the binary
// (wordvectors.bin), decoded once.
func ShippedWordVectors() (*WordVectors, error) { return shippedWordVectors() }

// Terms is the text's words as the offline embedders see them: lower-cased
// runs of letters and digits, stop words dropped, stemmed with Stem.
// Knowledge's keyword index splits and stems words the same way but keeps
// its own stop list (documents keep the greetings memory drops), so a word
// vector's word is an index term.
func Terms(text string) []string {
	ws := words(text)
	out := ws[:0]
	for _, w := range ws {
		if stopWords[w] {
			continue
		}
		out = append(out, Stem(w))
	}
	return out
}

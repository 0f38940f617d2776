package memory

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// Embedder turns texts into unit vectors.
type Embedder interface {
	// ID names the embedder and its dimensions; vectors of different ids are
	// never compared.
	ID() string
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// OfflineDims is the offline embedder's dimension count.
const OfflineDims = 256

// Offline is the built-in feature-hashing embedder (see the package doc).
type Offline struct{}

// ID names the embedder.
func (Offline) ID() string { return fmt.Sprintf("offline-hash-v1/%d", OfflineDims) }

// Embed embeds each text.
func (o Offline) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = o.vector(t)
	}
	return out, nil
}

func (Offline) vector(text string) []float32 {
	weights := map[string]float64{}
	var prev string
	for _, w := range words(text) {
		if stopWords[w] {
			prev = ""
			continue
		}
		s := Stem(w)
		weights["w:"+s] += 1
		if prev != "" {
			weights["b:"+prev+" "+s] += 0.5
		}
		prev = s
		padded := "^" + s + "$"
		r := []rune(padded)
		for i := 0; i+3 <= len(r); i++ {
			weights["t:"+string(r[i:i+3])] += 0.25
		}
	}
	v := make([]float64, OfflineDims)
	for feature, tf := range weights {
		h := fnv.New64a()
		h.Write([]byte(feature))
		sum := h.Sum64()
		sign := 1.0
		if sum&(1<<63) != 0 {
			sign = -1
		}
		v[sum%OfflineDims] += sign * (1 + math.Log(tf+1))
	}
	return normalize(v)
}

func normalize(v []float64) []float32 {
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

func words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
}

// Stem strips common English inflections so "orders", "ordered" and
// "ordering" meet; other languages pass through unchanged. Knowledge's
// keyword index uses it too, so memories and documents match words alike.
func Stem(w string) string {
	for _, suf := range []string{"ational", "ization", "fulness", "ousness", "iveness", "ations", "ation", "ement", "ments",
		"ment", "ness", "ings", "ing", "ies", "ied", "ers", "ed", "er", "ly", "es", "s"} {
		if len(w) > len(suf)+2 && strings.HasSuffix(w, suf) {
			w = strings.TrimSuffix(w, suf)
			if suf == "ies" || suf == "ied" {
				w += "y"
			}
			break
		}
	}
	return w
}

// IsStopWord reports whether the offline embedder leaves w (lower-cased)
// out: words too common to tell messages apart.
func IsStopWord(w string) bool { return stopWords[w] }

var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an and are as at be been but by can could did do does for from had has have he her
		hers him his how i i'm if in into is it its just me my of on or our ours please she so than that the their
		them then there these they this to too us was we were what when where which who why will with would you your
		yours about am any hi hello hey thanks thank okay ok yes no not`) {
		m[w] = true
	}
	return m
}()

// OpenAICompatible embeds with an /embeddings endpoint.
type OpenAICompatible struct {
	client     openai.Client
	model      string
	dimensions int
}

// NewOpenAICompatible returns an embedder for baseURL (OpenAI, Ollama, vLLM,
// TEI…). dimensions 0 leaves the model's own.
func NewOpenAICompatible(baseURL, apiKey, model string, dimensions int, timeout time.Duration) *OpenAICompatible {
	opts := []option.RequestOption{option.WithAPIKey(apiKey), option.WithBaseURL(baseURL), option.WithHTTPClient(&http.Client{Timeout: timeout}),
		option.WithMaxRetries(2), option.WithRequestTimeout(timeout)}
	return &OpenAICompatible{client: openai.NewClient(opts...), model: model, dimensions: dimensions}
}

// ID names the embedder.
func (o *OpenAICompatible) ID() string { return fmt.Sprintf("openai/%s/%d", o.model, o.dimensions) }

// Embed embeds texts in one request.
func (o *OpenAICompatible) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	params := openai.EmbeddingNewParams{Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: texts}, Model: o.model}
	if o.dimensions > 0 {
		params.Dimensions = openai.Int(int64(o.dimensions))
	}
	resp, err := o.client.Embeddings.New(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("embeddings: %w", err)
	}
	out := make([][]float32, len(texts))
	for _, d := range resp.Data {
		if int(d.Index) >= len(out) {
			return nil, fmt.Errorf("embeddings: index %d out of range", d.Index)
		}
		out[d.Index] = normalize(d.Embedding)
	}
	for i, v := range out {
		if v == nil {
			return nil, fmt.Errorf("embeddings: no vector for input %d", i)
		}
	}
	return out, nil
}

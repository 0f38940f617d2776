package knowledge

import (
	"slices"
	"strings"
	"unicode"

	"github.com/konstruct/konstruct/api/memory"
)

// analyze turns text into the terms the keyword index holds: lower-cased
// letters-and-digits words, stop words dropped, light English stemming (so
// "refunds" and "refunded" meet). The same function reads chunks and queries.
func analyze(text string) []string {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
	out := make([]string, 0, len(words))
	for _, w := range words {
		if stopWords[w] || len(w) > 64 {
			continue
		}
		out = append(out, memory.Stem(w))
	}
	return out
}

// termFreqs is the distinct terms of text with their frequencies (parallel,
// sorted by term) and its length in terms: a chunk's BM25 statistics.
func termFreqs(text string) (terms []string, freqs []int32, length int) {
	all := analyze(text)
	counts := map[string]int32{}
	for _, t := range all {
		counts[t]++
	}
	terms = make([]string, 0, len(counts))
	for t := range counts {
		terms = append(terms, t)
	}
	slices.Sort(terms)
	freqs = make([]int32, len(terms))
	for i, t := range terms {
		freqs[i] = counts[t]
	}
	return terms, freqs, len(all)
}

// queryTerms is the distinct terms of a query, in order of first use.
func queryTerms(q string) []string {
	var out []string
	for _, t := range analyze(q) {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an and are as at be been but by can could did do does for from had has have he her
		hers him his how i if in into is it its me my of on or our ours she so than that the their them then there these
		they this to too us was we were what when where which who why will with would you your yours about am any not no`) {
		m[w] = true
	}
	return m
}()

// countTokens estimates model tokens (about four characters each), which is
// what prompt budgets are counted in.
func countTokens(s string) int { return (len([]rune(s)) + 3) / 4 }

func sortStrings(s []string) { slices.Sort(s) }

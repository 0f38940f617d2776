package extract

import "unicode"

// CountTokens estimates how many tokens a BPE tokenizer (cl100k-like) makes
// of s, without a vocabulary: a run of letters or digits costs one token per
// six characters started, a CJK character one token, any other visible
// character one. On English prose it lands within about 15 % of cl100k; it is
// used for budgets (chunk size, prompt budget), never for billing.
func CountTokens(s string) int {
	n, run := 0, 0
	end := func() {
		if run > 0 {
			n += (run + 5) / 6
			run = 0
		}
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r):
			end()
			n++
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			run++
		case unicode.IsSpace(r):
			end()
		default:
			end()
			n++
		}
	}
	end()
	return n
}

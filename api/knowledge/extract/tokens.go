package extract

import (
	"unicode"
	"unicode/utf8"
)

// CountTokens estimates how many tokens a BPE tokenizer (cl100k-like) makes
// of s, without a vocabulary: a run of letters or digits costs one token per
// six characters started, a CJK character one token, a run of one repeated
// punctuation character ("---", "...") one per four, any other visible
// character one. It is an estimate (not checked here against a real
// vocabulary), used for budgets — chunk size, prompt budget — never for billing.
func CountTokens(s string) int {
	n, run, punct := 0, 0, 0
	var last rune
	end := func() {
		if run > 0 {
			n += (run + 5) / 6
			run = 0
		}
		if punct > 0 {
			n += (punct + 3) / 4
			punct = 0
		}
	}
	for _, r := range s {
		if punct > 0 && r != last {
			n += (punct + 3) / 4
			punct = 0
		}
		if r < utf8.RuneSelf { // ASCII: no table look-ups
			switch {
			case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
				if punct > 0 {
					n += (punct + 3) / 4
					punct = 0
				}
				run++
				last = 0
			case r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f' || r == '\v':
				end()
				last = 0
			default:
				if run > 0 {
					n += (run + 5) / 6
					run = 0
				}
				punct++
				last = r
			}
			continue
		}
		switch {
		case unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r):
			end()
			n++
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			run++
			last = 0
		case unicode.IsSpace(r):
			end()
			last = 0
		default:
			if run > 0 {
				n += (run + 5) / 6
				run = 0
			}
			punct++
			last = r
		}
	}
	end()
	return n
}

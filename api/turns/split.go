package turns

import (
	"strings"
	"unicode"
)

// Split cuts text into parts of at most max characters, preferring paragraph
// breaks, then line breaks, then sentence ends, then spaces, so a long reply
// reads naturally as several messages.
func Split(text string, max int) []string {
	text = strings.TrimSpace(text)
	var parts []string
	for {
		r := []rune(text)
		if len(r) <= max {
			if text != "" {
				parts = append(parts, text)
			}
			return parts
		}
		cut := cutPoint(r, max)
		parts = append(parts, strings.TrimSpace(string(r[:cut])))
		text = strings.TrimSpace(string(r[cut:]))
	}
}

// cutPoint finds where to end a part of at most max runes; a boundary in
// the first half is too early to be worth keeping.
func cutPoint(r []rune, max int) int {
	window := string(r[:max])
	for _, sep := range []string{"\n\n", "\n"} {
		if i := strings.LastIndex(window, sep); i > 0 && runeIndex(window, i) >= max/2 {
			return runeIndex(window, i) + len([]rune(sep))
		}
	}
	for i := max - 1; i >= max/2; i-- {
		if (r[i] == '.' || r[i] == '!' || r[i] == '?' || r[i] == '…') && i+1 < len(r) && unicode.IsSpace(r[i+1]) {
			return i + 1
		}
	}
	for i := max - 1; i >= max/2; i-- {
		if unicode.IsSpace(r[i]) {
			return i
		}
	}
	return max
}

func runeIndex(s string, byteIndex int) int { return len([]rune(s[:byteIndex])) }

// Truncate keeps a reply within the agent's limit, at a sentence or word
// boundary when there is one.
func Truncate(text string, max int) string {
	r := []rune(strings.TrimSpace(text))
	if len(r) <= max {
		return string(r)
	}
	return strings.TrimSpace(string(r[:cutPoint(r, max)]))
}

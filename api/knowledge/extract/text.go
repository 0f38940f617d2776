package extract

import (
	"bytes"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

func hasUTF16BOM(b []byte) bool {
	return bytes.HasPrefix(b, []byte{0xFF, 0xFE}) || bytes.HasPrefix(b, []byte{0xFE, 0xFF})
}

// decodeText turns text bytes into a UTF-8 string: a UTF-8 BOM is dropped,
// UTF-16 with a BOM is decoded, and anything that is not valid UTF-8 is read
// as Windows-1252 (what old "plain text" exports mostly are).
func decodeText(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		b = b[3:]
	case hasUTF16BOM(b):
		big := b[0] == 0xFE
		b = b[2:]
		u := make([]uint16, 0, len(b)/2)
		for i := 0; i+1 < len(b); i += 2 {
			if big {
				u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
			} else {
				u = append(u, uint16(b[i+1])<<8|uint16(b[i]))
			}
		}
		return string(utf16.Decode(u))
	}
	if utf8.Valid(b) {
		return string(b)
	}
	var s strings.Builder
	s.Grow(len(b) + len(b)/8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			s.WriteRune(cp1252(b[0]))
			b = b[1:]
			continue
		}
		s.WriteRune(r)
		b = b[n:]
	}
	return s.String()
}

// cp1252 maps one Windows-1252 byte to its rune.
func cp1252(c byte) rune {
	if c < 0x80 || c >= 0xA0 {
		return rune(c)
	}
	if r := cp1252High[c-0x80]; r != 0 {
		return r
	}
	return utf8.RuneError
}

var cp1252High = [32]rune{
	'€', 0, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0, 'Ž', 0,
	0, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0, 'ž', 'Ÿ',
}

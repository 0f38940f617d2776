package store

import (
	"bytes"

	"github.com/uptrace/bun/dialect/pgdialect"
)

// pgDialect is bun's PostgreSQL dialect with JSON literals written right.
//
// bun 1.3.0's AppendJSON reads an escaped backslash followed by "u0000" (the
// six characters \u0000, which anyone may type) as JSON's NUL escape and
// writes \\\u0000; PostgreSQL then refuses the whole statement ("unsupported
// Unicode escape sequence"). An agent named `Ada \u0000` could not be audited,
// and such an image caption failed its WhatsApp delivery on every retry.
// Here an escape is always its backslash and the byte after it, together.
type pgDialect struct{ *pgdialect.Dialect }

var nulEscape = []byte("u0000")

// AppendJSON writes jsonb as a standard-conforming SQL string literal.
func (pgDialect) AppendJSON(b, jsonb []byte) []byte {
	b = append(b, '\'')
	for i := 0; i < len(jsonb); i++ {
		switch c := jsonb[i]; c {
		case '\'':
			b = append(b, "''"...)
		case 0:
			// Not valid JSON; dropped, as bun does.
		case '\\':
			if bytes.HasPrefix(jsonb[i+1:], nulEscape) {
				// JSON's NUL, which jsonb cannot hold: kept as the text
				// \u0000, as bun does.
				b = append(b, `\\u0000`...)
				i += len(nulEscape)
				continue
			}
			b = append(b, '\\')
			if i+1 < len(jsonb) {
				i++
				if jsonb[i] != 0 { // an escaped byte is never a quote in valid JSON
					b = append(b, jsonb[i])
				}
			}
		default:
			b = append(b, c)
		}
	}
	return append(b, '\'')
}

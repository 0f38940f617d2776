package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/dbtest"
)

// JSON written through bun must reach jsonb unchanged, whatever the text:
// backslashes before "u0000", quotes, escapes, NUL.
func TestJSONLiteralsRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	for name, tc := range map[string]struct{ in, want string }{
		"typed backslash-u0000": {`Ada \u0000`, `Ada \u0000`},
		"two of them":           {`\u0000\u0000`, `\u0000\u0000`},
		"escaped backslashes":   {`C:\\new\table`, `C:\\new\table`},
		"quotes":                {`it's "fine"`, `it's "fine"`},
		"backslash then quote":  {`\'; DROP TABLE x; --`, `\'; DROP TABLE x; --`},
		"trailing backslash":    {`end\`, `end\`},
		"unicode":               {"héllo 👋 עברית", "héllo 👋 עברית"},
		"control characters":    {"tab\tnew\nline", "tab\tnew\nline"},
		"NUL becomes its text":  {"a\x00b", `a\u0000b`},
	} {
		var got string
		err := d.Store.DB.NewRaw("SELECT ?::jsonb ->> 'v'", map[string]any{"v": tc.in}).Scan(ctx, &got)
		require.NoError(t, err, name)
		require.Equal(t, tc.want, got, name)
	}
}

package turns

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSplit(t *testing.T) {
	t.Parallel()
	para := strings.Repeat("word ", 30) // 150 chars
	text := para + "\n\n" + para + "\n\n" + para
	parts := Split(text, 320)
	require.Len(t, parts, 2)
	require.Equal(t, strings.TrimSpace(para+"\n\n"+para), parts[0], "cut at the paragraph break")

	sentences := strings.Repeat("This is a sentence. ", 10)
	parts = Split(sentences, 50)
	for _, p := range parts {
		require.LessOrEqual(t, len([]rune(p)), 50)
		require.True(t, strings.HasSuffix(p, "."), "part %q ends mid-sentence", p)
	}
	require.Equal(t, strings.TrimSpace(sentences), strings.Join(parts, " "))

	// No boundary at all: hard cut, nothing lost, multi-byte safe.
	long := strings.Repeat("é", 25)
	parts = Split(long, 10)
	require.Equal(t, []string{strings.Repeat("é", 10), strings.Repeat("é", 10), strings.Repeat("é", 5)}, parts)

	require.Equal(t, []string{"short"}, Split("  short  ", 4096))
	require.Empty(t, Split("   ", 10))
	require.Equal(t, "Hello there.", Truncate("Hello there. General Kenobi!", 20))
}

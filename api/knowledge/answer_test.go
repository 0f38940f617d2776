package knowledge

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/knowledge/extract"
)

func TestCitePerChannel(t *testing.T) {
	t.Parallel()
	chunks := []Chunk{
		{Title: "Returns guide", HeadingPath: []string{"Refunds"}, URL: "https://help.example.com/returns#refunds"},
		{Title: "Price list", Text: "…"},
		{Title: "Returns guide", HeadingPath: []string{"Refunds"}, URL: "https://help.example.com/returns#refunds"},
	}
	answer := "Refunds take 5 days [1]. Shipping is free [2]."
	tests := []struct {
		channel string
		want    string
	}{
		{"slack", "Refunds take 5 days <https://help.example.com/returns#refunds|[1]>. Shipping is free [2]." +
			"\n\n*Sources:* <https://help.example.com/returns#refunds|Returns guide › Refunds> · Price list"},
		{"whatsapp", answer + "\n\nSources:\n[1] Returns guide › Refunds — https://help.example.com/returns#refunds\n[2] Price list"},
		{"", answer + "\n\nSources:\n[1] [Returns guide › Refunds](https://help.example.com/returns#refunds)\n[2] Price list"},
	}
	for _, tt := range tests {
		t.Run("Channel"+tt.channel, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, Cite(tt.channel, answer, chunks))
		})
	}
	t.Run("OnlyWhatIsCitedOnce", func(t *testing.T) {
		t.Parallel()
		got := Cite("whatsapp", "See [1] and [3], not [9].", chunks)
		require.Equal(t, 1, strings.Count(got, "help.example.com"), "the same passage cited twice is listed once: %s", got)
		require.NotContains(t, got, "Price list")
		require.Equal(t, "No markers here.", Cite("slack", "No markers here.", chunks))
	})
	t.Run("SlackTitlesEscaped", func(t *testing.T) {
		t.Parallel()
		got := Cite("slack", "[1]", []Chunk{{Title: "A <b>|c", URL: "https://x.example/"}})
		require.Contains(t, got, "<https://x.example/|A &lt;b&gt;¦c>")
	})
}

func TestIsQuestion(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]bool{
		"How long do refunds take":       true,
		"refund policy for shoes?":       true,
		"hi":                             false,
		"thanks!":                        false,
		"hello?":                         false,
		"I bought shoes yesterday":       false,
		"Can I pay with a gift voucher?": true,
	} {
		require.Equal(t, want, IsQuestion(text), text)
	}
}

// The library's documents arrive as passages with their heading paths and
// anchors, and its bad-input errors as refusals with the status they take.
func TestLibraryExtractor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lib := Library{Limits: extract.Limits{MaxBytes: 1 << 20}}
	t.Run("MarkdownHeadingPaths", func(t *testing.T) {
		t.Parallel()
		md := "# Returns\n\nWithin 30 days.\n\n## Refunds\n\nTo your card.\n\n# Shipping\n\nFree over 50."
		ex, err := lib.Extract(ctx, "guide.md", "text/markdown", []byte(md))
		require.NoError(t, err)
		var paths []string
		for _, p := range ex.Passages {
			paths = append(paths, strings.Join(p.HeadingPath, " › "))
		}
		require.Equal(t, []string{"Returns", "Returns › Refunds", "Shipping"}, paths)
		require.Equal(t, "To your card.", ex.Passages[1].Text)
		require.NotEmpty(t, ex.Passages[1].Anchor)
	})
	t.Run("CSVQuestionsAndAnswers", func(t *testing.T) {
		t.Parallel()
		ex, err := lib.Extract(ctx, "faq.csv", "text/csv", []byte("question,answer\nDo you ship abroad?,\"Yes, to the EU.\"\n"))
		require.NoError(t, err)
		require.Len(t, ex.Passages, 1)
		require.Contains(t, ex.Passages[0].HeadingPath, "Do you ship abroad?")
		require.Contains(t, ex.Passages[0].Text, "Yes, to the EU.")
	})
	t.Run("Refusals", func(t *testing.T) {
		t.Parallel()
		for _, c := range []struct {
			name string
			body []byte
			kind RefusalKind
		}{
			{"a.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), Unsupported},
			{"a.pdf", []byte("%PDF-1.7\nthis is not a PDF body at all"), Invalid},
			{"blank.txt", []byte("  \n\n "), Invalid},
			{"big.txt", []byte(strings.Repeat("word ", 300_000)), TooLarge},
		} {
			var err error
			if err = lib.Detect(c.name, "", c.body); err == nil {
				_, err = lib.Extract(ctx, c.name, "", c.body)
			}
			var r *Refusal
			require.ErrorAs(t, err, &r, c.name)
			require.Equal(t, c.kind, r.Kind, "%s: %s", c.name, r.Message)
			require.NotEmpty(t, r.Message)
		}
	})
	t.Run("NotTheFilesFault", func(t *testing.T) {
		t.Parallel()
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		_, err := lib.Extract(cancelled, "a.md", "text/markdown", []byte("# A\n\nb"))
		var r *Refusal
		require.Error(t, err)
		require.False(t, errors.As(err, &r), "a cancelled job retries; the source does not fail")
	})
}

func TestRobots(t *testing.T) {
	t.Parallel()
	rules := parseRobots(strings.NewReader("User-agent: Googlebot\nDisallow: /g\n\nUser-agent: *\nDisallow: /private\nDisallow: /tmp/ # scratch\n"))
	require.Equal(t, []string{"/private", "/tmp/"}, rules)
	require.True(t, blocked(rules, "/private/page"))
	require.False(t, blocked(rules, "/public"))
	ours := parseRobots(strings.NewReader("User-agent: *\nDisallow: /\n\nUser-agent: KonstructBot\nDisallow: /admin\n"))
	require.Equal(t, []string{"/admin"}, ours)
}

package knowledge

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
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

func TestBuiltinExtractor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("MarkdownHeadingPaths", func(t *testing.T) {
		t.Parallel()
		md := "Intro line.\n\n# Returns\n\nWithin 30 days.\n\n## Refunds\n\nTo your card.\n\n```\n# not a heading\n```\n\n# Shipping\n\nFree over 50."
		ex, err := Builtin{}.Extract(ctx, "guide.md", "text/markdown", []byte(md))
		require.NoError(t, err)
		require.Equal(t, "guide", ex.Title)
		var paths []string
		for _, p := range ex.Passages {
			paths = append(paths, strings.Join(p.HeadingPath, " › ")+"#"+p.Anchor)
		}
		require.Equal(t, []string{"#", "Returns#returns", "Returns › Refunds#refunds", "Shipping#shipping"}, paths)
		require.Contains(t, ex.Passages[2].Text, "# not a heading", "a # inside code is not a heading")
	})
	t.Run("HTMLWithoutScripts", func(t *testing.T) {
		t.Parallel()
		page := `<html><head><title>Help</title><script>alert("x")</script><style>p{}</style></head><body><nav>Menu</nav>
			<h1 id="top">Help centre</h1><p>Welcome.</p><h2 id="hours">Hours</h2><p>Open <b>nine</b> to five.</p>
			<table><tr><td>Mon</td><td>9-5</td></tr></table></body></html>`
		ex, err := Builtin{}.Extract(ctx, "index.html", "text/html; charset=utf-8", []byte(page))
		require.NoError(t, err)
		require.Equal(t, "Help", ex.Title)
		all := ""
		for _, p := range ex.Passages {
			all += p.Text + "\n"
		}
		require.NotContains(t, all, "alert")
		require.NotContains(t, all, "Menu")
		last := ex.Passages[len(ex.Passages)-1]
		require.Equal(t, []string{"Help centre", "Hours"}, last.HeadingPath)
		require.Equal(t, "hours", last.Anchor)
		require.Contains(t, last.Text, "Open nine to five.")
		require.Contains(t, last.Text, "| Mon | 9-5")
	})
	t.Run("CSVQuestionsAndAnswers", func(t *testing.T) {
		t.Parallel()
		ex, err := Builtin{}.Extract(ctx, "faq.csv", "text/csv", []byte("question,answer\nDo you ship abroad?,\"Yes, to the EU.\"\n"))
		require.NoError(t, err)
		require.Len(t, ex.Passages, 1)
		require.Equal(t, []string{"Do you ship abroad?"}, ex.Passages[0].HeadingPath)
		require.Equal(t, "Yes, to the EU.", ex.Passages[0].Text)
		_, err = Builtin{}.Extract(ctx, "bad.csv", "text/csv", []byte("only one column\n"))
		var r *Refusal
		require.ErrorAs(t, err, &r)
		require.Equal(t, Invalid, r.Kind)
	})
	t.Run("Refusals", func(t *testing.T) {
		t.Parallel()
		for name, body := range map[string][]byte{"a.png": []byte("\x89PNG\r\n\x1a\n\x00"), "a.pdf": []byte("%PDF-1.7"), "a.docx": []byte("PK\x03\x04")} {
			err := Builtin{}.Detect(name, "", body)
			var r *Refusal
			require.ErrorAs(t, err, &r, name)
			require.Equal(t, Unsupported, r.Kind, name)
		}
		_, err := Builtin{}.Extract(ctx, "blank.txt", "text/plain", []byte("  \n\n "))
		require.Error(t, err)
	})
	t.Run("LongParagraphsAreCut", func(t *testing.T) {
		t.Parallel()
		ex, err := Builtin{}.Extract(ctx, "long.txt", "", []byte(strings.Repeat("word ", 2000)))
		require.NoError(t, err)
		require.Greater(t, len(ex.Passages), 1)
		for _, p := range ex.Passages {
			require.LessOrEqual(t, countTokens(p.Text), maxPassageTokens)
		}
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

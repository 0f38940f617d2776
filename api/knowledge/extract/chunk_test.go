package extract

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestChunksFollowSections(t *testing.T) {
	t.Parallel()
	doc := Document{Title: "Acme Help", Sections: []Section{
		{Blocks: []Block{{Kind: BlockParagraph, Text: "Welcome."}}},
		{HeadingPath: []string{"Billing"}, Level: 1, Anchor: "billing", Page: 2, Blocks: []Block{
			{Kind: BlockParagraph, Text: "We bill monthly.", Page: 2},
			{Kind: BlockList, Text: "- Visa\n- Mastercard", Page: 3},
		}},
		{HeadingPath: []string{"Billing", "Refunds"}, Level: 2, Anchor: "refunds", Page: 3, Blocks: []Block{
			{Kind: BlockParagraph, Text: "Within 30 days.", Page: 3},
		}},
		{HeadingPath: []string{"Billing", "Invoices"}, Level: 2, Anchor: "invoices"},
	}}
	chunks := Chunks(doc, ChunkOpts{})
	type view struct {
		Prefix, Text, Anchor string
		Path                 []string
		Page, LastPage       int
	}
	var got []view
	for i, c := range chunks {
		require.Equal(t, i, c.Index)
		require.Equal(t, CountTokens(c.EmbedText()), c.Tokens)
		got = append(got, view{c.ContextPrefix, c.Text, c.Anchor, c.HeadingPath, c.Page, c.LastPage})
	}
	require.Equal(t, []view{
		{Prefix: "Acme Help", Text: "Welcome."},
		{Prefix: "Acme Help › Billing", Text: "We bill monthly.\n\n- Visa\n- Mastercard", Anchor: "billing", Path: []string{"Billing"}, Page: 2, LastPage: 3},
		{Prefix: "Acme Help › Billing › Refunds", Text: "Within 30 days.", Anchor: "refunds", Path: []string{"Billing", "Refunds"}, Page: 3, LastPage: 3},
		{Prefix: "Acme Help › Billing › Invoices", Text: "Invoices", Anchor: "invoices", Path: []string{"Billing", "Invoices"}},
	}, got)
	require.Equal(t, "Acme Help › Billing › Refunds\n\nWithin 30 days.", chunks[2].EmbedText())
}

func TestChunksSplitLongSectionsWithOverlap(t *testing.T) {
	t.Parallel()
	var sentences []string
	for i := 1; i <= 60; i++ {
		sentences = append(sentences, fmt.Sprintf("Sentence number %d tells the reader one more fact.", i))
	}
	doc := Document{Title: "Manual", Sections: []Section{
		{HeadingPath: []string{"Setup"}, Blocks: []Block{{Kind: BlockParagraph, Text: strings.Join(sentences, " ")}}},
		{HeadingPath: []string{"Other"}, Blocks: []Block{{Kind: BlockParagraph, Text: "Short."}}},
	}}
	opts := ChunkOpts{MaxTokens: 80, OverlapTokens: 12}
	chunks := Chunks(doc, opts)
	require.Greater(t, len(chunks), 4)

	setup := chunks[:len(chunks)-1]
	for i, c := range setup {
		require.LessOrEqual(t, c.Tokens, opts.MaxTokens, "chunk %d: %q", i, c.EmbedText())
		require.Equal(t, "Manual › Setup", c.ContextPrefix)
		if i == 0 {
			require.True(t, strings.HasPrefix(c.Text, "Sentence number 1 "))
			continue
		}
		// Each later chunk starts with the end of the one before, then "…".
		tail, rest, ok := strings.Cut(c.Text, " …\n\n")
		require.True(t, ok, "chunk %d has no overlap: %q", i, c.Text)
		require.True(t, strings.HasSuffix(setup[i-1].Text, tail), "chunk %d overlap %q is not the end of %q", i, tail, setup[i-1].Text)
		require.LessOrEqual(t, CountTokens(tail), opts.OverlapTokens)
		require.Greater(t, CountTokens(tail), 0)
		require.True(t, strings.HasPrefix(rest, "Sentence number "), "chunk %d is cut inside a sentence: %q", i, rest)
	}
	// Without the overlaps, the chunks are the section's text in order.
	var own []string
	for i, c := range setup {
		text := c.Text
		if i > 0 {
			_, text, _ = strings.Cut(text, " …\n\n")
		}
		own = append(own, text)
	}
	require.Equal(t, strings.Join(sentences, " "), strings.Join(own, " "))
	// The next section never carries the previous section's overlap.
	require.Equal(t, "Short.", chunks[len(chunks)-1].Text)
}

func TestChunksSplitTablesListsAndWords(t *testing.T) {
	t.Parallel()
	rows := [][]string{{"Country", "Days"}}
	var items []string
	for i := 1; i <= 40; i++ {
		rows = append(rows, []string{fmt.Sprintf("Country%d", i), fmt.Sprint(i)})
		items = append(items, fmt.Sprintf("item %d of the list", i))
	}
	doc := Document{Sections: []Section{
		{HeadingPath: []string{"Delivery"}, Blocks: []Block{tableBlock(rows, 0)}},
		{HeadingPath: []string{"Steps"}, Blocks: []Block{listBlock(items, true, 0)}},
		{HeadingPath: []string{"Blob"}, Blocks: []Block{{Kind: BlockParagraph, Text: strings.Repeat("A", 2000)}}},
	}}
	chunks := Chunks(doc, ChunkOpts{MaxTokens: 60, OverlapTokens: -1})
	var table, list, blob []Chunk
	for _, c := range chunks {
		require.LessOrEqual(t, c.Tokens, 60, c.EmbedText())
		require.NotContains(t, c.Text, "…", "overlap is off")
		switch c.HeadingPath[0] {
		case "Delivery":
			table = append(table, c)
		case "Steps":
			list = append(list, c)
		case "Blob":
			blob = append(blob, c)
		}
	}
	require.Greater(t, len(table), 1)
	for _, c := range table {
		require.True(t, strings.HasPrefix(c.Text, "| Country | Days |\n| --- | --- |\n| Country"), "every piece of a table keeps its header: %q", c.Text)
	}
	require.Greater(t, len(list), 1)
	for _, c := range list {
		for _, line := range strings.Split(c.Text, "\n") {
			require.Regexp(t, `^\d+\. item \d+ of the list$`, line, "lists split between items")
		}
	}
	require.Greater(t, len(blob), 1)
	var joined strings.Builder
	for _, c := range blob {
		joined.WriteString(c.Text)
	}
	require.Equal(t, strings.Repeat("A", 2000), joined.String())
}

func TestCountTokens(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]int{
		"":                         0,
		"refund":                   1,
		"refunds policy":           3,
		"Hello, world!":            4,
		"2026-12-06":               5,
		"東京タワー":                    5,
		"internationalization":     4,
		"   spaces\t\nonly   ":     2,
		"| a | b |\n| --- | --- |": 10,
		"Wait...":                  2,
		"a--b":                     3,
	} {
		require.Equal(t, want, CountTokens(s), "%q", s)
	}
}

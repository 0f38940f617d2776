package extract

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"codeberg.org/readeck/go-readability/v2"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// testdata/help-article.html is a help-centre article as a CMS renders it
// (31 KB: head scripts and styles, a header with navigation and search, a
// sidebar of related links, the article with 25 headings, lists, tables and
// code, a footer), generated for these tests.
func helpArticle(tb testing.TB) []byte {
	tb.Helper()
	page, err := os.ReadFile("testdata/help-article.html")
	require.NoError(tb, err)
	return page
}

func TestHelpArticleKeepsOnlyTheArticle(t *testing.T) {
	t.Parallel()
	doc, err := Extract(context.Background(), "billing.html", "text/html", helpArticle(t), Limits{})
	require.NoError(t, err)
	require.Equal(t, "Billing and payments — Acme Help Centre", doc.Title)
	require.Len(t, doc.Sections, 1+8+16)
	require.Equal(t, []string{"Billing and payments"}, doc.Sections[0].HeadingPath)
	require.Equal(t, "billing", doc.Sections[0].Anchor)
	require.Equal(t, "topic-0-1", doc.Sections[3].Anchor)
	require.Len(t, doc.Sections[3].HeadingPath, 3)
	text := doc.Text()
	for _, chrome := range []string{"dataLayer", "Related article number", "All rights reserved", "Sign in", "Search"} {
		require.NotContains(t, text, chrome)
	}
	require.Contains(t, text, "| Plan | Seats | Price per month |")
	require.Contains(t, text, "curl -H")
}

// BenchmarkHTMLPage measures extraction + chunking of one realistic page
// (pages/s), beside the two floors it is built on in the same run: parsing
// the HTML alone and go-readability alone.
func BenchmarkHTMLPage(b *testing.B) {
	page := helpArticle(b)
	run := func(b *testing.B, f func()) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			f()
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
	}
	b.Run("ParseOnly", func(b *testing.B) {
		run(b, func() {
			if _, err := html.Parse(bytes.NewReader(page)); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("ReadabilityOnly", func(b *testing.B) {
		run(b, func() {
			if _, err := readability.FromReader(bytes.NewReader(page), nil); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("Extract", func(b *testing.B) {
		run(b, func() {
			if _, err := Extract(context.Background(), "p.html", "text/html", page, Limits{}); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("ExtractAndChunk", func(b *testing.B) {
		run(b, func() {
			doc, err := Extract(context.Background(), "p.html", "text/html", page, Limits{})
			if err != nil {
				b.Fatal(err)
			}
			if len(Chunks(doc, ChunkOpts{})) == 0 {
				b.Fatal("no chunks")
			}
		})
	})
}

// BenchmarkPDFPages measures a 20-page text PDF through the WebAssembly
// PDFium (the pool already warm), in pages/s.
func BenchmarkPDFPages(b *testing.B) {
	var pages [][]pdfLine
	for p := 0; p < 20; p++ {
		lines := []pdfLine{{18, "Chapter heading"}}
		for l := 0; l < 40; l++ {
			lines = append(lines, pdfLine{10, strings.Repeat("words on a line ", 5)})
		}
		pages = append(pages, lines)
	}
	pdf := makePDF(pages, nil, "")
	if _, err := Extract(context.Background(), "w.pdf", "", pdf, Limits{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		doc, err := Extract(context.Background(), "w.pdf", "", pdf, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		Chunks(doc, ChunkOpts{})
	}
	b.ReportMetric(float64(b.N*len(pages))/b.Elapsed().Seconds(), "pages/s")
}

// BenchmarkChunks measures chunking alone, on the help article's document.
func BenchmarkChunks(b *testing.B) {
	doc, err := Extract(context.Background(), "p.html", "text/html", helpArticle(b), Limits{})
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		Chunks(doc, ChunkOpts{})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}

package extract

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// The fuzzers feed arbitrary bytes to one extractor each. Properties: no
// panic, no hang (a deadline per file), a failure is an *Error with a reason
// (or the context's error), and a success chunks into sane chunks.

var fuzzLimits = Limits{MaxBytes: 1 << 20, MaxPages: 20, MaxDecompressedBytes: 4 << 20, MaxTextBytes: 1 << 20, Timeout: 20 * time.Second}

func fuzzExtract(t *testing.T, f Format, body []byte) {
	doc, err := extractAs(context.Background(), f, "fuzz", body, fuzzLimits.withDefaults())
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%s: error of type %T: %v", f, err, err)
		}
		for _, reason := range []error{ErrUnsupportedType, ErrTooLarge, ErrTooManyPages, ErrEncrypted, ErrCorrupt, ErrZipBomb, ErrEmpty} {
			if errors.Is(err, reason) {
				return
			}
		}
		t.Fatalf("%s: error without a reason: %v", f, err)
	}
	if doc.Empty() {
		t.Fatalf("%s: success with an empty document", f)
	}
	opts := ChunkOpts{MaxTokens: 64, OverlapTokens: 12}
	for i, c := range Chunks(doc, opts) {
		if c.Index != i || strings.TrimSpace(c.Text) == "" || c.Tokens != CountTokens(c.EmbedText()) {
			t.Fatalf("%s: bad chunk %d: %+v", f, i, c)
		}
	}
	for _, s := range doc.Sections {
		hasTable := false
		for _, b := range s.Blocks {
			hasTable = hasTable || b.Kind == BlockTable
		}
		if hasTable {
			continue // a table's pieces repeat its header on top of the budget
		}
		for _, c := range Chunks(Document{Title: doc.Title, Sections: []Section{s}}, opts) {
			if n := CountTokens(c.Text); n > opts.MaxTokens {
				t.Fatalf("%s: chunk of %d tokens over a budget of %d: %q", f, n, opts.MaxTokens, c.Text)
			}
		}
	}
}

func FuzzExtractHTML(f *testing.F) {
	for _, seed := range []string{
		`<html><head><title>T</title><script>x()</script></head><body><h1 id=a>A</h1><p>text</p><ul><li>1<li>2<ul><li>3</ul></ul><table><tr><th>h<td>d</table></body></html>`,
		`<h2><a name=x></a>Deep</h2><pre>code</pre><blockquote>q</blockquote><img alt=pic>`,
		`<table><tr><td><table><tr><td>nested</table></table>`, `<<<>>>`, `<p>` + strings.Repeat("<div>", 500),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) { fuzzExtract(t, FormatHTML, body) })
}

func FuzzExtractMarkdown(f *testing.F) {
	for _, seed := range []string{
		"# T\n\ntext\n\n## S\n\n- a\n  - b\n1. c\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n```\n\n> q\n\n<div>h</div>",
		"Setext\n======\n\n***\n\n[link](http://x) ![img](y) <b>raw</b>", "#", "|a|\n|-|\n", strings.Repeat("> ", 200) + "x",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) { fuzzExtract(t, FormatMarkdown, body) })
}

func FuzzExtractDOCX(f *testing.F) {
	f.Add(makeDOCX("Title", []docxPart{
		{Style: "Heading1", Text: "H"}, {Text: "para"}, {List: true, Text: "item"}, {Rows: [][]string{{"a", "b"}, {"1", "2"}}},
	}))
	f.Add(zipFiles(map[string]string{"word/document.xml": "<w:document><w:body><w:p><w:r><w:t>x</w:t></w:r></w:p>"}))
	f.Add(zipFiles(map[string]string{"word/document.xml": strings.Repeat("<w:tbl>", 100), "word/styles.xml": "<bad"}))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, body []byte) { fuzzExtract(t, FormatDOCX, body) })
}

func FuzzExtractPDF(f *testing.F) {
	f.Add(makePDF([][]pdfLine{{{20, "Head"}, {12, "• item"}, {12, "text"}}, {{12, "1. step"}}}, nil, ""))
	f.Add(encryptedPDF())
	f.Add([]byte("%PDF-1.4\n1 0 obj << >> endobj trailer << /Root 1 0 R >>"))
	f.Add([]byte("%PDF-"))
	f.Fuzz(func(t *testing.T, body []byte) { fuzzExtract(t, FormatPDF, body) })
}

func FuzzExtractCSV(f *testing.F) {
	for _, seed := range []string{
		"question,answer\nq1,a1\n\"q,2\",\"a\"\"2\"\n", "Q;A\n1;2\n", "a\tb\nc\td\n", "x\n", "\"unterminated,\n", ",,,\n,,,\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) { fuzzExtract(t, FormatCSV, body) })
}

func FuzzExtractText(f *testing.F) {
	for _, seed := range []string{"a\n\nb\n- c\n- d\n1. e", "\xff\xfe\x00", "\xef\xbb\xbf", strings.Repeat("w", 3000)} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) { fuzzExtract(t, FormatText, body) })
}

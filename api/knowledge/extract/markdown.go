package extract

import (
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

var markdown = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithParserOptions(parser.WithAutoHeadingID()),
)

// extractMarkdown walks goldmark's AST: headings (their generated id is the
// anchor, as GitHub-style renderers make it), paragraphs, lists, GFM tables,
// code blocks and quotes. Raw HTML is reduced to its text.
func extractMarkdown(body []byte, name string, lim Limits) (Document, error) {
	src := []byte(decodeText(body))
	root := markdown.Parser().Parse(text.NewReader(src))
	b := newBuilder(lim.MaxTextBytes)
	for n := root.FirstChild(); n != nil; n = n.NextSibling() {
		mdBlock(b, n, src)
	}
	doc := Document{Format: FormatMarkdown}
	var err error
	if doc.Sections, err = b.done(); err != nil {
		return Document{}, err
	}
	doc.Title = firstHeading(doc)
	if doc.Title == "" {
		doc.Title = titleFromName(name)
	}
	return doc, nil
}

func mdBlock(b *builder, n ast.Node, src []byte) {
	switch n := n.(type) {
	case *ast.Heading:
		anchor := ""
		if id, ok := n.AttributeString("id"); ok {
			if v, ok := id.([]byte); ok {
				anchor = string(v)
			}
		}
		b.heading(n.Level, mdInline(n, src), anchor, 0)
	case *ast.Paragraph, *ast.TextBlock:
		b.paragraph(mdInline(n, src), 0)
	case *ast.List:
		var items []string
		mdListItems(n, src, &items)
		b.add(listBlock(items, n.IsOrdered(), 0))
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		var s strings.Builder
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			s.Write(seg.Value(src))
		}
		b.add(Block{Kind: BlockCode, Text: strings.TrimRight(s.String(), "\n")})
	case *ast.Blockquote:
		var parts []string
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			parts = append(parts, mdText(c, src))
		}
		b.add(Block{Kind: BlockQuote, Text: cleanSpace(strings.Join(parts, " "))})
	case *extast.Table:
		var rows [][]string
		for r := n.FirstChild(); r != nil; r = r.NextSibling() {
			var cells []string
			for c := r.FirstChild(); c != nil; c = c.NextSibling() {
				cells = append(cells, mdInline(c, src))
			}
			rows = append(rows, cells)
		}
		b.add(tableBlock(rows, 0))
	case *ast.HTMLBlock:
		var s strings.Builder
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			s.Write(seg.Value(src))
		}
		b.paragraph(htmlText(s.String()), 0)
	case *ast.ThematicBreak:
	default:
		b.paragraph(mdText(n, src), 0)
	}
}

func mdListItems(list ast.Node, src []byte, items *[]string) {
	for it := list.FirstChild(); it != nil; it = it.NextSibling() {
		var own []string
		var nested []ast.Node
		for c := it.FirstChild(); c != nil; c = c.NextSibling() {
			if _, ok := c.(*ast.List); ok {
				nested = append(nested, c)
				continue
			}
			own = append(own, mdText(c, src))
		}
		*items = append(*items, cleanSpace(strings.Join(own, " ")))
		for _, l := range nested {
			mdListItems(l, src, items)
		}
	}
}

// mdText is the text of any node and its descendants.
func mdText(n ast.Node, src []byte) string {
	if n.Type() == ast.TypeBlock && n.FirstChild() == nil && n.Lines().Len() > 0 {
		var s strings.Builder
		for i := 0; i < n.Lines().Len(); i++ {
			seg := n.Lines().At(i)
			s.Write(seg.Value(src))
		}
		return s.String()
	}
	return mdInline(n, src)
}

func mdInline(n ast.Node, src []byte) string {
	var s strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			s.Write(c.Value(src))
			if c.SoftLineBreak() || c.HardLineBreak() {
				s.WriteString(" ")
			}
		case *ast.String:
			s.Write(c.Value)
		case *ast.AutoLink:
			s.Write(c.URL(src))
			return ast.WalkSkipChildren, nil
		case *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		default:
			if c != n && c.Type() == ast.TypeBlock {
				s.WriteString(" " + mdText(c, src) + " ")
				return ast.WalkSkipChildren, nil
			}
		}
		return ast.WalkContinue, nil
	})
	return cleanSpace(s.String())
}

// htmlText is the visible text of an HTML fragment.
func htmlText(fragment string) string {
	nodes, err := html.ParseFragment(strings.NewReader(fragment), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return ""
	}
	var parts []string
	for _, n := range nodes {
		parts = append(parts, textOf(n))
	}
	return cleanSpace(strings.Join(parts, " "))
}

func titleFromName(name string) string {
	base := name
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	if i := strings.LastIndex(base, "."); i > 0 {
		base = base[:i]
	}
	return cleanSpace(strings.NewReplacer("_", " ", "-", " ").Replace(base))
}

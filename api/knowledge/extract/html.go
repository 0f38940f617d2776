package extract

import (
	"bytes"
	"strings"

	"codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// extractHTML keeps the page's main content (go-readability drops
// navigation, footers, ads), then walks it: h1–h6 become the heading path
// (their id, or an id just around them, the anchor), p/div text paragraphs,
// ul/ol lists, table rows, pre code, blockquote quotes. script, style and
// other non-content elements never reach the text. A page too small for
// readability to judge is read whole.
func extractHTML(body []byte, name string, lim Limits) (Document, error) {
	root, err := html.Parse(bytes.NewReader([]byte(decodeText(body))))
	if err != nil {
		return Document{}, refuse(ErrCorrupt, err, "the HTML could not be parsed")
	}
	title := cleanSpace(textOf(findFirst(root, atom.Title)))
	content := findFirst(root, atom.Body)
	whole := true
	if readability.CheckDocument(root) {
		if art, err := readability.FromDocument(cloneTree(root), nil); err == nil && art.Node != nil {
			if t := cleanSpace(art.Title()); t != "" {
				title = t
			}
			if len(strings.TrimSpace(textOf(art.Node))) > 0 {
				content, whole = art.Node, false
			}
		}
	}
	if content == nil {
		content = root
	}
	b := newBuilder(lim.MaxTextBytes)
	// Read whole, a page's header, footer and asides are site chrome.
	w := &htmlWalker{b: b, chrome: whole}
	// Readability drops the page's h1 when it repeats the title; put it back
	// as the top of the heading path so the article's sections hang under it.
	if h1 := findFirst(root, atom.H1); !whole && h1 != nil && findFirst(content, atom.H1) == nil {
		b.heading(1, textOf(h1), headingAnchor(h1), 0)
	}
	w.walk(content)
	w.flush()
	doc := Document{Title: title, Format: FormatHTML}
	if doc.Sections, err = b.done(); err != nil {
		return Document{}, err
	}
	if doc.Title == "" {
		doc.Title = firstHeading(doc)
	}
	return doc, nil
}

func cloneTree(n *html.Node) *html.Node {
	c := &html.Node{Type: n.Type, DataAtom: n.DataAtom, Data: n.Data, Namespace: n.Namespace, Attr: append([]html.Attribute(nil), n.Attr...)}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		c.AppendChild(cloneTree(ch))
	}
	return c
}

type htmlWalker struct {
	b      *builder
	chrome bool // skip header, footer and aside
	inline strings.Builder
}

var skipped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Iframe: true,
	atom.Svg: true, atom.Math: true, atom.Object: true, atom.Embed: true, atom.Canvas: true,
	atom.Form: true, atom.Button: true, atom.Select: true, atom.Input: true, atom.Textarea: true,
	atom.Head: true, atom.Nav: true,
}

func (w *htmlWalker) flush() {
	if t := cleanSpace(w.inline.String()); t != "" {
		w.b.paragraph(t, 0)
	}
	w.inline.Reset()
}

func (w *htmlWalker) walk(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		w.inline.WriteString(n.Data)
		return
	case html.ElementNode:
	case html.DocumentNode:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			w.walk(c)
		}
		return
	default:
		return
	}
	if skipped[n.DataAtom] || attr(n, "hidden") != "" || attr(n, "aria-hidden") == "true" {
		return
	}
	if w.chrome && (n.DataAtom == atom.Header || n.DataAtom == atom.Footer || n.DataAtom == atom.Aside) {
		return
	}
	switch n.DataAtom {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		w.flush()
		w.b.heading(int(n.Data[1]-'0'), headingText(n), headingAnchor(n), 0)
		return
	case atom.Ul, atom.Ol:
		w.flush()
		var items []string
		listItems(n, &items)
		w.b.add(listBlock(items, n.DataAtom == atom.Ol, 0))
		return
	case atom.Table:
		w.flush()
		var rows [][]string
		tableRows(n, &rows)
		w.b.add(tableBlock(rows, 0))
		return
	case atom.Pre:
		w.flush()
		w.b.add(Block{Kind: BlockCode, Text: strings.Trim(textOf(n), "\n")})
		return
	case atom.Blockquote:
		w.flush()
		w.b.add(Block{Kind: BlockQuote, Text: cleanSpace(textOf(n))})
		return
	case atom.Br:
		w.inline.WriteString("\n")
		return
	case atom.Img:
		if alt := cleanSpace(attr(n, "alt")); alt != "" {
			w.inline.WriteString(" " + alt + " ")
		}
		return
	}
	block := isBlock(n.DataAtom)
	if block {
		w.flush()
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c)
	}
	if block {
		w.flush()
	}
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Main, atom.Header, atom.Footer, atom.Aside,
		atom.Dl, atom.Dt, atom.Dd, atom.Figure, atom.Figcaption, atom.Address, atom.Details, atom.Summary,
		atom.Li, atom.Hr, atom.Body, atom.Html, atom.Fieldset, atom.Caption:
		return true
	}
	return false
}

// listItems collects the items of a list; nested lists add their items
// after their parent's, indented by the parent's text as a prefix.
func listItems(n *html.Node, items *[]string) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || skipped[c.DataAtom] {
			continue
		}
		if c.DataAtom != atom.Li {
			listItems(c, items)
			continue
		}
		var own strings.Builder
		var nested []*html.Node
		for d := c.FirstChild; d != nil; d = d.NextSibling {
			if d.Type == html.ElementNode && (d.DataAtom == atom.Ul || d.DataAtom == atom.Ol) {
				nested = append(nested, d)
				continue
			}
			own.WriteString(" " + textOf(d))
		}
		*items = append(*items, cleanSpace(own.String()))
		for _, d := range nested {
			listItems(d, items)
		}
	}
}

func tableRows(n *html.Node, rows *[][]string) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if c.DataAtom == atom.Tr {
			var cells []string
			for d := c.FirstChild; d != nil; d = d.NextSibling {
				if d.Type == html.ElementNode && (d.DataAtom == atom.Td || d.DataAtom == atom.Th) {
					cells = append(cells, cleanSpace(textOf(d)))
				}
			}
			*rows = append(*rows, cells)
			continue
		}
		if c.DataAtom == atom.Table {
			continue // a nested table's rows would garble this one
		}
		tableRows(c, rows)
	}
}

func headingAnchor(n *html.Node) string {
	if id := attr(n, "id"); id != "" {
		return id
	}
	// An id inside the heading (<a name>, MediaWiki's <span id>).
	var inner string
	var find func(*html.Node)
	find = func(m *html.Node) {
		for c := m.FirstChild; c != nil && inner == ""; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if id := attr(c, "id"); id != "" {
				inner = id
			} else if nm := attr(c, "name"); nm != "" && c.DataAtom == atom.A {
				inner = nm
			} else {
				find(c)
			}
		}
	}
	find(n)
	if inner != "" {
		return inner
	}
	// <section id="x"><h2>…: the heading is the first element of its parent.
	if p := n.Parent; p != nil && attr(p, "id") != "" {
		first := p.FirstChild
		for first != nil && first.Type != html.ElementNode {
			first = first.NextSibling
		}
		if first == n {
			return attr(p, "id")
		}
	}
	return ""
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val
		}
	}
	return ""
}

func findFirst(n *html.Node, a atom.Atom) *html.Node {
	if n.Type == html.ElementNode && n.DataAtom == a {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := findFirst(c, a); f != nil {
			return f
		}
	}
	return nil
}

// textOf is the text under n, without script, style and other skipped elements.
func textOf(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
			if skipped[n.DataAtom] && n.DataAtom != atom.Head {
				return
			}
			if n.DataAtom == atom.Br {
				b.WriteString("\n")
			}
			if isBlock(n.DataAtom) || n.DataAtom == atom.Td || n.DataAtom == atom.Th {
				b.WriteString(" ")
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(n)
	return b.String()
}

// headingText is a heading's text without edit links (MediaWiki's
// "[edit]" spans) or permalink markers ("¶", "#") some generators append.
func headingText(n *html.Node) string {
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(m *html.Node) {
		for c := m.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				b.WriteString(c.Data)
			case html.ElementNode:
				if skipped[c.DataAtom] || strings.Contains(attr(c, "class"), "editsection") {
					continue
				}
				rec(c)
			}
		}
	}
	rec(n)
	return strings.TrimRight(cleanSpace(b.String()), " ¶#§")
}

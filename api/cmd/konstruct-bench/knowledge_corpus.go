package main

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The knowledge benchmark's corpus is the PostgreSQL manual as Debian ships
// it (postgresql-doc-15: one HTML file per page), and its queries are
// derived from the manual itself, never written by us. See
// docs/knowledge-quality.md for the derivation and its biases.

// manualDir is where Debian's postgresql-doc-15 puts the HTML manual.
const manualDir = "/usr/share/doc/postgresql-doc-15/html"

// indexPage is the manual's back-of-the-book index: the source of one kind of
// judgment, so it is not ingested (it would hold every query verbatim).
const indexPage = "bookindex.html"

// page is one HTML file of the manual.
type page struct {
	Name  string // file name, e.g. sql-createtable.html
	Title string // its <title>
	Body  []byte
}

// loadManual reads every .html file of dir, sorted by name.
func loadManual(dir string) (pages []page, index []byte, err error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.html"))
	if err != nil {
		return nil, nil, err
	}
	if len(names) == 0 {
		return nil, nil, fmt.Errorf("no .html files in %s: install the manual (as root: apt-get install -y postgresql-doc-15) or pass -manual DIR", dir)
	}
	slices.Sort(names)
	for _, n := range names {
		body, err := os.ReadFile(n)
		if err != nil {
			return nil, nil, err
		}
		base := filepath.Base(n)
		if base == indexPage {
			index = body
			continue
		}
		pages = append(pages, page{Name: base, Title: htmlTitle(body), Body: body})
	}
	if index == nil {
		return nil, nil, fmt.Errorf("%s has no %s: the index-derived queries need it", dir, indexPage)
	}
	return pages, index, nil
}

var titleRE = regexp.MustCompile(`(?is)<title>(.*?)</title>`)

func htmlTitle(body []byte) string {
	m := titleRE.FindSubmatch(body)
	if m == nil {
		return ""
	}
	return cleanText(string(m[1]))
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// cleanText strips tags, unescapes entities and collapses white space.
func cleanText(s string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tagRE.ReplaceAllString(s, ""))), " ")
}

// query is one judged query.
type query struct {
	Text string `json:"text"`
	// Kind says how it was derived: "purpose" (a reference page's one-line
	// purpose) or "index" (a back-of-the-book index entry).
	Kind string `json:"kind"`
	// Relevant are the page file names that answer it.
	Relevant []string `json:"relevant"`
	// Split is "dev" or "test", by a hash of the text.
	Split string `json:"split"`
}

var purposeRE = regexp.MustCompile(`(?s)<div class="refnamediv">.*?<p>(.*?)</p>`)

// purposeQueries are the reference pages' one-line purposes ("CREATE TABLE —
// define a new table" gives "define a new table" → sql-createtable.html),
// when the purpose is not the page's title.
func purposeQueries(pages []page) []query {
	var out []query
	for _, p := range pages {
		m := purposeRE.FindSubmatch(p.Body)
		if m == nil {
			continue
		}
		_, purpose, ok := strings.Cut(cleanText(string(m[1])), " — ")
		purpose = strings.TrimSpace(purpose)
		if !ok || purpose == "" || strings.EqualFold(purpose, p.Title) {
			continue
		}
		out = append(out, query{Text: purpose, Kind: "purpose", Relevant: []string{p.Name}})
	}
	return merge(out)
}

// merge joins queries of the same text (two pages with the same purpose,
// such as CREATE TABLE AS and SELECT INTO): both pages are relevant.
func merge(qs []query) []query {
	at := map[string]int{}
	var out []query
	for _, q := range qs {
		k := strings.ToLower(q.Text)
		if i, ok := at[k]; ok {
			for _, r := range q.Relevant {
				if !slices.Contains(out[i].Relevant, r) {
					out[i].Relevant = append(out[i].Relevant, r)
				}
			}
			slices.Sort(out[i].Relevant)
			continue
		}
		at[k] = len(out)
		out = append(out, q)
	}
	return out
}

// indexQueries are the index's entries: a first-level entry's term ("advisory
// lock"), or a second-level entry with its parent's term after it
// ("installation on" under "AIX" gives "installation on AIX"); the relevant
// pages are those the entry links to. Entries that link to more than three
// pages, to no page of the corpus, or only through "see" references are
// left out, and so are queries equal to a relevant page's title and
// single-word entries (mostly identifiers such as PQgetisnull, which only
// an exact keyword match finds). Entries of the same text are merged.
func indexQueries(index []byte, pages []page) []query {
	titles := map[string]string{}
	for _, p := range pages {
		titles[p.Name] = strings.ToLower(p.Title)
	}
	root, err := html.Parse(bytes.NewReader(index))
	if err != nil {
		return nil
	}
	var out []query
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.DataAtom == atom.Dt {
			term, links := indexEntry(n)
			if parent := parentEntry(n); parent != "" {
				if term != "" {
					term = term + " " + parent
				}
			}
			var rel []string
			for _, l := range links {
				name, _, _ := strings.Cut(l, "#")
				if _, ok := titles[name]; ok && !slices.Contains(rel, name) {
					rel = append(rel, name)
				}
			}
			trivial := false
			for _, r := range rel {
				trivial = trivial || titles[r] == strings.ToLower(term)
			}
			if len(strings.Fields(term)) >= 2 && len(rel) >= 1 && len(rel) <= 3 && !trivial {
				slices.Sort(rel)
				out = append(out, query{Text: term, Kind: "index", Relevant: rel})
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	out = merge(out)
	return slices.DeleteFunc(out, func(q query) bool { return len(q.Relevant) > 3 })
}

// indexEntry is a <dt>'s term (its text before the first link, without the
// trailing comma) and the pages it links to.
func indexEntry(dt *html.Node) (string, []string) {
	var term strings.Builder
	var links []string
	inTerm := true
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.DataAtom == atom.A {
			inTerm = false
			for _, a := range n.Attr {
				if a.Key == "href" && !strings.HasPrefix(a.Val, "#") && !strings.HasPrefix(a.Val, indexPage) {
					links = append(links, a.Val)
				}
			}
			return
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.Span { // "see", "see also"
			inTerm = false
			return
		}
		if n.Type == html.TextNode && inTerm {
			term.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(dt)
	t := strings.Join(strings.Fields(term.String()), " ")
	return strings.TrimSpace(strings.TrimSuffix(t, ",")), links
}

// parentEntry is the term of the first-level entry a second-level <dt> sits
// under (dt ← dl ← dd, whose previous <dt> sibling is the parent), or "".
func parentEntry(dt *html.Node) string {
	dl := dt.Parent
	if dl == nil || dl.Parent == nil || dl.Parent.DataAtom != atom.Dd {
		return ""
	}
	for s := dl.Parent.PrevSibling; s != nil; s = s.PrevSibling {
		if s.Type == html.ElementNode && s.DataAtom == atom.Dt {
			if parentEntry(s) != "" {
				return "" // third level and deeper: left out
			}
			term, _ := indexEntry(s)
			return term
		}
	}
	return ""
}

// sample takes up to n queries in the order of a hash of their text (a fixed
// pseudo-random sample that does not depend on the page order), and assigns
// each to dev or test by the same hash.
func sample(qs []query, n int) []query {
	h := func(s string) uint64 {
		f := fnv.New64a()
		f.Write([]byte(s))
		return f.Sum64()
	}
	qs = slices.Clone(qs)
	slices.SortFunc(qs, func(a, b query) int {
		ha, hb := h(a.Text), h(b.Text)
		if ha != hb {
			if ha < hb {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Text, b.Text)
	})
	if n >= 0 && len(qs) > n {
		qs = qs[:n]
	}
	for i := range qs {
		qs[i].Split = "test"
		if h(qs[i].Text)>>17%2 == 0 {
			qs[i].Split = "dev"
		}
	}
	return qs
}

package knowledge

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// Passage is one chunk as an extractor cuts it: its text, the document title
// and heading path that give it context (prepended for embedding and keyword
// indexing), and where to point a reader (PDF page, HTML anchor).
type Passage struct {
	Text        string
	HeadingPath []string
	Page        int
	Anchor      string
}

// Extracted is one document cut into passages.
type Extracted struct {
	Title    string
	Passages []Passage
}

// Extractor reads one file or page. Detect refuses, before anything is stored,
// a file it cannot read (a *Refusal with Unsupported). Extract returns a
// *Refusal for bad input (the source fails with its message); any other
// error is a bug or a transient failure.
//
// api/knowledge/extract plugs in here: Detect is extract.Detect, Extract is
// extract.Extract followed by extract.Chunks, each Chunk becoming a Passage
// (Text, HeadingPath, Page, Anchor) and each *extract.Error a Refusal
// (ErrUnsupportedType → Unsupported, ErrTooLarge → TooLarge, else Invalid).
type Extractor interface {
	Detect(name, contentType string, body []byte) error
	Extract(ctx context.Context, name, contentType string, body []byte) (Extracted, error)
}

// RefusalKind is why an input was refused; it picks the HTTP status at upload.
type RefusalKind int

const (
	Invalid     RefusalKind = iota // 422: corrupt, encrypted, empty, too many pages
	Unsupported                    // 415
	TooLarge                       // 413
)

// Refusal is a refused input with a message fit to show an operator.
type Refusal struct {
	Kind    RefusalKind
	Message string
}

func (r *Refusal) Error() string { return r.Message }

func refuse(kind RefusalKind, format string, args ...any) *Refusal {
	return &Refusal{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// maxPassageTokens bounds a passage (with its context) for the built-in
// extractor; paragraphs are packed up to it and a longer one is cut at words.
const maxPassageTokens = 350

// Builtin is the extractor used until a richer one is configured: plain
// text, Markdown (headings give the path and an anchor slug), HTML (scripts
// and styles dropped, h1–h6 give the path and their ids the anchor) and CSV
// of question,answer pairs. PDF and DOCX are refused as unsupported.
type Builtin struct{}

type format int

const (
	fmtText format = iota
	fmtMarkdown
	fmtHTML
	fmtCSV
)

func detect(name, contentType string, body []byte) (format, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	ext := strings.ToLower(path.Ext(name))
	switch {
	case bytes.HasPrefix(body, []byte("%PDF-")) || bytes.HasPrefix(body, []byte("PK\x03\x04")) || mt == "application/pdf" ||
		ext == ".pdf" || ext == ".docx":
		return 0, refuse(Unsupported, "%s is not supported by this server's extractor yet; upload Markdown, HTML, plain text or CSV", describe(name, mt))
	case !utf8.Valid(body) || bytes.IndexByte(body, 0) >= 0:
		return 0, refuse(Unsupported, "%s is not text; upload PDF, DOCX, HTML, Markdown, plain text or a CSV of question,answer pairs", describe(name, mt))
	case mt == "text/html" || mt == "application/xhtml+xml" || ext == ".html" || ext == ".htm":
		return fmtHTML, nil
	case mt == "text/markdown" || mt == "text/x-markdown" || ext == ".md" || ext == ".markdown":
		return fmtMarkdown, nil
	case mt == "text/csv" || ext == ".csv":
		return fmtCSV, nil
	case mt == "text/plain" || ext == ".txt" || ext == ".text" || mt == "" || mt == "application/octet-stream":
		if bytes.HasPrefix(bytes.TrimSpace(bytes.ToLower(body[:min(len(body), 512)])), []byte("<!doctype html")) {
			return fmtHTML, nil
		}
		return fmtText, nil
	}
	return 0, refuse(Unsupported, "%s is not supported; upload PDF, DOCX, HTML, Markdown, plain text or a CSV of question,answer pairs", describe(name, mt))
}

func describe(name, mt string) string {
	if mt != "" && mt != "application/octet-stream" {
		return mt
	}
	if e := path.Ext(name); e != "" {
		return e
	}
	return "this kind of file"
}

// Detect refuses what Extract cannot read.
func (Builtin) Detect(name, contentType string, body []byte) error {
	_, err := detect(name, contentType, body)
	return err
}

// Extract reads one file.
func (Builtin) Extract(_ context.Context, name, contentType string, body []byte) (Extracted, error) {
	f, err := detect(name, contentType, body)
	if err != nil {
		return Extracted{}, err
	}
	var sections []section
	title := strings.TrimSuffix(path.Base(name), path.Ext(name))
	switch f {
	case fmtHTML:
		var t string
		t, sections = htmlSections(body)
		if t != "" {
			title = t
		}
	case fmtMarkdown:
		sections = markdownSections(string(body))
	case fmtCSV:
		if sections, err = csvSections(body); err != nil {
			return Extracted{}, err
		}
	default:
		sections = []section{{paras: paragraphs(string(body))}}
	}
	out := Extracted{Title: title}
	for _, s := range sections {
		out.Passages = append(out.Passages, pack(s)...)
	}
	if len(out.Passages) == 0 {
		return Extracted{}, refuse(Invalid, "the file has no text")
	}
	return out, nil
}

// section is the paragraphs under one heading path.
type section struct {
	path   []string
	anchor string
	paras  []string
}

// pack joins a section's paragraphs into passages of at most
// maxPassageTokens, cutting a longer paragraph at word boundaries.
func pack(s section) []Passage {
	var out []Passage
	var cur []string
	size := 0
	flush := func() {
		if len(cur) > 0 {
			out = append(out, Passage{Text: strings.Join(cur, "\n\n"), HeadingPath: s.path, Anchor: s.anchor})
			cur, size = nil, 0
		}
	}
	for _, p := range s.paras {
		for _, piece := range cutWords(p, maxPassageTokens) {
			n := countTokens(piece)
			if size+n > maxPassageTokens {
				flush()
			}
			cur = append(cur, piece)
			size += n
		}
	}
	flush()
	return out
}

func cutWords(p string, max int) []string {
	if countTokens(p) <= max {
		return []string{p}
	}
	var out []string
	var b strings.Builder
	for _, w := range strings.Fields(p) {
		if b.Len() > 0 && countTokens(b.String()+" "+w) > max {
			out = append(out, b.String())
			b.Reset()
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

func paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func markdownSections(text string) []section {
	var out []section
	cur := section{}
	var body strings.Builder
	var stack []string
	inCode := false
	flush := func() {
		cur.paras = paragraphs(body.String())
		if len(cur.paras) > 0 {
			out = append(out, cur)
		}
		body.Reset()
	}
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inCode = !inCode
		}
		level := 0
		for level < len(line) && level < 6 && line[level] == '#' {
			level++
		}
		if !inCode && level > 0 && len(line) > level && line[level] == ' ' {
			flush()
			heading := strings.TrimSpace(strings.Trim(line[level:], " #"))
			if len(stack) >= level {
				stack = stack[:level-1]
			}
			stack = append(stack, heading)
			cur = section{path: append([]string(nil), stack...), anchor: slug(heading)}
			continue
		}
		body.WriteString(line + "\n")
	}
	flush()
	return out
}

// slug is a heading's anchor as GitHub-style renderers make it.
func slug(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ' || r == '-':
			b.WriteByte('-')
		case r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func csvSections(body []byte) ([]section, error) {
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1
	var out []section
	for i := 0; ; i++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, refuse(Invalid, "the CSV cannot be read: %v", err)
		}
		if len(rec) < 2 {
			return nil, refuse(Invalid, "row %d of the CSV has %d column(s); each row must be question,answer", i+1, len(rec))
		}
		q, a := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		if i == 0 && strings.EqualFold(q, "question") && strings.EqualFold(a, "answer") {
			continue
		}
		if q != "" && a != "" {
			out = append(out, section{path: []string{q}, paras: []string{a}})
		}
	}
	return out, nil
}

// htmlSections reads an HTML page: the title, then the text under each
// heading, without scripts, styles, navigation or forms.
func htmlSections(body []byte) (string, []section) {
	z := html.NewTokenizer(bytes.NewReader(body))
	var title string
	var out []section
	cur := section{}
	var para strings.Builder
	var stack []string
	skip := 0
	inTitle, heading := false, 0
	var headText strings.Builder
	headID := ""
	endPara := func() {
		if t := strings.Join(strings.Fields(para.String()), " "); t != "" {
			cur.paras = append(cur.paras, t)
		}
		para.Reset()
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			endPara()
			if len(cur.paras) > 0 {
				out = append(out, cur)
			}
			return title, out
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			id := ""
			for hasAttr && tt != html.EndTagToken {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if string(k) == "id" {
					id = string(v)
				}
			}
			switch tag {
			case "script", "style", "noscript", "nav", "form", "svg", "template", "iframe":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case "title":
				inTitle = tt == html.StartTagToken
			case "h1", "h2", "h3", "h4", "h5", "h6":
				if tt == html.StartTagToken {
					endPara()
					if len(cur.paras) > 0 {
						out = append(out, cur)
					}
					heading, headID = int(tag[1]-'0'), id
					headText.Reset()
				} else if heading > 0 {
					h := strings.Join(strings.Fields(headText.String()), " ")
					if len(stack) >= heading {
						stack = stack[:heading-1]
					}
					for len(stack) < heading-1 {
						stack = append(stack, "")
					}
					stack = append(stack, h)
					var p []string
					for _, s := range stack {
						if s != "" {
							p = append(p, s)
						}
					}
					cur = section{path: p, anchor: headID}
					heading = 0
				}
			case "p", "div", "li", "tr", "br", "section", "article", "blockquote", "pre", "table", "ul", "ol", "dd", "dt":
				if heading == 0 {
					endPara()
				}
			case "td", "th":
				if tt == html.StartTagToken {
					para.WriteString(" | ")
				}
			}
		case html.TextToken:
			if skip > 0 {
				continue
			}
			text := string(z.Text())
			switch {
			case inTitle:
				title += strings.TrimSpace(text)
			case heading > 0:
				headText.WriteString(text)
			default:
				para.WriteString(text)
			}
		}
	}
}

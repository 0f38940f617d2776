package extract

import "strings"

// ChunkOpts shape the chunks of a document. Zero fields take defaults.
type ChunkOpts struct {
	// MaxTokens bounds a chunk's EmbedText (context prefix + text), as
	// counted by CountTokens (default 400).
	MaxTokens int
	// OverlapTokens is how much of the end of a chunk is repeated at the start
	// of the next one when a section is split (default 50; never more than
	// half of MaxTokens). Chunks of different sections never overlap.
	OverlapTokens int
}

// Chunk is one unit of retrieval: a piece of one section with the context
// needed to understand it on its own and to cite it.
type Chunk struct {
	Index int // position in the document, from 0
	// Text is the chunk's own text (paragraphs, list lines, table rows).
	Text string
	// ContextPrefix is the document title and heading path, "Title › H1 ›
	// H2"; EmbedText prepends it for embedding and keyword indexing.
	ContextPrefix string
	HeadingPath   []string
	Page          int // first page of the chunk (PDF), 0 otherwise
	LastPage      int // last page of the chunk (PDF), 0 otherwise
	Anchor        string
	Tokens        int // CountTokens(EmbedText())
}

// EmbedText is what gets embedded and keyword-indexed: the context prefix,
// a blank line, the text.
func (c Chunk) EmbedText() string {
	if c.ContextPrefix == "" {
		return c.Text
	}
	return c.ContextPrefix + "\n\n" + c.Text
}

// contextPrefix joins the title and heading path.
func contextPrefix(title string, path []string) string {
	parts := make([]string, 0, len(path)+1)
	if t := strings.TrimSpace(title); t != "" {
		parts = append(parts, t)
	}
	for _, h := range path {
		if h = strings.TrimSpace(h); h != "" && (len(parts) == 0 || parts[len(parts)-1] != h) {
			parts = append(parts, h)
		}
	}
	return strings.Join(parts, " › ")
}

// Chunks cuts a document into chunks by structure: every section on its
// own (chunks never straddle headings), its blocks packed in order up to the
// token budget. A block larger than the budget is split: tables by rows (the
// header row repeated), lists by items, text at sentence and then word
// boundaries. When a section needs several chunks, each after the first
// starts with the last OverlapTokens of the one before.
func Chunks(doc Document, opts ChunkOpts) []Chunk {
	if opts.MaxTokens <= 0 {
		opts.MaxTokens = 400
	}
	if opts.OverlapTokens < 0 {
		opts.OverlapTokens = 0
	} else if opts.OverlapTokens == 0 {
		opts.OverlapTokens = 50
	}
	opts.OverlapTokens = min(opts.OverlapTokens, opts.MaxTokens/2)
	var out []Chunk
	for _, s := range doc.Sections {
		prefix := contextPrefix(doc.Title, s.HeadingPath)
		// The text's share of the budget: what the prefix leaves, but never
		// less than a quarter of it (a very long heading path is cut short
		// by the budget rather than starving the text).
		budget := max(opts.MaxTokens-CountTokens(prefix)-1, opts.MaxTokens/4, 8)
		overlap := min(opts.OverlapTokens, budget/2)
		var units []unit
		for _, bl := range s.Blocks {
			units = append(units, splitBlock(bl, budget-overlap)...)
		}
		if len(units) == 0 {
			if len(s.HeadingPath) == 0 {
				continue
			}
			// A heading with nothing under it still answers "is there a
			// section about X": index it with its own heading as text, cut
			// to the budget like any text (a heading can be a paragraph
			// long; FuzzExtractHTML found one of 65 tokens in a 64 budget).
			heading := hardSplit(s.HeadingPath[len(s.HeadingPath)-1], budget)[0]
			units = []unit{{text: heading, tokens: CountTokens(heading), page: s.Page}}
		}
		var cur []string
		curTokens, first, last := 0, 0, 0
		tail := ""
		emit := func() {
			text := strings.Join(cur, "\n\n")
			if tail != "" {
				text = tail + " …\n\n" + text
			}
			c := Chunk{
				Index:         len(out),
				Text:          text,
				ContextPrefix: prefix,
				HeadingPath:   append([]string(nil), s.HeadingPath...),
				Page:          first,
				LastPage:      last,
				Anchor:        s.Anchor,
			}
			if c.Page == 0 {
				c.Page = s.Page
				c.LastPage = max(c.LastPage, s.Page)
			}
			c.Tokens = CountTokens(c.EmbedText())
			out = append(out, c)
			tail = lastTokens(strings.Join(cur, " "), overlap)
			cur, curTokens, first, last = nil, 0, 0, 0
		}
		for _, u := range units {
			room := budget
			if tail != "" {
				room -= CountTokens(tail) + 1
			}
			if len(cur) > 0 && curTokens+u.tokens > room {
				emit()
			}
			cur = append(cur, u.text)
			curTokens += u.tokens
			if u.page > 0 {
				if first == 0 {
					first = u.page
				}
				last = u.page
			}
		}
		if len(cur) > 0 {
			emit()
		}
	}
	return out
}

type unit struct {
	text   string
	tokens int
	page   int
}

// splitBlock cuts a block into pieces of at most budget tokens.
func splitBlock(bl Block, budget int) []unit {
	budget = max(budget, 4)
	t := CountTokens(bl.Text)
	if t <= budget {
		return []unit{{bl.Text, t, bl.Page}}
	}
	var parts []string
	switch {
	case bl.Kind == BlockTable && len(bl.Rows) > 1:
		head := tableBlock(bl.Rows[:1], 0).Text
		lines := strings.Split(strings.TrimRight(bl.Text, "\n"), "\n")
		headerLines := 2
		if len(lines) < headerLines {
			headerLines = len(lines)
		}
		header := strings.Join(lines[:headerLines], "\n")
		_ = head
		parts = packLines(lines[headerLines:], budget-CountTokens(header), header)
	case bl.Kind == BlockList || bl.Kind == BlockCode:
		parts = packLines(strings.Split(bl.Text, "\n"), budget, "")
	default:
		parts = packPieces(sentences(bl.Text), budget, " ")
	}
	var out []unit
	for _, p := range parts {
		for _, q := range hardSplit(p, budget) {
			out = append(out, unit{q, CountTokens(q), bl.Page})
		}
	}
	return out
}

// packLines groups lines into parts of at most budget tokens, each starting
// with header (if any).
func packLines(lines []string, budget int, header string) []string {
	parts := packPieces(lines, max(budget, 4), "\n")
	if header == "" {
		return parts
	}
	for i := range parts {
		parts[i] = header + "\n" + parts[i]
	}
	return parts
}

func packPieces(pieces []string, budget int, sep string) []string {
	var parts []string
	var cur []string
	n := 0
	for _, p := range pieces {
		t := CountTokens(p)
		if len(cur) > 0 && n+t > budget {
			parts = append(parts, strings.Join(cur, sep))
			cur, n = nil, 0
		}
		cur = append(cur, p)
		n += t
	}
	if len(cur) > 0 {
		parts = append(parts, strings.Join(cur, sep))
	}
	return parts
}

// hardSplit cuts a piece still over budget (one huge sentence) at words,
// and a word still over budget at runes.
func hardSplit(s string, budget int) []string {
	if CountTokens(s) <= budget {
		return []string{s}
	}
	var out []string
	var cur []string
	n := 0
	for _, w := range strings.Fields(s) {
		t := CountTokens(w)
		for t > budget {
			// A "word" longer than the budget (a base64 blob): cut off the
			// longest start that fits.
			if len(cur) > 0 {
				out = append(out, strings.Join(cur, " "))
				cur, n = nil, 0
			}
			r := []rune(w)
			lo, hi := 1, len(r)-1 // CountTokens(r[:lo]) ≤ budget for any budget ≥ 1
			for lo < hi {
				mid := (lo + hi + 1) / 2
				if CountTokens(string(r[:mid])) <= budget {
					lo = mid
				} else {
					hi = mid - 1
				}
			}
			out = append(out, string(r[:lo]))
			w = string(r[lo:])
			t = CountTokens(w)
		}
		if len(cur) > 0 && n+t > budget {
			out = append(out, strings.Join(cur, " "))
			cur, n = nil, 0
		}
		cur = append(cur, w)
		n += t
	}
	if len(cur) > 0 {
		out = append(out, strings.Join(cur, " "))
	}
	return out
}

// sentences splits text after ". ", "! ", "? " (and their CJK forms).
func sentences(text string) []string {
	var out []string
	start := 0
	rs := []rune(text)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '.', '!', '?', ';':
			if i+1 < len(rs) && (rs[i+1] == ' ' || rs[i+1] == '\n') {
				out = append(out, strings.TrimSpace(string(rs[start:i+1])))
				start = i + 1
			}
		case '。', '！', '？':
			out = append(out, strings.TrimSpace(string(rs[start:i+1])))
			start = i + 1
		}
	}
	if rest := strings.TrimSpace(string(rs[start:])); rest != "" {
		out = append(out, rest)
	}
	return out
}

// lastTokens is the end of text worth about n tokens, cut at a word.
func lastTokens(text string, n int) string {
	if n <= 0 {
		return ""
	}
	words := strings.Fields(text)
	t := 0
	i := len(words)
	for i > 0 {
		w := CountTokens(words[i-1])
		if t+w > n {
			break
		}
		t += w
		i--
	}
	return strings.Join(words[i:], " ")
}

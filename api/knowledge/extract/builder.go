package extract

import "strings"

// builder collects sections from a stream of headings and blocks, keeping
// the heading path as a stack: a heading of level n closes every open heading
// of level n or deeper.
type builder struct {
	sections []Section
	stack    []heading
	bytes    int64
	limit    int64
	over     bool
}

type heading struct {
	level int
	text  string
}

func newBuilder(limit int64) *builder { return &builder{limit: limit} }

func (b *builder) heading(level int, text, anchor string, page int) {
	text = cleanSpace(text)
	if text == "" {
		return
	}
	level = min(max(level, 1), 6)
	for len(b.stack) > 0 && b.stack[len(b.stack)-1].level >= level {
		b.stack = b.stack[:len(b.stack)-1]
	}
	b.stack = append(b.stack, heading{level, text})
	path := make([]string, len(b.stack))
	for i, h := range b.stack {
		path[i] = h.text
	}
	b.count(len(text))
	b.sections = append(b.sections, Section{HeadingPath: path, Level: level, Page: page, Anchor: anchor})
}

// section starts a section with an explicit path (CSV pairs).
func (b *builder) section(path []string, anchor string) {
	b.stack = nil
	b.count(len(strings.Join(path, "")))
	b.sections = append(b.sections, Section{HeadingPath: path, Anchor: anchor})
}

func (b *builder) add(bl Block) {
	bl.Text = strings.TrimSpace(bl.Text)
	if bl.Text == "" {
		return
	}
	if len(b.sections) == 0 {
		b.sections = append(b.sections, Section{Page: bl.Page})
	}
	s := &b.sections[len(b.sections)-1]
	if s.Page == 0 && bl.Page > 0 && len(s.Blocks) == 0 && len(s.HeadingPath) == 0 {
		s.Page = bl.Page
	}
	b.count(len(bl.Text))
	s.Blocks = append(s.Blocks, bl)
}

func (b *builder) paragraph(text string, page int) {
	b.add(Block{Kind: BlockParagraph, Text: text, Page: page})
}

func (b *builder) count(n int) {
	b.bytes += int64(n)
	if b.limit > 0 && b.bytes > b.limit {
		b.over = true
	}
}

// done returns the sections, dropping headings with nothing under them and
// no sub-sections only when they are the very last thing (an empty heading
// in the middle still names the path of what follows).
func (b *builder) done() ([]Section, error) {
	if b.over {
		return nil, overLimit(ErrTooLarge, b.limit, b.bytes,
			"the file holds more than %s of text; the limit is %s", humanBytes(b.limit), humanBytes(b.limit))
	}
	out := b.sections[:0:0]
	for _, s := range b.sections {
		if len(s.Blocks) == 0 && len(s.HeadingPath) == 0 {
			continue
		}
		out = append(out, s)
	}
	return out, nil
}

// listBlock renders list items as "- item" or "1. item" lines.
func listBlock(items []string, ordered bool, page int) Block {
	var lines []string
	var kept []string
	for _, it := range items {
		it = strings.TrimSpace(it)
		if it == "" {
			continue
		}
		kept = append(kept, it)
		marker := "- "
		if ordered {
			marker = itoa(len(kept)) + ". "
		}
		lines = append(lines, marker+strings.ReplaceAll(it, "\n", "\n  "))
	}
	return Block{Kind: BlockList, Text: strings.Join(lines, "\n"), Items: kept, Page: page}
}

// tableBlock renders rows as "| a | b |" lines with a separator after the
// first (header) row.
func tableBlock(rows [][]string, page int) Block {
	var kept [][]string
	width := 0
	for _, r := range rows {
		cells := make([]string, len(r))
		empty := true
		for i, c := range r {
			cells[i] = cleanSpace(c)
			if cells[i] != "" {
				empty = false
			}
		}
		if empty {
			continue
		}
		kept = append(kept, cells)
		width = max(width, len(cells))
	}
	var b strings.Builder
	for i, r := range kept {
		b.WriteString("|")
		for j := 0; j < width; j++ {
			c := ""
			if j < len(r) {
				c = strings.ReplaceAll(r[j], "|", "\\|")
			}
			b.WriteString(" " + c + " |")
		}
		b.WriteString("\n")
		if i == 0 && len(kept) > 1 {
			b.WriteString("|" + strings.Repeat(" --- |", width) + "\n")
		}
	}
	return Block{Kind: BlockTable, Text: b.String(), Rows: kept, Page: page}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for n > 0 {
		d = append([]byte{byte('0' + n%10)}, d...)
		n /= 10
	}
	return string(d)
}

func cleanSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

func firstHeading(doc Document) string {
	for _, s := range doc.Sections {
		if len(s.HeadingPath) > 0 {
			return s.HeadingPath[0]
		}
	}
	return ""
}

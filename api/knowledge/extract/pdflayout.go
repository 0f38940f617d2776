package extract

import (
	"math"
	"sort"
	"strings"
)

// pdfSections turns positioned lines into sections: a line set in a font
// clearly larger than the body text is a heading (larger = higher level),
// a vertical gap starts a new paragraph, lines starting with a bullet or a
// number form lists. Every block keeps its page; a heading's anchor is
// "page=N".
func pdfSections(pages []pdfPage, limit int64) ([]Section, error) {
	// Body size: the font size that carries the most characters.
	weight := map[float64]int{}
	for _, p := range pages {
		for _, l := range p.lines {
			weight[math.Round(l.size*2)/2] += len(l.text)
		}
	}
	body, best := 0.0, -1
	for sz, w := range weight {
		if w > best || (w == best && sz < body) {
			body, best = sz, w
		}
	}
	var sizes []float64
	for sz := range weight {
		if sz >= body*1.15 {
			sizes = append(sizes, sz)
		}
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(sizes)))
	level := func(size float64) int {
		r := math.Round(size*2) / 2
		for i, sz := range sizes {
			if r >= sz {
				return min(i+1, 6)
			}
		}
		return 0
	}

	b := newBuilder(limit)
	for pi, p := range pages {
		page := pi + 1
		var para, items []string
		ordered := false
		flush := func() {
			if len(para) > 0 {
				b.paragraph(strings.Join(para, " "), page)
				para = nil
			}
			if len(items) > 0 {
				b.add(listBlock(items, ordered, page))
				items = nil
			}
		}
		var prev *pdfText
		var pendingHead string
		pendingLevel := 0
		flushHead := func() {
			if pendingHead != "" {
				b.heading(pendingLevel, pendingHead, "page="+itoa(page), page)
				pendingHead = ""
			}
		}
		for i := range p.lines {
			l := &p.lines[i]
			text := cleanSpace(l.text)
			if lv := level(l.size); lv > 0 && len(text) <= 200 {
				flush()
				if pendingHead != "" && lv == pendingLevel && prev != nil && prev.bottom-l.top < l.size {
					pendingHead += " " + text // a heading set on two lines
				} else {
					flushHead()
					pendingHead, pendingLevel = text, lv
				}
				prev = l
				continue
			}
			flushHead()
			gap := prev != nil && prev.bottom-l.top > 0.5*l.size
			if item, ord, ok := listItem(text); ok {
				if len(para) > 0 || (len(items) > 0 && (gap || ord != ordered)) {
					flush()
				}
				items = append(items, item)
				ordered = ord
			} else if len(items) > 0 && !gap {
				items[len(items)-1] += " " + text // continuation of an item
			} else {
				if gap || len(items) > 0 {
					flush()
				}
				para = append(para, text)
			}
			prev = l
		}
		flush()
		flushHead()
	}
	return b.done()
}

// listItem recognises a line that starts a list item: a bullet or "1." / "1)".
func listItem(line string) (item string, ordered, ok bool) {
	for _, bullet := range []string{"•", "◦", "▪", "‣", "●", "○", "■", "-", "–", "*"} {
		if rest, found := strings.CutPrefix(line, bullet); found && (strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, "\t")) {
			return strings.TrimSpace(rest), false, true
		}
	}
	i := 0
	for i < len(line) && i < 3 && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	if i > 0 && i+1 < len(line) && (line[i] == '.' || line[i] == ')') && line[i+1] == ' ' {
		return strings.TrimSpace(line[i+1:]), true, true
	}
	return "", false, false
}

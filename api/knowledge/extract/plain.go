package extract

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
)

// extractText: blank lines separate paragraphs; runs of lines that start
// with a bullet or a number are lists.
func extractText(body []byte, name string, lim Limits) (Document, error) {
	src := strings.ReplaceAll(strings.ReplaceAll(decodeText(body), "\r\n", "\n"), "\r", "\n")
	b := newBuilder(lim.MaxTextBytes)
	for _, para := range strings.Split(src, "\n\n") {
		lines := strings.Split(strings.TrimSpace(para), "\n")
		var plain, items []string
		ordered := false
		flush := func() {
			if len(plain) > 0 {
				b.paragraph(cleanSpace(strings.Join(plain, " ")), 0)
				plain = nil
			}
			if len(items) > 0 {
				b.add(listBlock(items, ordered, 0))
				items = nil
			}
		}
		for _, l := range lines {
			l = strings.TrimSpace(l)
			if l == "" {
				continue
			}
			if item, ord, ok := listItem(l); ok {
				if len(plain) > 0 {
					flush()
				}
				items = append(items, cleanSpace(item))
				ordered = ord
				continue
			}
			if len(items) > 0 {
				items[len(items)-1] += " " + cleanSpace(l)
				continue
			}
			plain = append(plain, l)
		}
		flush()
		if b.over {
			break
		}
	}
	doc := Document{Title: titleFromName(name), Format: FormatText}
	var err error
	if doc.Sections, err = b.done(); err != nil {
		return Document{}, err
	}
	return doc, nil
}

// extractCSV reads question,answer pairs: a header row naming "question"
// and "answer" columns (any case, other columns ignored), or, without one,
// the first two columns. Each pair is a section whose heading is the
// question; the anchor is "row=N" (1-based, counting the header).
func extractCSV(body []byte, name string, lim Limits) (Document, error) {
	src := decodeText(body)
	r := csv.NewReader(strings.NewReader(src))
	r.Comma = csvSeparator(src)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = false
	b := newBuilder(lim.MaxTextBytes)
	qi, ai := 0, 1
	row := 0
	pairs := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		row++
		if err != nil {
			return Document{}, refuse(ErrCorrupt, err, "the CSV cannot be read at row %d", row)
		}
		if row == 1 {
			q, a := -1, -1
			for i, h := range rec {
				switch strings.ToLower(strings.TrimSpace(h)) {
				case "question", "questions", "q", "frage", "pregunta":
					q = i
				case "answer", "answers", "a", "antwort", "respuesta":
					a = i
				}
			}
			if q >= 0 && a >= 0 {
				qi, ai = q, a
				continue
			}
			if len(rec) < 2 {
				return Document{}, refuse(ErrCorrupt, nil, "the CSV needs question and answer columns (a header row naming them, or two columns)")
			}
		}
		if qi >= len(rec) || ai >= len(rec) {
			continue
		}
		q, a := cleanSpace(rec[qi]), strings.TrimSpace(rec[ai])
		if q == "" || a == "" {
			continue
		}
		pairs++
		if pairs > lim.MaxCSVRows {
			return Document{}, overLimit(ErrTooLarge, int64(lim.MaxCSVRows), int64(pairs),
				"the CSV has more than %d question,answer pairs; the limit is %d", lim.MaxCSVRows, lim.MaxCSVRows)
		}
		b.section([]string{q}, "row="+itoa(row))
		b.paragraph(a, 0)
		if b.over {
			break
		}
	}
	doc := Document{Title: titleFromName(name), Format: FormatCSV}
	var err error
	if doc.Sections, err = b.done(); err != nil {
		return Document{}, err
	}
	return doc, nil
}

// csvSeparator picks ',', ';' or tab, whichever the first line has most of.
func csvSeparator(src string) rune {
	first, _, _ := strings.Cut(src, "\n")
	best, n := ',', strings.Count(first, ",")
	for _, c := range []rune{';', '\t'} {
		if k := strings.Count(first, string(c)); k > n {
			best, n = c, k
		}
	}
	return best
}

package extract

import (
	"bytes"
	"fmt"
	"strings"
)

// pdfLine is one line of text on a test page, at a font size; an empty
// Text leaves a paragraph gap.
type pdfLine struct {
	Size float64
	Text string
}

// makePDF writes a minimal valid PDF (one Helvetica font, one content stream
// per page, a correct xref table) with the given lines on each page, top to
// bottom. extraTrailer is added to the trailer dictionary (e.g. an /Encrypt).
func makePDF(pages [][]pdfLine, extraObjs []string, extraTrailer string) []byte {
	var objs []string
	// 1: catalog, 2: pages, 3: font, then page/content pairs, then extras.
	n := len(pages)
	kids := make([]string, n)
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 4+2*i)
	}
	objs = append(objs,
		"<< /Type /Catalog /Pages 2 0 R >>",
		fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	)
	for i, lines := range pages {
		var cs strings.Builder
		y := 760.0
		for _, l := range lines {
			if l.Text == "" { // a paragraph gap
				y -= 12
				continue
			}
			y -= l.Size * 1.25
			esc := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`).Replace(winAnsi(l.Text))
			fmt.Fprintf(&cs, "BT /F1 %g Tf 72 %g Td (%s) Tj ET\n", l.Size, y, esc)
		}
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i),
			fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", cs.Len(), cs.String()),
		)
	}
	objs = append(objs, extraObjs...)
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, extraTrailer, xref)
	return b.Bytes()
}

// winAnsi encodes text for the font's WinAnsiEncoding.
func winAnsi(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 || (r >= 0xA0 && r <= 0xFF) {
			b.WriteByte(byte(r))
			continue
		}
		for i, c := range cp1252High {
			if c == r && c != 0 {
				b.WriteByte(byte(0x80 + i))
			}
		}
	}
	return b.String()
}

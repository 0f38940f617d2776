package extract

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
)

// maxZipEntries bounds the entries of a DOCX (a real one has a few dozen).
const maxZipEntries = 10_000

// extractDOCX reads word/document.xml (with word/styles.xml for which styles
// are headings and docProps/core.xml for the title): paragraphs with a
// Heading/Title style or an outline level become headings, numbered
// paragraphs list items, w:tbl tables. Every entry read is decompressed
// through a counting reader, so a zip bomb fails with ErrZipBomb as soon as
// it passes the size or ratio limit, whatever its headers claim.
func extractDOCX(body []byte, lim Limits) (doc Document, err error) {
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return Document{}, refuse(ErrCorrupt, err, "the DOCX is damaged or not a Word document")
	}
	if len(zr.File) > maxZipEntries {
		return Document{}, overLimit(ErrZipBomb, maxZipEntries, int64(len(zr.File)),
			"the DOCX holds %d files; the limit is %d", len(zr.File), maxZipEntries)
	}
	budget := &zipBudget{left: lim.MaxDecompressedBytes, total: lim.MaxDecompressedBytes, ratio: lim.MaxCompressionRatio}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	main, ok := files["word/document.xml"]
	if !ok {
		return Document{}, refuse(ErrCorrupt, nil, "the DOCX has no word/document.xml; it is not a Word document")
	}
	styles := map[string]int{} // style id → heading level (0 = Title)
	if f, ok := files["word/styles.xml"]; ok {
		data, err := budget.read(f)
		if err != nil {
			return Document{}, err
		}
		styles = docxStyles(data)
	}
	doc = Document{Format: FormatDOCX}
	if f, ok := files["docProps/core.xml"]; ok {
		data, err := budget.read(f)
		if err != nil {
			return Document{}, err
		}
		doc.Title = docxTitle(data)
	}
	data, err := budget.read(main)
	if err != nil {
		return Document{}, err
	}
	if doc.Sections, err = docxBody(data, styles, lim.MaxTextBytes); err != nil {
		return Document{}, err
	}
	if doc.Title == "" {
		doc.Title = firstHeading(doc)
	}
	return doc, nil
}

type zipBudget struct {
	left, total, ratio int64
}

func (z *zipBudget) read(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, refuse(ErrCorrupt, err, "the DOCX entry %s cannot be opened", f.Name)
	}
	defer rc.Close()
	// Read at most what the budget allows plus one byte, and never more
	// than ratio × the compressed size (tiny entries get 1 MiB of slack).
	allowed := z.left
	byRatio := int64(f.CompressedSize64)*z.ratio + 1<<20
	if byRatio < allowed {
		allowed = byRatio
	}
	data, err := io.ReadAll(io.LimitReader(rc, allowed+1))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, refuse(ErrCorrupt, err, "the DOCX entry %s is damaged", f.Name)
	}
	if int64(len(data)) > allowed {
		if allowed == byRatio && byRatio < z.left {
			return nil, overLimit(ErrZipBomb, z.ratio, int64(len(data))/max(int64(f.CompressedSize64), 1),
				"the DOCX entry %s expands more than %d times when decompressed; the limit is %d", f.Name, z.ratio, z.ratio)
		}
		return nil, overLimit(ErrZipBomb, z.total, z.total-z.left+int64(len(data)),
			"the DOCX expands to more than %s when decompressed; the limit is %s", humanBytes(z.total), humanBytes(z.total))
	}
	z.left -= int64(len(data))
	return data, nil
}

// docxStyles maps style ids to heading levels: "heading N" / outline level N-1 → N, "Title" → 0.
func docxStyles(data []byte) map[string]int {
	var st struct {
		Styles []struct {
			ID   string `xml:"styleId,attr"`
			Name struct {
				Val string `xml:"val,attr"`
			} `xml:"name"`
			PPr struct {
				Outline *struct {
					Val string `xml:"val,attr"`
				} `xml:"outlineLvl"`
			} `xml:"pPr"`
		} `xml:"style"`
	}
	out := map[string]int{}
	if xml.Unmarshal(data, &st) != nil {
		return out
	}
	for _, s := range st.Styles {
		name := strings.ToLower(strings.TrimSpace(s.Name.Val))
		switch {
		case name == "title":
			out[s.ID] = 0
		case strings.HasPrefix(name, "heading "):
			if n, err := strconv.Atoi(strings.TrimPrefix(name, "heading ")); err == nil && n >= 1 && n <= 9 {
				out[s.ID] = n
			}
		case s.PPr.Outline != nil:
			if n, err := strconv.Atoi(s.PPr.Outline.Val); err == nil && n >= 0 && n < 9 {
				out[s.ID] = n + 1
			}
		}
	}
	return out
}

func docxTitle(data []byte) string {
	var core struct {
		Title string `xml:"title"`
	}
	if xml.Unmarshal(data, &core) != nil {
		return ""
	}
	return cleanSpace(core.Title)
}

// docxPara is a paragraph as it is read.
type docxPara struct {
	style   string
	outline int // -1 when none
	list    bool
	text    strings.Builder
}

// docxBody streams document.xml.
func docxBody(data []byte, styles map[string]int, limit int64) ([]Section, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	b := newBuilder(limit)
	var (
		para       *docxPara
		items      []string
		tableDepth int
		rows       [][]string
		row        []string
		cell       strings.Builder
		inText     bool
	)
	flushList := func() {
		if len(items) > 0 {
			b.add(listBlock(items, false, 0))
			items = nil
		}
	}
	endPara := func(p *docxPara) {
		text := strings.TrimSpace(p.text.String())
		if tableDepth > 0 {
			if cell.Len() > 0 && text != "" {
				cell.WriteString(" ")
			}
			cell.WriteString(text)
			return
		}
		if text == "" {
			return
		}
		level, isHeading := styles[p.style]
		if !isHeading && p.outline >= 0 {
			level, isHeading = p.outline+1, true
		}
		if !isHeading {
			low := strings.ToLower(p.style)
			if n, err := strconv.Atoi(strings.TrimPrefix(low, "heading")); err == nil && strings.HasPrefix(low, "heading") && n >= 1 && n <= 9 {
				level, isHeading = n, true
			} else if low == "title" {
				level, isHeading = 0, true
			}
		}
		switch {
		case isHeading && len(text) <= 300:
			flushList()
			b.heading(max(level, 1), text, "", 0)
		case p.list:
			items = append(items, text)
		default:
			flushList()
			b.paragraph(text, 0)
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, refuse(ErrCorrupt, err, "the DOCX's document.xml is damaged")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "p":
				para = &docxPara{outline: -1}
			case "pStyle":
				if para != nil {
					para.style = xmlAttr(t, "val")
				}
			case "outlineLvl":
				if para != nil {
					if n, err := strconv.Atoi(xmlAttr(t, "val")); err == nil && n >= 0 && n < 9 {
						para.outline = n
					}
				}
			case "numPr":
				if para != nil {
					para.list = true
				}
			case "t":
				inText = true
			case "tab":
				if para != nil {
					para.text.WriteString("\t")
				}
			case "br", "cr":
				if para != nil {
					para.text.WriteString("\n")
				}
			case "tbl":
				if tableDepth == 0 {
					flushList()
					rows = nil
				}
				tableDepth++
			case "tr":
				if tableDepth == 1 {
					row = nil
				}
			case "tc":
				if tableDepth == 1 {
					cell.Reset()
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				if para != nil {
					endPara(para)
					para = nil
				}
			case "tc":
				if tableDepth == 1 {
					row = append(row, cleanSpace(cell.String()))
					cell.Reset()
				}
			case "tr":
				if tableDepth == 1 {
					rows = append(rows, row)
				}
			case "tbl":
				tableDepth--
				if tableDepth == 0 {
					b.add(tableBlock(rows, 0))
					rows = nil
				}
			}
		case xml.CharData:
			if inText && para != nil {
				para.text.Write(t)
				if para.text.Len() > 1<<20 {
					return nil, overLimit(ErrTooLarge, 1<<20, int64(para.text.Len()), "a paragraph of the DOCX is longer than 1 MiB")
				}
			}
		}
		if b.over {
			break
		}
	}
	flushList()
	return b.done()
}

func xmlAttr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

package extract

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
)

// docxPart is one paragraph or table of a test DOCX.
type docxPart struct {
	Style string     // paragraph style id ("Heading1", "Title", "ListParagraph", "")
	List  bool       // numbered (w:numPr)
	Text  string     // paragraph text
	Rows  [][]string // a table instead of a paragraph
}

// makeDOCX writes a minimal Word document with archive/zip: content types,
// styles (Heading1–3 named "heading N"), core properties with a title, and
// the body.
func makeDOCX(title string, parts []docxPart) []byte {
	var body strings.Builder
	para := func(p docxPart) string {
		var ppr string
		if p.Style != "" || p.List {
			ppr = "<w:pPr>"
			if p.Style != "" {
				ppr += fmt.Sprintf(`<w:pStyle w:val="%s"/>`, p.Style)
			}
			if p.List {
				ppr += `<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>`
			}
			ppr += "</w:pPr>"
		}
		// Split the text over two runs to check runs are joined.
		half := len(p.Text) / 2
		for half < len(p.Text) && p.Text[half] != ' ' {
			half++
		}
		return fmt.Sprintf(`<w:p>%s<w:r><w:t xml:space="preserve">%s</w:t></w:r><w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>`,
			ppr, xmlEscape(p.Text[:half]), xmlEscape(p.Text[half:]))
	}
	for _, p := range parts {
		if p.Rows != nil {
			body.WriteString("<w:tbl>")
			for _, r := range p.Rows {
				body.WriteString("<w:tr>")
				for _, c := range r {
					body.WriteString("<w:tc>" + para(docxPart{Text: c}) + "</w:tc>")
				}
				body.WriteString("</w:tr>")
			}
			body.WriteString("</w:tbl>")
			continue
		}
		body.WriteString(para(p))
	}
	files := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"word/styles.xml": `<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` +
			`<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>` +
			`<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/></w:style>` +
			`<w:style w:type="paragraph" w:styleId="berschrift3"><w:name w:val="heading 3"/></w:style>` +
			`<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style></w:styles>`,
		"docProps/core.xml": `<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>` + xmlEscape(title) + `</dc:title></cp:coreProperties>`,
		"word/document.xml": `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` +
			body.String() + `</w:body></w:document>`,
	}
	return zipFiles(files)
}

func zipFiles(files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "docProps/core.xml", "word/styles.xml", "word/document.xml"} {
		if content, ok := files[name]; ok {
			w, _ := zw.Create(name)
			w.Write([]byte(content))
		}
	}
	for name, content := range files {
		switch name {
		case "[Content_Types].xml", "docProps/core.xml", "word/styles.xml", "word/document.xml":
			continue
		}
		w, _ := zw.Create(name)
		w.Write([]byte(content))
	}
	zw.Close()
	return buf.Bytes()
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

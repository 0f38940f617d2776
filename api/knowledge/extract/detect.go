package extract

import (
	"archive/zip"
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strings"
	"unicode/utf8"
)

var mediaTypes = map[string]Format{
	"application/pdf":   FormatPDF,
	"application/x-pdf": FormatPDF,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": FormatDOCX,
	"text/html":             FormatHTML,
	"application/xhtml+xml": FormatHTML,
	"text/markdown":         FormatMarkdown,
	"text/x-markdown":       FormatMarkdown,
	"text/plain":            FormatText,
	"text/csv":              FormatCSV,
	"application/csv":       FormatCSV,
}

var extensions = map[string]Format{
	".pdf":      FormatPDF,
	".docx":     FormatDOCX,
	".html":     FormatHTML,
	".htm":      FormatHTML,
	".xhtml":    FormatHTML,
	".md":       FormatMarkdown,
	".markdown": FormatMarkdown,
	".mdown":    FormatMarkdown,
	".mkd":      FormatMarkdown,
	".txt":      FormatText,
	".text":     FormatText,
	".csv":      FormatCSV,
}

// Detect decides which extractor reads a file, from its leading bytes first
// (a PDF or a DOCX is recognised whatever it is called), then the declared
// media type, then the name's extension, then by sniffing text. A file that
// is none of the supported formats (an image, a spreadsheet, an old .doc,
// binary data labelled as text) returns ErrUnsupportedType.
func Detect(name, contentType string, body []byte) (Format, error) {
	declared := declaredFormat(contentType)
	byExt := extensions[strings.ToLower(path.Ext(name))]
	switch {
	case isPDF(body):
		return FormatPDF, nil
	case bytes.HasPrefix(body, []byte("PK\x03\x04")) || bytes.HasPrefix(body, []byte("PK\x05\x06")):
		if isDOCX(body) {
			return FormatDOCX, nil
		}
		if declared == FormatDOCX || byExt == FormatDOCX {
			return FormatDOCX, nil // let the DOCX reader say what is wrong with it
		}
		return "", unsupported(name, contentType, "a zip archive that is not a Word document")
	}
	want := declared
	if want == "" {
		want = byExt
	}
	switch want {
	case FormatPDF, FormatDOCX:
		// Declared as a binary format but does not start like one.
		return want, nil
	case "":
		if !looksLikeText(body) {
			return "", unsupported(name, contentType, "")
		}
		if strings.HasPrefix(http.DetectContentType(body), "text/html") {
			return FormatHTML, nil
		}
		return FormatText, nil
	default:
		if !looksLikeText(body) {
			return "", unsupported(name, contentType, "binary data")
		}
		return want, nil
	}
}

func declaredFormat(contentType string) Format {
	if contentType == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
	}
	return mediaTypes[mt]
}

func unsupported(name, contentType, what string) *Error {
	desc := contentType
	if desc == "" {
		desc = path.Ext(name)
	}
	if what != "" {
		desc = strings.TrimSpace(desc + " (" + what + ")")
	}
	if desc == "" {
		desc = "this kind of file"
	}
	return refuse(ErrUnsupportedType, nil,
		"%s is not supported; upload PDF, DOCX, HTML, Markdown, plain text or a CSV of question,answer pairs", desc)
}

// isPDF: the header may follow up to 1 KiB of junk, as readers accept.
func isPDF(body []byte) bool {
	head := body
	if len(head) > 1024 {
		head = head[:1024]
	}
	return bytes.Contains(head, []byte("%PDF-"))
}

func isDOCX(body []byte) bool {
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return false
	}
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			return true
		}
	}
	return false
}

// looksLikeText: decodable as text (UTF-8, UTF-16 with a BOM, or a single-byte
// encoding) and without the control bytes binary files are full of.
func looksLikeText(body []byte) bool {
	if hasUTF16BOM(body) {
		return true
	}
	sample := body
	if len(sample) > 8192 {
		sample = sample[:8192]
		// Do not cut a UTF-8 sequence in half.
		for i := 0; i < utf8.UTFMax && len(sample) > 0 && !utf8.Valid(sample); i++ {
			sample = sample[:len(sample)-1]
		}
	}
	control := 0
	for _, c := range sample {
		switch {
		case c == 0:
			return false
		case c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f':
			control++
		}
	}
	return control*100 <= len(sample) // at most 1 % stray control bytes
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return trimZero(fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)))
	case n >= 1<<10:
		return trimZero(fmt.Sprintf("%.1f KiB", float64(n)/(1<<10)))
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

func trimZero(s string) string { return strings.Replace(s, ".0 ", " ", 1) }

package extract

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDetect(t *testing.T) {
	t.Parallel()
	docx := makeDOCX("t", []docxPart{{Text: "x"}})
	pdf := twoPagePDF()
	tests := []struct {
		name, file, contentType string
		body                    []byte
		want                    Format
	}{
		{"PDFByBytesWhateverItsName", "report.bin", "application/octet-stream", pdf, FormatPDF},
		{"PDFAfterJunk", "x", "", append([]byte("junk\n"), pdf...), FormatPDF},
		{"DOCXByBytes", "upload", "", docx, FormatDOCX},
		{"DOCXByContentType", "x", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", docx, FormatDOCX},
		{"HTMLByContentType", "page", "text/html; charset=utf-8", []byte("<p>x</p>"), FormatHTML},
		{"HTMLByExtension", "page.HTM", "", []byte("<p>x</p>"), FormatHTML},
		{"HTMLBySniffing", "page", "", []byte("<!DOCTYPE html><html><body>x</body></html>"), FormatHTML},
		{"MarkdownByExtension", "README.md", "application/octet-stream", []byte("# x"), FormatMarkdown},
		{"MarkdownByContentType", "x", "text/markdown", []byte("# x"), FormatMarkdown},
		{"ContentTypeBeatsExtension", "notes.txt", "text/markdown", []byte("# x"), FormatMarkdown},
		{"CSV", "faq.csv", "", []byte("question,answer\n"), FormatCSV},
		{"CSVByContentType", "x", "text/csv", []byte("q,a\n"), FormatCSV},
		{"TextBySniffing", "notes", "", []byte("just words"), FormatText},
		{"UTF16Text", "a.txt", "", []byte("\xff\xfeh\x00i\x00"), FormatText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Detect(tt.file, tt.contentType, tt.body)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain":                       "plain",
		"\xef\xbb\xbfbom":             "bom",
		"\xff\xfeh\x00\xe9\x00":       "hé",
		"\xfe\xff\x00h\x00\xe9":       "hé",
		"caf\xe9 \x93quoted\x94 \x80": "café “quoted” €",
	} {
		require.Equal(t, want, decodeText([]byte(in)), "%q", in)
	}
}

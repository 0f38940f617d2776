package extract

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func twoPagePDF() []byte {
	return makePDF([][]pdfLine{{{12, "Page one."}}, {{12, "Page two."}}}, nil, "")
}

// encryptedPDF has a standard security handler with a user password: the
// /U entry matches no empty password, so a reader must ask for one.
func encryptedPDF() []byte {
	o := strings.Repeat("\x5a", 32)
	u := strings.Repeat("\xa5", 32)
	enc := "<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <" + hexOf(o) + "> /U <" + hexOf(u) + "> >>"
	// Object number: catalog, pages, font, 2×(page, content) → 8.
	return makePDF([][]pdfLine{{{12, "Secret."}}, {{12, "More secret."}}}, []string{enc},
		"/Encrypt 8 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] ")
}

func hexOf(s string) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(digits[s[i]>>4])
		b.WriteByte(digits[s[i]&15])
	}
	return b.String()
}

// zipBombDOCX is a valid DOCX whose document.xml is 64 MiB of one paragraph
// of spaces: about 64 KiB compressed, a ratio near 1000.
func zipBombDOCX() []byte {
	doc := `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>` +
		strings.Repeat(" ", 64<<20) + `</w:t></w:r></w:p></w:body></w:document>`
	return zipFiles(map[string]string{"word/document.xml": doc})
}

func TestBadInputFailsWithItsReason(t *testing.T) {
	t.Parallel()

	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")
	xlsx := zipFiles(map[string]string{"xl/workbook.xml": "<workbook/>"})
	tests := []struct {
		name        string
		file        string
		contentType string
		body        []byte
		lim         Limits
		wantReason  error
		wantLimit   int64
		wantMessage string
	}{
		{name: "Oversized", file: "a.txt", body: []byte(strings.Repeat("a", 2048)), lim: Limits{MaxBytes: 1024},
			wantReason: ErrTooLarge, wantLimit: 1024, wantMessage: "the file is 2 KiB; the limit is 1 KiB"},
		{name: "TooMuchText", file: "a.md", body: []byte(strings.Repeat("word ", 400)), lim: Limits{MaxTextBytes: 1000},
			wantReason: ErrTooLarge, wantLimit: 1000, wantMessage: "the file holds more than 1000 bytes of text; the limit is 1000 bytes"},
		{name: "TooManyCSVPairs", file: "a.csv", body: []byte("question,answer\na,b\nc,d\ne,f\n"), lim: Limits{MaxCSVRows: 2},
			wantReason: ErrTooLarge, wantLimit: 2, wantMessage: "the CSV has more than 2 question,answer pairs; the limit is 2"},
		{name: "TooManyPages", file: "a.pdf", body: twoPagePDF(), lim: Limits{MaxPages: 1},
			wantReason: ErrTooManyPages, wantLimit: 1, wantMessage: "the PDF has 2 pages; the limit is 1"},
		{name: "EncryptedPDF", file: "a.pdf", body: encryptedPDF(),
			wantReason: ErrEncrypted, wantMessage: "the PDF is protected by a password; upload it without one"},
		{name: "CorruptPDF", file: "a.pdf", body: []byte("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\ngarbage\x00\x01\x02"),
			wantReason: ErrCorrupt, wantMessage: "the PDF is damaged or not a PDF"},
		{name: "DeclaredPDFThatIsNot", file: "a.pdf", contentType: "application/pdf", body: []byte("hello"),
			wantReason: ErrCorrupt, wantMessage: "the PDF is damaged or not a PDF"},
		{name: "ZipBombDOCXByRatio", file: "a.docx", body: zipBombDOCX(),
			wantReason: ErrZipBomb, wantLimit: 100, wantMessage: "the DOCX entry word/document.xml expands more than 100 times when decompressed; the limit is 100"},
		{name: "ZipBombDOCXByTotal", file: "a.docx", body: zipBombDOCX(), lim: Limits{MaxDecompressedBytes: 1 << 20, MaxCompressionRatio: 100000},
			wantReason: ErrZipBomb, wantLimit: 1 << 20, wantMessage: "the DOCX expands to more than 1 MiB when decompressed; the limit is 1 MiB"},
		{name: "DOCXWithoutDocument", file: "a.docx", body: xlsx,
			wantReason: ErrCorrupt, wantMessage: "the DOCX has no word/document.xml; it is not a Word document"},
		{name: "TruncatedDOCX", file: "a.docx", body: makeDOCX("t", []docxPart{{Text: "hello"}})[:60],
			wantReason: ErrCorrupt, wantMessage: "the DOCX is damaged or not a Word document"},
		{name: "Image", file: "a.png", contentType: "image/png", body: png,
			wantReason: ErrUnsupportedType},
		{name: "Spreadsheet", file: "a.xlsx", body: xlsx,
			wantReason: ErrUnsupportedType},
		{name: "BinaryCalledText", file: "a.txt", contentType: "text/plain", body: []byte("abc\x00\x01\x02def"),
			wantReason: ErrUnsupportedType},
		{name: "OldWordDocument", file: "a.doc", contentType: "application/msword", body: []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00"),
			wantReason: ErrUnsupportedType},
		{name: "NoText", file: "a.txt", body: []byte(" \n\n \t"),
			wantReason: ErrEmpty},
		{name: "HTMLOnlyScripts", file: "a.html", body: []byte("<html><head><script>alert(1)</script></head><body><script>document.write('x')</script><style>p{}</style></body></html>"),
			wantReason: ErrEmpty},
		{name: "CSVWithoutAnswerColumn", file: "a.csv", body: []byte("just one column\nvalue\n"),
			wantReason: ErrCorrupt, wantMessage: "the CSV needs question and answer columns (a header row naming them, or two columns)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Extract(context.Background(), tt.file, tt.contentType, tt.body, tt.lim)
			require.Error(t, err)
			require.ErrorIs(t, err, tt.wantReason)
			var e *Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, tt.wantLimit, e.Limit)
			if tt.wantMessage != "" {
				require.Equal(t, tt.wantMessage, e.Message)
			}
		})
	}
}

func TestHTMLScriptsNeverReachTheText(t *testing.T) {
	t.Parallel()
	page := []byte(`<html><body><h1>Hours</h1><p>Open 9–5.</p><script>var token="s3cr3t"</script>` +
		`<p onclick="steal()">Closed on Sundays.<style>.x{content:"s3cr3t"}</style></p><template><p>s3cr3t</p></template></body></html>`)
	doc, err := Extract(context.Background(), "hours.html", "", page, Limits{})
	require.NoError(t, err)
	require.NotContains(t, doc.Text(), "s3cr3t")
	require.NotContains(t, doc.Text(), "steal")
	require.Contains(t, doc.Text(), "Closed on Sundays.")
}

func TestPDFReaderSurvivesBadFiles(t *testing.T) {
	t.Parallel()
	// A cancelled extraction, an encrypted and a corrupt file in a row leave
	// the pool able to read a good file.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Extract(ctx, "a.pdf", "", twoPagePDF(), Limits{})
	require.ErrorIs(t, err, context.Canceled)
	_, err = Extract(context.Background(), "a.pdf", "", encryptedPDF(), Limits{})
	require.ErrorIs(t, err, ErrEncrypted)
	_, err = Extract(context.Background(), "a.pdf", "", []byte("%PDF-1.4 nothing"), Limits{})
	require.ErrorIs(t, err, ErrCorrupt)
	doc, err := Extract(context.Background(), "a.pdf", "", twoPagePDF(), Limits{})
	require.NoError(t, err)
	require.Equal(t, 2, doc.Pages)
	require.Equal(t, "Page one.\n\nPage two.", doc.Text())
	require.Equal(t, 2, doc.Sections[0].Blocks[1].Page)
}

func TestPDFPastItsTimeIsStopped(t *testing.T) {
	t.Parallel()
	// 300 pages cannot be read in a millisecond: the worker is killed, the
	// file fails as corrupt with the limit named, and the pool recovers.
	var pages [][]pdfLine
	for range 300 {
		pages = append(pages, []pdfLine{{18, "Heading"}, {10, strings.Repeat("text ", 30)}})
	}
	_, err := Extract(context.Background(), "big.pdf", "", makePDF(pages, nil, ""), Limits{Timeout: time.Millisecond})
	require.ErrorIs(t, err, ErrCorrupt)
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, "the PDF could not be read within 1ms", e.Message)

	doc, err := Extract(context.Background(), "a.pdf", "", twoPagePDF(), Limits{})
	require.NoError(t, err)
	require.Equal(t, 2, doc.Pages)
}

func TestErrorMessagesAreTheReason(t *testing.T) {
	t.Parallel()
	err := error(overLimit(ErrTooManyPages, 500, 812, "the PDF has 812 pages; the limit is 500"))
	require.True(t, errors.Is(err, ErrTooManyPages))
	require.False(t, errors.Is(err, ErrTooLarge))
	require.Equal(t, "the PDF has 812 pages; the limit is 500", err.Error())
	wrapped := refuse(ErrCorrupt, errors.New("xref broken"), "the PDF is damaged or not a PDF")
	require.Equal(t, "the PDF is damaged or not a PDF: xref broken", wrapped.Error())
	require.True(t, bytes.Equal([]byte(wrapped.Message), []byte("the PDF is damaged or not a PDF")))
}

package knowledge

import (
	"context"
	"errors"
	"fmt"

	"github.com/konstruct/konstruct/api/knowledge/extract"
)

// Passage is one chunk as an extractor cuts it: its text, the heading path
// that gives it context (prepended with the document title for embedding and
// keyword indexing), and where to point a reader (PDF page, HTML anchor).
type Passage struct {
	Text        string
	HeadingPath []string
	Page        int
	Anchor      string
}

// Extracted is one document cut into passages.
type Extracted struct {
	Title    string
	Passages []Passage
}

// Extractor reads one file or page. Detect refuses, before anything is stored,
// a file it cannot read (a *Refusal with Unsupported). Extract returns a
// *Refusal for bad input (the source fails with its message); any other
// error is a bug or a transient failure, and the job retries.
type Extractor interface {
	Detect(name, contentType string, body []byte) error
	Extract(ctx context.Context, name, contentType string, body []byte) (Extracted, error)
}

// RefusalKind is why an input was refused; it picks the HTTP status at upload.
type RefusalKind int

const (
	Invalid     RefusalKind = iota // 422: corrupt, encrypted, empty, too many pages
	Unsupported                    // 415
	TooLarge                       // 413
)

// Refusal is a refused input with a message fit to show an operator.
type Refusal struct {
	Kind    RefusalKind
	Message string
}

func (r *Refusal) Error() string { return r.Message }

func refuse(kind RefusalKind, format string, args ...any) *Refusal {
	return &Refusal{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Library is the Extractor of api/knowledge/extract: PDF (pdfium in
// WebAssembly), DOCX, HTML main content, Markdown, plain text and CSV of
// question,answer pairs, cut by structure into chunks within a token budget.
type Library struct {
	Limits extract.Limits
	Chunks extract.ChunkOpts
}

// Detect refuses a file of a type the library does not read.
func (l Library) Detect(name, contentType string, body []byte) error {
	_, err := extract.Detect(name, contentType, body)
	return refusal(err)
}

// Extract reads one file and cuts it into passages.
func (l Library) Extract(ctx context.Context, name, contentType string, body []byte) (Extracted, error) {
	doc, err := extract.Extract(ctx, name, contentType, body, l.Limits)
	if err != nil {
		return Extracted{}, refusal(err)
	}
	out := Extracted{Title: doc.Title}
	for _, c := range extract.Chunks(doc, l.Chunks) {
		out.Passages = append(out.Passages, Passage{Text: c.Text, HeadingPath: c.HeadingPath, Page: c.Page, Anchor: c.Anchor})
	}
	if len(out.Passages) == 0 {
		return Extracted{}, refuse(Invalid, "the file has no text")
	}
	return out, nil
}

// refusal turns the library's bad-input errors into refusals; anything else
// (a cancelled job, no PDF worker free in time) is not the file's fault and
// is returned as it is, so the job retries.
func refusal(err error) error {
	var e *extract.Error
	if !errors.As(err, &e) {
		return err
	}
	switch {
	case errors.Is(err, extract.ErrUnsupportedType):
		return refuse(Unsupported, "%s", e.Message)
	case errors.Is(err, extract.ErrTooLarge):
		return refuse(TooLarge, "%s", e.Message)
	default:
		return refuse(Invalid, "%s", e.Message)
	}
}

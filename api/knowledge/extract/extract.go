package extract

import (
	"context"
	"fmt"
)

// Extract turns one file into a Document. name is the file name or URL path
// (its extension helps), contentType the declared media type (may be empty or
// wrong: the body is sniffed too). It never panics on bad input: a file that
// cannot be read returns an *Error whose Reason is one of the Err* values.
func Extract(ctx context.Context, name, contentType string, body []byte, lim Limits) (Document, error) {
	lim = lim.withDefaults()
	if int64(len(body)) > lim.MaxBytes {
		return Document{}, overLimit(ErrTooLarge, lim.MaxBytes, int64(len(body)),
			"the file is %s; the limit is %s", humanBytes(int64(len(body))), humanBytes(lim.MaxBytes))
	}
	f, err := Detect(name, contentType, body)
	if err != nil {
		return Document{}, err
	}
	return extractAs(ctx, f, name, body, lim)
}

func extractAs(ctx context.Context, f Format, name string, body []byte, lim Limits) (doc Document, err error) {
	if err := ctx.Err(); err != nil {
		return Document{}, err
	}
	// The Go extractors are bounded by the limits; a bug that panics on a
	// strange file still fails that file only.
	defer func() {
		if r := recover(); r != nil {
			doc, err = Document{}, refuse(ErrCorrupt, fmt.Errorf("panic: %v", r), "the %s file could not be read", f)
		}
	}()
	switch f {
	case FormatPDF:
		doc, err = extractPDF(ctx, body, lim)
	case FormatDOCX:
		doc, err = extractDOCX(body, lim)
	case FormatHTML:
		doc, err = extractHTML(body, name, lim)
	case FormatMarkdown:
		doc, err = extractMarkdown(body, name, lim)
	case FormatText:
		doc, err = extractText(body, name, lim)
	case FormatCSV:
		doc, err = extractCSV(body, name, lim)
	default:
		return Document{}, unsupported(name, string(f), "")
	}
	if err != nil {
		return Document{}, err
	}
	if doc.Empty() {
		return Document{}, refuse(ErrEmpty, nil, "the file has no text to index (a scanned PDF needs text recognition first)")
	}
	if doc.Title == "" {
		doc.Title = titleFromName(name)
	}
	return doc, nil
}

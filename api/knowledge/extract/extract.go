package extract

import (
	"context"
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

func extractAs(ctx context.Context, f Format, name string, body []byte, lim Limits) (Document, error) {
	// The extractors are added one by one on this branch.
	return Document{}, unsupported(name, string(f), "not yet implemented")
}

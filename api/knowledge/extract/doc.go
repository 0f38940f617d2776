// Package extract reads the files a knowledge source is made of into
// structured text, and cuts that text into chunks for retrieval. It is pure
// Go (PDFium runs as WebAssembly), touches no database and no network, and is
// meant to be safe on hostile input.
//
// # Extraction
//
// Extract(ctx, name, contentType, body, limits) returns a Document: a title
// and Sections in reading order. A Section is the run of Blocks under one
// heading, with the HeadingPath from the outermost heading down, the Page it
// starts on (PDF) and an Anchor to cite it by. Blocks keep structure: list
// items as "- item" / "1. item" lines (and Items), tables as "| a | b |" rows
// with a separator under the header (and Rows), code and quotes apart.
//
// Detect picks the reader from the leading bytes first (a PDF or a DOCX is
// recognised whatever it is called), then the declared media type, then the
// extension, then by sniffing text:
//
//   - PDF: github.com/klippa-app/go-pdfium in its WebAssembly mode (wazero,
//     no cgo). Lines set in a font clearly larger than the body text become
//     headings (the larger, the higher), vertical gaps separate paragraphs,
//     bulleted or numbered lines form lists. Every block keeps its page;
//     anchors are "page=N". The title is the document's metadata title, or
//     its first heading. Scanned PDFs (no text layer) fail with ErrEmpty.
//   - DOCX: archive/zip + encoding/xml. Paragraph styles named "heading N"
//     (in any language: the style's name, not its id, is read from
//     styles.xml), "Title", or an outline level are headings; numbered
//     paragraphs are list items; w:tbl tables keep their rows. The title
//     comes from docProps/core.xml.
//   - HTML: codeberg.org/readeck/go-readability/v2 keeps the main content
//     (navigation, sidebars, footers dropped); h1–h6 make the heading path,
//     their id (or the id of an <a> inside them or of the section they open)
//     the anchor. script, style, template, forms and the like never reach the
//     text. A page too small for readability to judge is read whole, without
//     its header, footer and asides.
//   - Markdown: github.com/yuin/goldmark with GFM; anchors are the ids
//     GitHub-style renderers give headings ("getting-started").
//   - Plain text: blank lines separate paragraphs; bulleted runs are lists.
//     UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.
//   - CSV of Q&A pairs: a header row naming question and answer columns, or
//     the first two columns; separator ',', ';' or tab. Each pair is a section
//     whose heading is the question; anchors are "row=N".
//
// # Limits and bad input
//
// Limits bound the work one file may cause (size, PDF pages, DOCX
// decompressed size and ratio, extracted text, CSV pairs, time); a zero field
// takes its default. A refused file returns an *Error whose Reason is one of
// ErrUnsupportedType, ErrTooLarge, ErrTooManyPages, ErrEncrypted, ErrCorrupt,
// ErrZipBomb or ErrEmpty (match with errors.Is) and whose Message names the
// problem and the limit in words an operator can act on. Suggested statuses:
// 415 for ErrUnsupportedType, 413 for ErrTooLarge, 422 for the others. Any
// other error (a cancelled context, no PDF worker free in time) is not the
// file's fault: retry it.
//
// DOCX entries are decompressed through a counting reader, so a zip bomb is
// stopped at the limit whatever its headers claim. PDFium runs in a pool of
// at most PDFWorkers WebAssembly instances, made once on first use, each
// with no file system and at most PDFMemoryLimit bytes of memory; a document
// that runs past Limits.Timeout has its instance killed and fails as
// ErrCorrupt. The compiled module is cached on disk (PDFCacheDir), so only
// the first start of a machine pays for compiling it (several seconds).
//
// # Chunking
//
// Chunks(doc, opts) cuts a Document by structure: chunks never straddle two
// sections; a section's blocks are packed in order up to opts.MaxTokens
// (default 400, counted by CountTokens on the chunk's EmbedText); a block
// over the budget is split — tables by rows with the header repeated, lists
// between items, text between sentences, then words. When a section needs
// several chunks, each after the first starts with about opts.OverlapTokens
// (default 50) of the end of the one before, followed by " …". Each Chunk
// carries ContextPrefix ("Title › Heading › Subheading"), which EmbedText
// puts before the text for embedding and keyword indexing, and its
// HeadingPath, Page/LastPage and Anchor for citations.
package extract

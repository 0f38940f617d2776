package extract

import "strings"

// Format is the kind of file a document was extracted from.
type Format string

const (
	FormatPDF      Format = "pdf"
	FormatDOCX     Format = "docx"
	FormatHTML     Format = "html"
	FormatMarkdown Format = "markdown"
	FormatText     Format = "text"
	FormatCSV      Format = "csv" // question,answer pairs
)

// Document is what an extractor makes of one file: a title and the file's
// sections in reading order. It carries no raw bytes.
type Document struct {
	Title    string
	Format   Format
	Pages    int // pages in the file (PDF); 0 when the format has no pages
	Sections []Section
}

// Section is the run of blocks under one heading. Text before the first
// heading forms a section with an empty HeadingPath.
type Section struct {
	// HeadingPath is the chain of headings from the outermost to this
	// section's own heading, e.g. ["Billing", "Refunds"].
	HeadingPath []string
	// Level is the heading level of the last element of HeadingPath (1–6), 0
	// for the untitled leading section and for Q&A pairs.
	Level int
	// Page is the 1-based page the section starts on (PDF), 0 otherwise.
	Page int
	// Anchor is a fragment that points at the section inside its source,
	// without "#": an HTML element id, a slug of a Markdown heading, or
	// "page=N" for a PDF page. Empty when there is nothing to point at.
	Anchor string
	Blocks []Block
}

// BlockKind tells how a block's text is laid out.
type BlockKind string

const (
	BlockParagraph BlockKind = "paragraph"
	BlockList      BlockKind = "list"  // Text has one "- item" (or "1. item") line per item
	BlockTable     BlockKind = "table" // Text has one "| a | b |" line per row, a "| --- |" line after the header
	BlockCode      BlockKind = "code"
	BlockQuote     BlockKind = "quote"
)

// Block is one paragraph, list, table, code block or quote. Text is its
// rendering as plain, Markdown-ish text, which is what gets chunked; Items and
// Rows keep the structure of lists and tables for callers that show it.
type Block struct {
	Kind  BlockKind
	Text  string
	Items []string   // list items, for BlockList
	Rows  [][]string // table rows, header first, for BlockTable
	Page  int        // 1-based page (PDF), 0 otherwise
}

// Text returns the whole document as plain text: headings as Markdown
// headings, blocks separated by blank lines. It is meant for hashing,
// previews and tests, not for indexing (index chunks).
func (d Document) Text() string {
	var b strings.Builder
	for _, s := range d.Sections {
		if n := len(s.HeadingPath); n > 0 {
			lvl := s.Level
			if lvl < 1 {
				lvl = 1
			}
			if lvl > 6 {
				lvl = 6
			}
			b.WriteString(strings.Repeat("#", lvl) + " " + s.HeadingPath[n-1] + "\n\n")
		}
		for _, bl := range s.Blocks {
			b.WriteString(bl.Text)
			b.WriteString("\n\n")
		}
	}
	return strings.TrimSpace(b.String())
}

// Empty reports whether the document holds no text at all.
func (d Document) Empty() bool {
	for _, s := range d.Sections {
		if len(s.Blocks) > 0 || len(s.HeadingPath) > 0 {
			return false
		}
	}
	return true
}

package extract

import "strings"

// ChunkOpts shape the chunks of a document. Zero fields take defaults.
type ChunkOpts struct {
	// MaxTokens bounds a chunk's EmbedText (context prefix + text), as
	// counted by CountTokens (default 400).
	MaxTokens int
	// OverlapTokens is how much of the end of a chunk is repeated at the start
	// of the next one when a section is split (default 50; never more than
	// half of MaxTokens). Chunks of different sections never overlap.
	OverlapTokens int
	// MinTokens: a section smaller than this is merged into the next chunk of
	// the same parent heading instead of standing alone (default 0: never merge).
	MinTokens int
}

// Chunk is one unit of retrieval: a piece of one section with the context
// needed to understand it on its own and to cite it.
type Chunk struct {
	Index int // position in the document, from 0
	// Text is the chunk's own text (paragraphs, list lines, table rows).
	Text string
	// ContextPrefix is the document title and heading path, "Title › H1 ›
	// H2"; EmbedText prepends it for embedding and keyword indexing.
	ContextPrefix string
	HeadingPath   []string
	Page          int // first page of the chunk (PDF), 0 otherwise
	LastPage      int // last page of the chunk (PDF), 0 otherwise
	Anchor        string
	Tokens        int // CountTokens(EmbedText())
}

// EmbedText is what gets embedded and keyword-indexed: the context prefix,
// a blank line, the text.
func (c Chunk) EmbedText() string {
	if c.ContextPrefix == "" {
		return c.Text
	}
	return c.ContextPrefix + "\n\n" + c.Text
}

// contextPrefix joins the title and heading path.
func contextPrefix(title string, path []string) string {
	parts := make([]string, 0, len(path)+1)
	if t := strings.TrimSpace(title); t != "" {
		parts = append(parts, t)
	}
	for _, h := range path {
		if h = strings.TrimSpace(h); h != "" && (len(parts) == 0 || parts[len(parts)-1] != h) {
			parts = append(parts, h)
		}
	}
	return strings.Join(parts, " › ")
}

// Chunks cuts a document into chunks by structure: each section on its own,
// its blocks packed up to the token budget; a block larger than the budget is
// split at sentence and then word boundaries, with OverlapTokens repeated
// between consecutive pieces of one section.
func Chunks(doc Document, opts ChunkOpts) []Chunk {
	panic("implemented in the next commit")
}

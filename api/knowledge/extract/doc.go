// Package extract reads the files a knowledge source is made of (PDF, DOCX,
// HTML, Markdown, plain text, CSV of question,answer pairs) into a Document of
// sections that keep headings, lists, tables, page numbers and anchors, and
// cuts a Document into Chunks for retrieval. It is pure Go, has no database
// and no network, and is safe on hostile input: limits are checked before work
// is done, and a bad file fails with an *Error naming the reason or limit.
package extract

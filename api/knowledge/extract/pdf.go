package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"

	"github.com/klippa-app/go-pdfium"
	pdfiumerrors "github.com/klippa-app/go-pdfium/errors"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/responses"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// PDFium runs as WebAssembly inside the process (wazero; no cgo). The pool is
// made on first use, once: compiling the module costs about a second, after
// which each worker is a sandboxed module instance with no file system, its
// own memory limit, and a context that kills it when a document takes too long.
var pdfEngine struct {
	once sync.Once
	pool pdfium.Pool
	err  error
}

// PDFWorkers bounds how many PDFs are read at once in this process (each
// worker is a PDFium instance with up to PDFMemoryLimit bytes of memory). Set
// it before the first PDF is read.
var PDFWorkers = min(runtime.GOMAXPROCS(0), 4)

// PDFMemoryLimit bounds the memory of one PDFium worker. A PDF that needs
// more fails as corrupt rather than taking the process down.
var PDFMemoryLimit int64 = 1 << 30

// PDFCacheDir is where the compiled PDFium module is cached between runs
// (compiling it takes seconds; loading it from the cache, well under one).
// Empty: the user's cache directory (os.UserCacheDir()/konstruct/pdfium), or no
// cache when there is none. "-" turns the cache off.
var PDFCacheDir = ""

func pdfCacheDir() string {
	switch PDFCacheDir {
	case "-":
		return ""
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		// wazero keys its cache by its own version, which it cannot see in
		// every build ("dev"); key the directory by the versions of both
		// modules so an upgrade never loads code compiled by another version.
		v := buildVersions("github.com/tetratelabs/wazero", "github.com/klippa-app/go-pdfium")
		if v == "" {
			return ""
		}
		return filepath.Join(base, "konstruct", "pdfium", v)
	default:
		return PDFCacheDir
	}
}

func pdfPool() (pdfium.Pool, error) {
	pdfEngine.once.Do(func() {
		rc := wazero.NewRuntimeConfig()
		if dir := pdfCacheDir(); dir != "" {
			if cache, err := wazero.NewCompilationCacheWithDir(dir); err == nil {
				rc = rc.WithCompilationCache(cache)
			}
		}
		rc = rc.
			WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling).
			WithCloseOnContextDone(true).
			WithMemoryLimitPages(uint32(PDFMemoryLimit / 65536))
		pdfEngine.pool, pdfEngine.err = webassembly.Init(webassembly.Config{
			MinIdle:       0,
			MaxIdle:       1,
			MaxTotal:      max(PDFWorkers, 1),
			FSConfig:      wazero.NewFSConfig(), // nothing mounted: documents are passed as bytes
			RuntimeConfig: rc,
			Stdout:        io.Discard,
			Stderr:        io.Discard,
			ReuseWorkers:  true,
		})
	})
	return pdfEngine.pool, pdfEngine.err
}

// pdfText is one line of a page as PDFium laid it out.
type pdfText struct {
	text        string
	size        float64 // font size in points
	top, bottom float64 // points from the page's bottom
	left        float64
}

type pdfPage struct {
	lines []pdfText
}

func extractPDF(ctx context.Context, body []byte, lim Limits) (doc Document, err error) {
	pool, err := pdfPool()
	if err != nil {
		return Document{}, fmt.Errorf("starting the PDF reader: %w", err)
	}
	// Waiting for a worker is bounded by the caller's context only: a busy
	// pool is not the file's fault. Limits.Timeout starts once PDFium has it.
	inst, err := pool.GetInstanceWithContext(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return Document{}, fmt.Errorf("waiting for a PDF reader: %w", context.Cause(ctx))
		}
		return Document{}, fmt.Errorf("getting a PDF reader: %w", err)
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	// A document that makes PDFium loop or run away is stopped by killing
	// its worker when the deadline passes (the runtime closes a module whose
	// context is done); the pool makes a new one.
	stop := make(chan struct{})
	killed := make(chan bool, 1)
	go func() {
		select {
		case <-ctx.Done():
			_ = inst.Kill()
			killed <- true
		case <-stop:
			killed <- false
		}
	}()
	defer func() {
		close(stop)
		if !<-killed {
			_ = inst.Close()
		}
		if r := recover(); r != nil {
			doc, err = Document{}, refuse(ErrCorrupt, fmt.Errorf("pdfium: %v", r), "the PDF could not be read")
		}
		if err != nil && ctx.Err() != nil {
			if parent.Err() != nil {
				doc, err = Document{}, context.Cause(parent)
			} else {
				doc, err = Document{}, refuse(ErrCorrupt, err, "the PDF could not be read within %s", lim.Timeout)
			}
		}
	}()

	opened, err := inst.OpenDocument(&requests.OpenDocument{File: &body})
	if err != nil {
		switch {
		case errors.Is(err, pdfiumerrors.ErrPassword):
			return Document{}, refuse(ErrEncrypted, err, "the PDF is protected by a password; upload it without one")
		case errors.Is(err, pdfiumerrors.ErrSecurity):
			return Document{}, refuse(ErrEncrypted, err, "the PDF is encrypted with a method that cannot be read; upload it without encryption")
		default:
			return Document{}, refuse(ErrCorrupt, err, "the PDF is damaged or not a PDF")
		}
	}
	defer inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: opened.Document})

	count, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: opened.Document})
	if err != nil {
		return Document{}, refuse(ErrCorrupt, err, "the PDF's pages could not be counted")
	}
	if count.PageCount > lim.MaxPages {
		return Document{}, overLimit(ErrTooManyPages, int64(lim.MaxPages), int64(count.PageCount),
			"the PDF has %d pages; the limit is %d", count.PageCount, lim.MaxPages)
	}
	doc = Document{Format: FormatPDF, Pages: count.PageCount}
	if meta, err := inst.FPDF_GetMetaText(&requests.FPDF_GetMetaText{Document: opened.Document, Tag: "Title"}); err == nil {
		doc.Title = cleanSpace(meta.Value)
	}

	pages := make([]pdfPage, count.PageCount)
	var textBytes int64
	for i := range pages {
		if err := ctx.Err(); err != nil {
			return Document{}, err
		}
		res, err := inst.GetPageTextStructured(&requests.GetPageTextStructured{
			Page:                   requests.Page{ByIndex: &requests.PageByIndex{Document: opened.Document, Index: i}},
			Mode:                   requests.GetPageTextStructuredModeRects,
			CollectFontInformation: true,
		})
		if err != nil {
			return Document{}, refuse(ErrCorrupt, err, "page %d of the PDF could not be read", i+1)
		}
		pages[i] = pdfLines(res)
		for _, l := range pages[i].lines {
			textBytes += int64(len(l.text))
		}
		if textBytes > lim.MaxTextBytes {
			return Document{}, overLimit(ErrTooLarge, lim.MaxTextBytes, textBytes,
				"the PDF holds more than %s of text; the limit is %s", humanBytes(lim.MaxTextBytes), humanBytes(lim.MaxTextBytes))
		}
	}
	if doc.Sections, err = pdfSections(pages, lim.MaxTextBytes); err != nil {
		return Document{}, err
	}
	if doc.Title == "" {
		doc.Title = firstHeading(doc)
	}
	return doc, nil
}

// pdfLines groups PDFium's rects (runs of text with one font on one line)
// into lines, top to bottom, left to right.
func pdfLines(res *responses.GetPageTextStructured) pdfPage {
	rects := make([]pdfText, 0, len(res.Rects))
	for _, r := range res.Rects {
		if r == nil || strings.TrimSpace(r.Text) == "" {
			continue
		}
		size := 0.0
		if r.FontInformation != nil {
			size = r.FontInformation.RenderedSize
			if size <= 0 {
				size = r.FontInformation.Size
			}
		}
		if size <= 0 {
			size = math.Abs(r.PointPosition.Top - r.PointPosition.Bottom)
		}
		rects = append(rects, pdfText{text: r.Text, size: size, top: r.PointPosition.Top, bottom: r.PointPosition.Bottom, left: r.PointPosition.Left})
	}
	// Rects come in content order; sort top to bottom, then join the rects
	// that share a line.
	sort.SliceStable(rects, func(a, b int) bool {
		ra, rb := rects[a], rects[b]
		if math.Abs(ra.top-rb.top) > 0.5*math.Min(ra.size, rb.size) {
			return ra.top > rb.top
		}
		return ra.left < rb.left
	})
	var lines []pdfText
	for _, r := range rects {
		if n := len(lines); n > 0 && math.Abs(lines[n-1].top-r.top) <= 0.5*math.Min(lines[n-1].size, r.size) {
			l := &lines[n-1]
			l.text += " " + r.text
			l.size = math.Max(l.size, r.size)
			l.bottom = math.Min(l.bottom, r.bottom)
			continue
		}
		lines = append(lines, r)
	}
	return pdfPage{lines: lines}
}

func buildVersions(paths ...string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var parts []string
	for _, p := range paths {
		found := ""
		for _, d := range info.Deps {
			if d.Path == p {
				if d.Replace != nil {
					d = d.Replace
				}
				found = d.Version
			}
		}
		if found == "" || found == "(devel)" {
			return ""
		}
		parts = append(parts, path.Base(p)+"@"+found)
	}
	return strings.Join(parts, "+")
}

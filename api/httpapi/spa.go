package httpapi

import (
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// spa serves the built portal: files as they are, with a year-long cache for
// Vite's hashed assets and none for index.html, and index.html for any other
// path so client-side routes survive a reload. Paths under /api never fall
// back: an unknown API route is a 404 problem.
//
// The build writes a brotli (.br) and a gzip (.gz) copy next to every text
// file (vite-plugin-compression2); a browser that accepts one gets it with
// Content-Encoding, so nothing is compressed per request.
func spa(dir string) echo.HandlerFunc {
	root := http.Dir(dir)
	return func(c echo.Context) error {
		p := path.Clean("/" + c.Param("*"))
		if strings.HasPrefix(p, "/api/") || p == "/api" {
			return echo.ErrNotFound
		}
		if f, err := root.Open(p); err == nil {
			st, statErr := f.Stat()
			f.Close()
			if statErr == nil && !st.IsDir() {
				cache := "no-cache"
				if strings.HasPrefix(p, "/assets/") {
					cache = "public, max-age=31536000, immutable"
				}
				return serveStatic(c, dir, p, cache)
			}
		}
		if path.Ext(p) != "" && !strings.HasSuffix(p, ".html") {
			return echo.ErrNotFound // a missing asset is not a page
		}
		if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
			return c.HTML(http.StatusOK, portalMissing)
		}
		return serveStatic(c, dir, "/index.html", "no-cache")
	}
}

// encodings are the precompressed copies the build writes, best first.
var encodings = []struct{ token, ext string }{{"br", ".br"}, {"gzip", ".gz"}}

// serveStatic serves the file at p under dir, or its precompressed copy when
// the request accepts that encoding.
func serveStatic(c echo.Context, dir, p, cacheControl string) error {
	h := c.Response().Header()
	h.Set("Cache-Control", cacheControl)
	h.Add("Vary", "Accept-Encoding")
	name := filepath.Join(dir, filepath.FromSlash(p))
	accept := c.Request().Header.Get("Accept-Encoding")
	for _, enc := range encodings {
		if !accepts(accept, enc.token) {
			continue
		}
		f, err := os.Open(name + enc.ext)
		if err != nil {
			continue
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil || st.IsDir() {
			continue
		}
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		h.Set(echo.HeaderContentType, ctype)
		h.Set(echo.HeaderContentEncoding, enc.token)
		http.ServeContent(c.Response(), c.Request(), p, st.ModTime(), f)
		return nil
	}
	return c.File(name)
}

// accepts reports whether an Accept-Encoding header admits token: listed
// (or "*") with a quality above zero.
func accepts(header, token string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for _, param := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(param), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		switch name = strings.TrimSpace(name); {
		case strings.EqualFold(name, token):
			return q > 0
		case name == "*":
			star = q > 0
		}
	}
	return star
}

const portalMissing = `<!doctype html><meta charset="utf-8"><title>Konstruct</title>
<p>The portal has not been built. Run <code>go tool task dev</code> (or <code>npm --prefix frontend run build</code>)
and reload. The API is up: see <a href="/api/docs">/api/docs</a>.</p>`

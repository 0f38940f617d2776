package httpapi

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/labstack/echo/v4"
)

// spa serves the built portal: files as they are, with a year-long cache for
// Vite's hashed assets and none for index.html, and index.html for any other
// path so client-side routes survive a reload. Paths under /api never fall
// back: an unknown API route is a 404 problem.
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
				if strings.HasPrefix(p, "/assets/") {
					c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				} else {
					c.Response().Header().Set("Cache-Control", "no-cache")
				}
				return c.File(filepath.Join(dir, filepath.FromSlash(p)))
			}
		}
		if path.Ext(p) != "" && !strings.HasSuffix(p, ".html") {
			return echo.ErrNotFound // a missing asset is not a page
		}
		index := filepath.Join(dir, "index.html")
		if _, err := os.Stat(index); err != nil {
			return c.HTML(http.StatusOK, portalMissing)
		}
		c.Response().Header().Set("Cache-Control", "no-cache")
		return c.File(index)
	}
}

const portalMissing = `<!doctype html><meta charset="utf-8"><title>Konstruct</title>
<p>The portal has not been built. Run <code>go tool task dev</code> (or <code>npm --prefix frontend run build</code>)
and reload. The API is up: see <a href="/api/docs">/api/docs</a>.</p>`

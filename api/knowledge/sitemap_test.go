package knowledge

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/dbtest"
	"github.com/konstruct/konstruct/api/memory"
	"github.com/konstruct/konstruct/api/netguard"
)

// site is an httptest web site whose handlers are set per test, recording
// every path requested.
type site struct {
	*httptest.Server
	mu    sync.Mutex
	paths []string
}

func newSite(t *testing.T, routes map[string]http.HandlerFunc) *site {
	t.Helper()
	s := &site{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.paths = append(s.paths, r.URL.Path)
		s.mu.Unlock()
		if h, ok := routes[r.URL.Path]; ok {
			h(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *site) requested() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.paths)
}

func count(paths []string, p string) int {
	n := 0
	for _, x := range paths {
		if x == p {
			n++
		}
	}
	return n
}

func htmlPage(title string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><head><title>%s</title></head><body><h1>%s</h1><p>%s explains refunds, shipping and returns in detail.</p></body></html>",
			title, title, title)
	}
}

func xmlBody(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write([]byte(body))
	}
}

func gzipBody(body string) http.HandlerFunc {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(body))
	_ = zw.Close()
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/gzip") // a .xml.gz file, not Content-Encoding
		_, _ = w.Write(buf.Bytes())
	}
}

func redirectTo(target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target, http.StatusFound) }
}

func urlset(locs ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
	for _, l := range locs {
		fmt.Fprintf(&b, "<url><loc>\n  %s\n</loc><lastmod>2026-01-01</lastmod></url>", l)
	}
	return b.String() + "</urlset>"
}

func sitemapIndex(locs ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
	for _, l := range locs {
		fmt.Fprintf(&b, "<sitemap><loc>%s</loc></sitemap>", l)
	}
	return b.String() + "</sitemapindex>"
}

// syncSite adds a site source and syncs it; it returns the paths of the
// documents indexed, sorted, the source's status and its error.
func syncSite(t *testing.T, db *dbtest.DB, svc *Service, rawURL string, maxPages, maxDepth int) ([]string, string, string) {
	t.Helper()
	ctx := context.Background()
	tenant, source := uuid.New(), uuid.New()
	_, err := db.Owner.Exec(ctx, "INSERT INTO tenants (id, name) VALUES ($1, 'sitemaps')", tenant)
	require.NoError(t, err)
	_, err = db.Owner.Exec(ctx, `INSERT INTO knowledge_sources (id, tenant_id, kind, title, status, url, max_pages, max_depth)
		VALUES ($1, $2, 'site', 'Help centre', 'queued', $3, $4, $5)`, source, tenant, rawURL, maxPages, maxDepth)
	require.NoError(t, err)
	_ = svc.SyncNow(ctx, tenant, source)
	var status, reason string
	require.NoError(t, db.Owner.QueryRow(ctx, "SELECT status, error FROM knowledge_sources WHERE id = $1", source).Scan(&status, &reason))
	rows, err := db.Owner.Query(ctx, "SELECT url FROM knowledge_documents WHERE source_id = $1", source)
	require.NoError(t, err)
	defer rows.Close()
	var paths []string
	for rows.Next() {
		var u string
		require.NoError(t, rows.Scan(&u))
		paths = append(paths, u[strings.Index(u[len("http://"):], "/")+len("http://"):])
	}
	slices.Sort(paths)
	return paths, status, reason
}

func TestSiteSitemaps(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	// Loopback is allowed so the test servers can be reached; link-local
	// (cloud metadata) addresses stay refused whatever the policy.
	svc := New(Opts{Store: db.Store, Embedder: memory.Offline{}, Policy: netguard.Policy{AllowPrivate: true}})

	t.Run("IndexNestedGzipSameOriginOnly", func(t *testing.T) {
		t.Parallel()
		other := newSite(t, map[string]http.HandlerFunc{"/evil": htmlPage("Elsewhere"), "/sitemap.xml": xmlBody(urlset("/x"))})
		var s *site
		s = newSite(t, map[string]http.HandlerFunc{
			"/": htmlPage("Home"),
			"/robots.txt": func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, "User-agent: *\nDisallow: /private\nSitemap: %s/sitemap.xml\nSitemap: %s/maps/index.xml\n", other.URL, s.URL)
			},
			"/maps/index.xml": func(w http.ResponseWriter, r *http.Request) {
				// It lists itself too: each sitemap is read once.
				xmlBody(sitemapIndex(s.URL+"/maps/pages.xml.gz", other.URL+"/sitemap.xml", s.URL+"/maps/more.xml", s.URL+"/maps/index.xml"))(w, r)
			},
			"/maps/pages.xml.gz": func(w http.ResponseWriter, r *http.Request) {
				gzipBody(urlset(s.URL+"/refunds", s.URL+"/shipping#top", other.URL+"/evil", s.URL+"/private/salaries",
					s.URL+"/metadata", s.URL+"/refunds"))(w, r)
			},
			"/maps/more.xml":    func(w http.ResponseWriter, r *http.Request) { xmlBody(sitemapIndex(s.URL+"/maps/returns.xml"))(w, r) },
			"/maps/returns.xml": func(w http.ResponseWriter, r *http.Request) { xmlBody(urlset(s.URL+"/returns"))(w, r) },
			"/refunds":          htmlPage("Refunds"),
			"/shipping":         htmlPage("Shipping"),
			"/returns":          htmlPage("Returns"),
			"/private/salaries": htmlPage("Salaries"),
			"/metadata":         redirectTo("http://169.254.169.254/latest/meta-data/"),
		})
		paths, status, reason := syncSite(t, db, svc, s.URL+"/", 100, 0)
		require.Equal(t, "ready", status, reason)
		require.Equal(t, []string{"/", "/refunds", "/returns", "/shipping"}, paths,
			"the index's sitemaps (gzip'd, nested) give the pages; robots.txt's disallow holds; the redirect to a link-local address is refused")
		require.Empty(t, other.requested(), "another origin's sitemap and pages are never fetched")
		require.NotContains(t, s.requested(), "/private/salaries")
		require.Equal(t, 1, count(s.requested(), "/maps/index.xml"))
	})

	t.Run("PageLimitRespected", func(t *testing.T) {
		t.Parallel()
		var s *site
		s = newSite(t, map[string]http.HandlerFunc{
			"/": htmlPage("Home"),
			// No robots.txt: /sitemap.xml is tried.
			"/sitemap.xml": func(w http.ResponseWriter, r *http.Request) {
				xmlBody(urlset(s.URL+"/a", s.URL+"/b", s.URL+"/c", s.URL+"/d"))(w, r)
			},
			"/a": htmlPage("A"), "/b": htmlPage("B"), "/c": htmlPage("C"), "/d": htmlPage("D"),
		})
		paths, status, reason := syncSite(t, db, svc, s.URL+"/", 3, 2)
		require.Equal(t, "ready", status, reason)
		require.Equal(t, []string{"/", "/a", "/b"}, paths)
		require.NotContains(t, s.requested(), "/c")
		require.NotContains(t, s.requested(), "/d")
	})

	t.Run("StartURLIsTheSitemap", func(t *testing.T) {
		t.Parallel()
		var s *site
		s = newSite(t, map[string]http.HandlerFunc{
			"/docs/sitemap.xml": func(w http.ResponseWriter, r *http.Request) { xmlBody(urlset(s.URL+"/docs/a", s.URL+"/docs/b"))(w, r) },
			"/docs/a":           htmlPage("A"),
			"/docs/b":           htmlPage("B"),
		})
		paths, status, reason := syncSite(t, db, svc, s.URL+"/docs/sitemap.xml", 10, 0)
		require.Equal(t, "ready", status, reason)
		require.Equal(t, []string{"/docs/a", "/docs/b"}, paths, "the sitemap itself is not a page")
	})

	t.Run("NoSitemapCrawlsAsBefore", func(t *testing.T) {
		t.Parallel()
		s := newSite(t, map[string]http.HandlerFunc{
			"/": func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprint(w, `<html><head><title>Home</title></head><body><p>Welcome to the help centre for refunds.</p><a href="/faq">FAQ</a></body></html>`)
			},
			"/faq": htmlPage("FAQ"),
			// A site that answers every path with a page: not a sitemap.
			"/sitemap.xml": htmlPage("Not found, but 200"),
		})
		paths, status, reason := syncSite(t, db, svc, s.URL+"/", 10, 1)
		require.Equal(t, "ready", status, reason)
		require.Equal(t, []string{"/", "/faq"}, paths)
	})

	t.Run("GzipBeyondTheFileLimitSkipped", func(t *testing.T) {
		t.Parallel()
		small := New(Opts{Store: db.Store, Embedder: memory.Offline{}, Policy: netguard.Policy{AllowPrivate: true}, FileMaxBytes: 8 << 10})
		var s *site
		s = newSite(t, map[string]http.HandlerFunc{
			"/": htmlPage("Home"),
			"/sitemap.xml": func(w http.ResponseWriter, r *http.Request) {
				locs := make([]string, 2000) // ~70 KB of XML, well under 8 KB gzip'd
				for i := range locs {
					locs[i] = fmt.Sprintf("%s/p%d", s.URL, i)
				}
				gzipBody(urlset(locs...))(w, r)
			},
			"/p0": htmlPage("P0"),
		})
		paths, status, reason := syncSite(t, db, small, s.URL+"/", 10, 0)
		require.Equal(t, "ready", status, reason)
		require.Equal(t, []string{"/"}, paths, "a sitemap past the limit once decompressed is not read")
		require.NotContains(t, s.requested(), "/p0")
	})

	t.Run("SitemapRedirectToPrivateAddressFails", func(t *testing.T) {
		t.Parallel()
		s := newSite(t, map[string]http.HandlerFunc{"/sitemap.xml": redirectTo("http://169.254.169.254/sitemap.xml")})
		paths, status, reason := syncSite(t, db, svc, s.URL+"/sitemap.xml", 10, 0)
		require.Equal(t, "failed", status)
		require.Contains(t, reason, "private address")
		require.Empty(t, paths)
	})

	t.Run("PrivateAddressRefusedByDefault", func(t *testing.T) {
		t.Parallel()
		strict := New(Opts{Store: db.Store, Embedder: memory.Offline{}})
		s := newSite(t, map[string]http.HandlerFunc{"/sitemap.xml": xmlBody(urlset("/a"))})
		_, status, reason := syncSite(t, db, strict, s.URL+"/sitemap.xml", 10, 0)
		require.Equal(t, "failed", status)
		require.Contains(t, reason, "private")
		require.Empty(t, s.requested(), "nothing is fetched from a loopback address under the default policy")
	})
}

func TestParseSitemap(t *testing.T) {
	t.Parallel()
	kind, locs, err := parseSitemap([]byte(urlset("https://a.example/1", "https://a.example/2?x=1&amp;y=2")))
	require.NoError(t, err)
	require.Equal(t, "urlset", kind)
	require.Equal(t, []string{"https://a.example/1", "https://a.example/2?x=1&y=2"}, locs)

	kind, locs, err = parseSitemap([]byte(sitemapIndex("https://a.example/s1.xml")))
	require.NoError(t, err)
	require.Equal(t, "sitemapindex", kind)
	require.Equal(t, []string{"https://a.example/s1.xml"}, locs)

	for _, bad := range []string{"<html><body>hi</body></html>", "not xml at all", "",
		`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><urlset><url><loc>&lol2;</loc></url></urlset>`} {
		_, locs, err := parseSitemap([]byte(bad))
		if err == nil {
			require.Empty(t, locs, "no entity is expanded: %q", bad)
		}
	}
	require.Equal(t, []string{"https://a.example/x.xml"}, robotsSitemaps([]byte("User-agent: *\nDisallow: /a\nSITEMAP: https://a.example/x.xml # main\n")))
}

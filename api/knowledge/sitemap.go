package knowledge

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Sitemap bounds for one sync.
const (
	// maxSitemaps is how many sitemap files one sync reads.
	maxSitemaps = 50
	// maxSitemapDepth is how deep sitemap indexes may nest (the protocol
	// allows one level; a second is tolerated).
	maxSitemapDepth = 3
	// maxSitemapLocs is how many <loc> entries one file may give (the
	// protocol's own limit per file).
	maxSitemapLocs = 50_000
)

// errNotSitemap is a document that is neither a <urlset> nor a <sitemapindex>.
var errNotSitemap = errors.New("knowledge: not a sitemap")

// sitemapPages lists a site's pages from its sitemaps: the start URL itself
// when it names one (its path ends in .xml or .xml.gz or mentions
// "sitemap", and it parses as one), else the sitemaps robots.txt lists, else
// <origin>/sitemap.xml when it exists. Sitemap indexes are followed (nested
// at most maxSitemapDepth, at most maxSitemaps files); gzip'd sitemaps are
// read within the file limit; only same-origin sitemaps and pages count,
// pages robots.txt disallows are left out, and no more than limit pages are
// returned. Every fetch goes through the network guard (s.fetch).
//
// startIsSitemap tells the crawl not to index the start URL as a page. A
// start URL that is a sitemap and cannot be read is an error (the source
// fails); any other sitemap that cannot be read is skipped.
func (s *Service) sitemapPages(ctx context.Context, client *http.Client, start *url.URL, fromRobots, disallow []string, limit int) (
	pages []*url.URL, startIsSitemap bool, err error) {
	type item struct {
		u     string
		depth int
		start bool
	}
	var queue []item
	if looksLikeSitemap(start) {
		queue = append(queue, item{start.String(), 0, true})
	} else {
		for _, raw := range fromRobots {
			if u, err := start.Parse(raw); err == nil && sameOrigin(u, start) {
				queue = append(queue, item{u.String(), 0, false})
			}
		}
		if len(queue) == 0 {
			queue = append(queue, item{(&url.URL{Scheme: start.Scheme, Host: start.Host, Path: "/sitemap.xml"}).String(), 0, false})
		}
	}
	seenMap, seenPage := map[string]bool{}, map[string]bool{}
	for fetched := 0; len(queue) > 0 && fetched < maxSitemaps && len(pages) < limit; {
		it := queue[0]
		queue = queue[1:]
		if seenMap[it.u] {
			continue // an index listing itself, or two indexes one sitemap
		}
		seenMap[it.u] = true
		fetched++
		kind, locs, err := s.readSitemap(ctx, client, it.u, start)
		if it.start {
			if errors.Is(err, errNotSitemap) {
				// A page whose name only looked like a sitemap: crawl it as a page,
				// and look for the site's sitemaps the usual way.
				more, _, err := s.sitemapPages(ctx, client, &url.URL{Scheme: start.Scheme, Host: start.Host, Path: "/"}, fromRobots, disallow, limit)
				return more, false, err
			}
			if err != nil {
				return nil, true, err
			}
			startIsSitemap = true
		}
		if err != nil {
			s.opts.Log.Info("knowledge: sitemap skipped", "url", it.u, "reason", err.Error())
			continue
		}
		for _, loc := range locs {
			u, err := start.Parse(loc)
			if err != nil || !sameOrigin(u, start) {
				continue // other sites' pages and sitemaps are not ours to read
			}
			u.Fragment = ""
			switch kind {
			case "sitemapindex":
				if it.depth+1 < maxSitemapDepth {
					queue = append(queue, item{u.String(), it.depth + 1, false})
				}
			case "urlset":
				if k := canonical(u); !seenPage[k] && !blocked(disallow, u.Path) && len(pages) < limit {
					seenPage[k] = true
					pages = append(pages, u)
				}
			}
		}
	}
	return pages, startIsSitemap, nil
}

// robotsSitemaps are robots.txt's Sitemap lines (they belong to no group).
func robotsSitemaps(body []byte) []string {
	var out []string
	for _, line := range strings.Split(string(body), "\n") {
		line, _, _ = strings.Cut(line, "#")
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), "sitemap") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// looksLikeSitemap is a start URL worth trying as a sitemap.
func looksLikeSitemap(u *url.URL) bool {
	p := strings.ToLower(u.Path)
	return strings.HasSuffix(p, ".xml") || strings.HasSuffix(p, ".xml.gz") || strings.Contains(p, "sitemap")
}

func sameOrigin(u, start *url.URL) bool {
	return u.Scheme == start.Scheme && strings.EqualFold(u.Host, start.Host)
}

// readSitemap fetches one sitemap through the network guard (redirects
// included; one that ends off the site is refused), gunzips it when it is
// gzip'd (within FileMaxBytes once decompressed) and returns its kind
// ("urlset" or "sitemapindex") and its <loc> values.
func (s *Service) readSitemap(ctx context.Context, client *http.Client, raw string, start *url.URL) (string, []string, error) {
	d, err := s.fetch(ctx, client, raw)
	if err != nil {
		return "", nil, err
	}
	if fu, err := url.Parse(d.url); err != nil || !sameOrigin(fu, start) {
		return "", nil, refuse(Invalid, "the sitemap %s redirects off the site", raw)
	}
	body := d.body
	if len(body) > 2 && body[0] == 0x1f && body[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return "", nil, refuse(Invalid, "the sitemap %s is not valid gzip", raw)
		}
		body, err = io.ReadAll(io.LimitReader(zr, s.opts.FileMaxBytes+1))
		if err != nil {
			return "", nil, refuse(Invalid, "the sitemap %s could not be decompressed: %v", raw, err)
		}
		if int64(len(body)) > s.opts.FileMaxBytes {
			return "", nil, refuse(TooLarge, "the sitemap %s is larger than the limit (KNOWLEDGE_FILE_MAX_BYTES, %d bytes) once decompressed",
				raw, s.opts.FileMaxBytes)
		}
	}
	kind, locs, err := parseSitemap(body)
	if err != nil {
		return "", nil, err
	}
	return kind, locs, nil
}

// parseSitemap reads a <urlset> or <sitemapindex> (any namespace) and its
// <loc> values, at most maxSitemapLocs. encoding/xml expands no entities
// beyond XML's five and reads no DTD, so entity bombs do not apply.
func parseSitemap(body []byte) (kind string, locs []string, err error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	var inLoc bool
	var loc strings.Builder
	for len(locs) < maxSitemapLocs {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if kind == "" {
				return "", nil, errNotSitemap
			}
			return kind, locs, nil // keep what a truncated file gave
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if kind == "" {
				if t.Name.Local != "urlset" && t.Name.Local != "sitemapindex" {
					return "", nil, errNotSitemap
				}
				kind = t.Name.Local
			}
			if t.Name.Local == "loc" {
				inLoc = true
				loc.Reset()
			}
		case xml.CharData:
			if inLoc {
				loc.Write(t)
			}
		case xml.EndElement:
			if t.Name.Local == "loc" && inLoc {
				inLoc = false
				if v := strings.TrimSpace(loc.String()); v != "" {
					locs = append(locs, v)
				}
			}
		}
	}
	if kind == "" {
		return "", nil, errNotSitemap
	}
	return kind, locs, nil
}

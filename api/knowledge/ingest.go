package knowledge

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun/dialect/pgdialect"
	"golang.org/x/net/html"

	"github.com/konstruct/konstruct/api/events"
	"github.com/konstruct/konstruct/api/netguard"
	"github.com/konstruct/konstruct/api/store"
)

// SyncArgs syncs one source: fetch, extract, chunk, embed, index.
type SyncArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	SourceID uuid.UUID `json:"source_id"`
}

// Kind names the job.
func (SyncArgs) Kind() string { return "knowledge.sync" }

// InsertOpts make a source's syncs unique while one is queued, scheduled,
// running or waiting to retry: two syncs of one source never run at once
// (they would interleave deletes and inserts of its documents and chunks).
// A sync asked for meanwhile is the one already under way.
func (SyncArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	}}}
}

// SyncWorker works SyncArgs.
type SyncWorker struct {
	river.WorkerDefaults[SyncArgs]
	Knowledge *Service
}

// Timeout allows a whole site to be crawled and embedded.
func (*SyncWorker) Timeout(*river.Job[SyncArgs]) time.Duration { return 10 * time.Minute }

// Work syncs the source. Bad input (a refused file, a page that cannot be
// fetched) fails the source with its reason and ends the job; anything else
// is returned to be retried.
func (w *SyncWorker) Work(ctx context.Context, job *river.Job[SyncArgs]) error {
	err := w.Knowledge.SyncNow(ctx, job.Args.TenantID, job.Args.SourceID)
	var r *Refusal
	if errors.As(err, &r) {
		return nil // recorded on the source
	}
	return err
}

// doc is one document to index.
type doc struct {
	url, name, contentType string
	body                   []byte
}

// SyncNow runs a source's sync in this goroutine (the job, the backfill and tests).
func (s *Service) SyncNow(ctx context.Context, tenantID, sourceID uuid.UUID) error {
	var src Source
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		if err := tx.NewSelect().Model(&src).Where("id = ?", sourceID).Scan(ctx); err != nil {
			return err
		}
		return s.setStatus(ctx, tx, sourceID, StatusFetching, "")
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil // deleted since
	}
	if err != nil {
		return err
	}
	err = s.sync(ctx, tenantID, &src)
	if err == nil {
		// The vector index follows the chunks; a failure here costs speed
		// (unassigned chunks are always searched), not answers.
		if _, ierr := s.MaintainIVF(ctx, tenantID); ierr != nil {
			s.opts.Log.Warn("knowledge: vector index not maintained", "tenant_id", tenantID, "error", ierr)
		}
	}
	var r *Refusal
	if errors.As(err, &r) {
		if ferr := s.opts.Store.WithTenant(context.WithoutCancel(ctx), tenantID, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE knowledge_sources SET status = 'failed', error = ?, updated_at = now(), last_synced_at = now(),
				next_sync_at = CASE WHEN resync_hours > 0 AND kind IN ('url', 'site') THEN now() + resync_hours * interval '1 hour' END WHERE id = ?`,
				r.Message, sourceID)
			if err != nil {
				return err
			}
			return events.Record(ctx, tx, events.KnowledgeSourceFailed{SourceID: sourceID, Name: src.Title, Reason: r.Message})
		}); ferr != nil {
			return ferr
		}
	}
	return err
}

func (s *Service) setStatus(ctx context.Context, tx store.Tx, id uuid.UUID, status, reason string) error {
	_, err := tx.ExecContext(ctx, "UPDATE knowledge_sources SET status = ?, error = ?, updated_at = now() WHERE id = ?", status, reason, id)
	return err
}

func (s *Service) sync(ctx context.Context, tenantID uuid.UUID, src *Source) error {
	var docs []doc
	switch src.Kind {
	case KindFile:
		docs = []doc{{name: src.FileName, contentType: src.ContentType, body: src.FileBody}}
	case KindSnippet:
		text := src.Text
		if src.Question != "" {
			text = "Q: " + src.Question + "\n\nA: " + src.Text
		}
		docs = []doc{{name: "snippet.txt", contentType: "text/plain", body: []byte(text)}}
	case KindURL:
		d, err := s.fetch(ctx, s.opts.Policy.Client(s.opts.FetchTimeout), src.URL)
		if err != nil {
			return err
		}
		docs = []doc{d}
	case KindSite:
		var err error
		if docs, err = s.crawl(ctx, tenantID, src); err != nil {
			return err
		}
	}
	if err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE knowledge_sources SET status = 'indexing', progress_done = 0, progress_total = ?, updated_at = now() WHERE id = ?",
			len(docs), src.ID)
		return err
	}); err != nil {
		return err
	}
	var hashes []string
	var total int64
	kept := []string{}
	for i, d := range docs {
		sum := sha256.Sum256(d.body)
		hash := hex.EncodeToString(sum[:])
		hashes = append(hashes, hash)
		total += int64(len(d.body))
		kept = append(kept, d.url)
		if err := s.index(ctx, tenantID, src, d, hash); err != nil {
			var r *Refusal
			if errors.As(err, &r) && src.Kind == KindSite {
				s.opts.Log.Info("knowledge: page skipped", "source_id", src.ID, "url", d.url, "reason", r.Message)
				continue // one bad page does not fail a site
			}
			return err
		}
		if err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE knowledge_sources SET progress_done = ? WHERE id = ?", i+1, src.ID)
			return err
		}); err != nil {
			return err
		}
	}
	sort.Strings(hashes)
	all := sha256.Sum256([]byte(strings.Join(hashes, "\n")))
	return s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		// Pages no longer found go, with their chunks.
		if _, err := tx.ExecContext(ctx, "DELETE FROM knowledge_documents WHERE source_id = ? AND NOT (url = ANY(?::text[]))",
			src.ID, pgdialect.Array(kept)); err != nil {
			return err
		}
		hash := hex.EncodeToString(all[:])
		if src.Kind == KindFile {
			hash = hashes[0] // a file's hash is its bytes' (dedup on upload)
		}
		if src.Kind == KindFile || src.Kind == KindSnippet {
			total = src.Bytes
		}
		_, err := tx.ExecContext(ctx, `UPDATE knowledge_sources SET status = 'ready', error = '', content_hash = ?, bytes = ?,
			last_synced_at = now(), updated_at = now(),
			next_sync_at = CASE WHEN resync_hours > 0 AND kind IN ('url', 'site') THEN now() + resync_hours * interval '1 hour' END
			WHERE id = ?`, hash, total, src.ID)
		if err != nil {
			return err
		}
		var chunks int
		if err := tx.NewRaw("SELECT count(*) FROM knowledge_chunks WHERE source_id = ?", src.ID).Scan(ctx, &chunks); err != nil {
			return err
		}
		return events.Record(ctx, tx, events.KnowledgeSourceReady{SourceID: src.ID, Name: src.Title, Chunks: chunks})
	})
}

// index extracts, chunks, embeds and stores one document, unless a document
// with the same URL and content hash is already indexed by this embedder.
func (s *Service) index(ctx context.Context, tenantID uuid.UUID, src *Source, d doc, hash string) error {
	var unchanged bool
	if err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		return tx.NewRaw(`SELECT EXISTS (SELECT FROM knowledge_documents d WHERE d.source_id = ? AND d.url = ? AND d.content_hash = ?
			AND NOT EXISTS (SELECT FROM knowledge_chunks c WHERE c.document_id = d.id AND c.embedder <> ?))`,
			src.ID, d.url, hash, s.opts.Embedder.ID()).Scan(ctx, &unchanged)
	}); err != nil || unchanged {
		return err
	}
	ex, err := s.opts.Extractor.Extract(ctx, d.name, d.contentType, d.body)
	if err != nil {
		return err
	}
	title := src.Title
	if src.Kind == KindSite && ex.Title != "" {
		title = ex.Title
	}
	texts := make([]string, len(ex.Passages))
	for i, p := range ex.Passages {
		texts[i] = embedText(title, p)
	}
	vecs := make([][]float32, 0, len(texts))
	for i := 0; i < len(texts); i += 64 {
		v, err := s.opts.Embedder.Embed(ctx, texts[i:min(i+64, len(texts))])
		if err != nil {
			return fmt.Errorf("knowledge: embed: %w", err)
		}
		vecs = append(vecs, v...)
	}
	return s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		var docID uuid.UUID
		err := tx.NewRaw(`INSERT INTO knowledge_documents (id, tenant_id, source_id, url, title, content_hash, bytes, chunks)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id, source_id, url) DO UPDATE SET title = EXCLUDED.title, content_hash = EXCLUDED.content_hash,
			bytes = EXCLUDED.bytes, chunks = EXCLUDED.chunks, updated_at = now() RETURNING id`,
			uuid.New(), tenantID, src.ID, d.url, title, hash, len(d.body), len(ex.Passages)).Scan(ctx, &docID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM knowledge_chunks WHERE document_id = ?", docID); err != nil {
			return err
		}
		// 100 chunks per INSERT: one round trip, and one run of the statistics
		// trigger, per hundred; then their IVF entries (list -1 until
		// MaintainIVF assigns them).
		const perInsert = 100
		for start := 0; start < len(ex.Passages); start += perInsert {
			var sql strings.Builder
			sql.WriteString(`INSERT INTO knowledge_chunks (id, tenant_id, source_id, document_id, ordinal, title, heading_path,
				body, tokens, page, anchor, url, terms, freqs, term_count, embedder, embedding) VALUES `)
			var vsql strings.Builder
			vsql.WriteString("INSERT INTO knowledge_vectors (tenant_id, chunk_id, source_id, embedder, entry) VALUES ")
			var vargs []any
			var args []any
			for i := start; i < min(start+perInsert, len(ex.Passages)); i++ {
				p := ex.Passages[i]
				terms, freqs, n := termFreqs(texts[i])
				var page *int
				if p.Page > 0 {
					page = &p.Page
				}
				link := d.url
				if link != "" && p.Anchor != "" && !strings.HasPrefix(p.Anchor, "page=") {
					link += "#" + p.Anchor
				}
				if i > start {
					sql.WriteString(", ")
					vsql.WriteString(", ")
				}
				sql.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
				vsql.WriteString("(?, ?, ?, ?, ?)")
				id := uuid.New()
				args = append(args, id, tenantID, src.ID, docID, i, title, pgdialect.Array(nonNil(p.HeadingPath)), p.Text, countTokens(texts[i]), page,
					p.Anchor, link, pgdialect.Array(terms), pgdialect.Array(freqs), n, s.opts.Embedder.ID(), encode(vecs[i]))
				vargs = append(vargs, tenantID, id, src.ID, s.opts.Embedder.ID(), ivfEntry(id, vecs[i]))
			}
			if _, err := tx.ExecContext(ctx, sql.String(), args...); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, vsql.String(), vargs...); err != nil {
				return err
			}
		}
		return nil
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// embedText is what is embedded and keyword-indexed: the document title and
// heading path, then the passage.
func embedText(title string, p Passage) string {
	prefix := strings.Join(append([]string{title}, p.HeadingPath...), " › ")
	return prefix + "\n\n" + p.Text
}

// encode stores a vector as little-endian float32s (as memories do).
func encode(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// fetch GETs one page through the network guard, within FileMaxBytes.
func (s *Service) fetch(ctx context.Context, client *http.Client, raw string) (doc, error) {
	if err := s.opts.Policy.CheckURL(ctx, raw); err != nil {
		return doc{}, refuse(Invalid, "%s cannot be fetched: private, loopback and link-local addresses are refused", raw)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return doc{}, refuse(Invalid, "%s is not a valid URL", raw)
	}
	req.Header.Set("User-Agent", "KonstructBot/1.0 (+knowledge sync)")
	res, err := client.Do(req)
	if err != nil {
		if errors.Is(err, netguard.ErrForbidden) {
			return doc{}, refuse(Invalid, "%s redirects to a private address, which is refused", raw)
		}
		return doc{}, refuse(Invalid, "%s could not be fetched: %v", raw, errors.Unwrap(err))
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return doc{}, refuse(Invalid, "%s answered HTTP %d", raw, res.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, s.opts.FileMaxBytes+1))
	if err != nil {
		return doc{}, refuse(Invalid, "%s could not be read: %v", raw, err)
	}
	if int64(len(body)) > s.opts.FileMaxBytes {
		return doc{}, refuse(TooLarge, "%s is larger than the limit (KNOWLEDGE_FILE_MAX_BYTES, %d bytes)", raw, s.opts.FileMaxBytes)
	}
	final := res.Request.URL
	final.Fragment = ""
	return doc{url: final.String(), name: final.Path, contentType: res.Header.Get("Content-Type"), body: body}, nil
}

// crawl reads a site breadth-first from its start URL: same origin only,
// within max_depth links and max_pages pages, skipping what robots.txt
// disallows for every agent (or ours), each page once.
func (s *Service) crawl(ctx context.Context, tenantID uuid.UUID, src *Source) ([]doc, error) {
	start, err := url.Parse(src.URL)
	if err != nil {
		return nil, refuse(Invalid, "%s is not a valid URL", src.URL)
	}
	client := s.opts.Policy.Client(s.opts.FetchTimeout)
	disallow, sitemaps := s.robots(ctx, client, start)
	maxPages, maxDepth := 100, 3
	if src.MaxPages != nil {
		maxPages = *src.MaxPages
	}
	if src.MaxDepth != nil {
		maxDepth = *src.MaxDepth
	}
	// Pages the site's sitemaps list come first, after the start page (none
	// when the start URL is the sitemap); links are still followed within
	// max_depth while the page limit allows (sitemap.go).
	listed, startIsSitemap, err := s.sitemapPages(ctx, client, start, sitemaps, disallow, maxPages)
	if err != nil {
		return nil, err
	}
	type item struct {
		u     *url.URL
		depth int
		start bool
	}
	seen := map[string]bool{canonical(start): true}
	var queue []item
	if !startIsSitemap {
		queue = append(queue, item{start, 0, true})
	}
	for _, u := range listed {
		if k := canonical(u); !seen[k] {
			seen[k] = true
			queue = append(queue, item{u, 0, false})
		}
	}
	var out []doc
	for len(queue) > 0 && len(out) < maxPages {
		it := queue[0]
		queue = queue[1:]
		if blocked(disallow, it.u.Path) {
			continue
		}
		d, err := s.fetch(ctx, client, it.u.String())
		if err != nil {
			if it.start {
				return nil, err // the start page itself
			}
			continue
		}
		if fu, err := url.Parse(d.url); err != nil || fu.Host != start.Host || fu.Scheme != start.Scheme {
			continue // redirected off the site
		}
		out = append(out, d)
		_ = s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE knowledge_sources SET progress_total = ? WHERE id = ?", len(out)+len(queue), src.ID)
			return err
		})
		if it.depth >= maxDepth || !strings.Contains(d.contentType, "html") {
			continue
		}
		for _, link := range links(d.body) {
			u, err := it.u.Parse(link)
			if err != nil || u.Host != start.Host || u.Scheme != start.Scheme {
				continue
			}
			u.Fragment = ""
			if k := canonical(u); !seen[k] {
				seen[k] = true
				queue = append(queue, item{u, it.depth + 1, false})
			}
		}
	}
	if len(out) == 0 {
		return nil, refuse(Invalid, "no page of %s could be read (robots.txt may disallow it)", src.URL)
	}
	return out, nil
}

func canonical(u *url.URL) string {
	c := *u
	c.Fragment = ""
	if c.Path == "" {
		c.Path = "/"
	}
	return c.String()
}

// links are the href values of a page's anchors.
func links(body []byte) []string {
	var out []string
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "a" {
				continue
			}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if string(k) == "href" {
					out = append(out, string(v))
				}
			}
		}
	}
}

// robots reads the Disallow rules that apply to us (the group for
// KonstructBot, else the one for *) and the Sitemap lines. No robots.txt
// allows everything.
func (s *Service) robots(ctx context.Context, client *http.Client, start *url.URL) (disallow, sitemaps []string) {
	u := &url.URL{Scheme: start.Scheme, Host: start.Host, Path: "/robots.txt"}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, nil
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, nil
	}
	body, _ := io.ReadAll(io.LimitReader(res.Body, 512<<10))
	return parseRobots(bytes.NewReader(body)), robotsSitemaps(body)
}

func parseRobots(r io.Reader) []string {
	groups := map[string][]string{}
	var agents []string
	inRules := false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		switch k {
		case "user-agent":
			if inRules {
				agents, inRules = nil, false
			}
			agents = append(agents, strings.ToLower(v))
		case "disallow", "allow":
			inRules = true
			if k == "disallow" && v != "" {
				for _, a := range agents {
					groups[a] = append(groups[a], v)
				}
			} else {
				for _, a := range agents {
					groups[a] = append(groups[a], []string{}...)
				}
			}
		}
	}
	if g, ok := groups["konstructbot"]; ok {
		return g
	}
	return groups["*"]
}

func blocked(disallow []string, p string) bool {
	if p == "" {
		p = "/"
	}
	for _, d := range disallow {
		if strings.HasPrefix(p, d) {
			return true
		}
	}
	return false
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/knowledge"
	"github.com/konstruct/konstruct/api/knowledge/extract"
	"github.com/konstruct/konstruct/api/store"
)

// searchLimit is how many fused hits the quality phase asks Search for:
// more than both methods' candidates together, so every chunk either method
// ranked comes back with its keyword and vector ranks.
const searchLimit = 200

// baselines times, over the same pages, what ingestion cannot be faster
// than: the extractor alone, the extractor plus the offline embedder (no
// database), and a COPY of the raw bytes into a plain table (the database
// floor for storing them). Keeps each page's passages for the synthetic
// corpus.
func (b *bench) baselines(ctx context.Context, in *IngestSpeed) error {
	lib := knowledge.Library{Limits: extract.Limits{MaxBytes: 20 << 20}}
	start := time.Now()
	b.extractAll(ctx)
	in.ExtractPerSecond = float64(len(b.pages)) / time.Since(start).Seconds()

	start = time.Now()
	for i, p := range b.pages {
		ex, err := lib.Extract(ctx, p.Name, "text/html", p.Body)
		if err != nil {
			continue
		}
		texts := make([]string, len(ex.Passages))
		for k, ps := range ex.Passages {
			texts[k] = strings.Join(append([]string{b.pages[i].Title}, ps.HeadingPath...), " › ") + "\n\n" + ps.Text
		}
		if _, err := b.embedder.Embed(ctx, texts); err != nil {
			return err
		}
	}
	in.ExtractEmbedPerSecond = float64(len(b.pages)) / time.Since(start).Seconds()

	if _, err := b.db.owner.Exec(ctx, "CREATE TABLE bench_raw_pages (name text PRIMARY KEY, body bytea NOT NULL)"); err != nil {
		return err
	}
	rows := make([][]any, len(b.pages))
	for i, p := range b.pages {
		rows[i] = []any{p.Name, p.Body}
	}
	start = time.Now()
	if _, err := b.db.owner.CopyFrom(ctx, pgx.Identifier{"bench_raw_pages"}, []string{"name", "body"}, pgx.CopyFromRows(rows)); err != nil {
		return err
	}
	in.CopyPerSecond = float64(len(b.pages)) / time.Since(start).Seconds()
	_, err := b.db.owner.Exec(ctx, "DROP TABLE bench_raw_pages")
	return err
}

// extractAll extracts every page's passages (b.passes), one goroutine.
func (b *bench) extractAll(ctx context.Context) {
	lib := knowledge.Library{Limits: extract.Limits{MaxBytes: 20 << 20}}
	b.passes = make([][]knowledge.Passage, len(b.pages))
	for i, p := range b.pages {
		ex, err := lib.Extract(ctx, p.Name, "text/html", p.Body)
		if err != nil {
			continue // counted as failed by the real ingestion too
		}
		b.passes[i] = ex.Passages
	}
}

// passageList is every passage of the manual as the ingestion embeds it:
// title › heading path, a blank line, the text.
func (b *bench) passageList() []passage {
	var out []passage
	for i, ps := range b.passes {
		title := b.pages[i].Title
		if title == "" {
			title = b.pages[i].Name
		}
		for k, p := range ps {
			out = append(out, passage{page: b.pages[i].Name, ordinal: k,
				text: strings.Join(append([]string{title}, p.HeadingPath...), " › ") + "\n\n" + p.Text})
		}
	}
	return out
}

// upload is one file for a tenant.
type upload struct {
	name, contentType, title string
	body                     []byte
}

// ingest adds files through the service as an integrator would (AddFile)
// and runs each source's sync here (the job's SyncNow), workers at a time.
// It returns each file's source id (uuid.Nil when AddFile refused it) and
// how many syncs failed.
func (b *bench) ingest(ctx context.Context, tenant uuid.UUID, files []upload) ([]uuid.UUID, int, error) {
	ids := make([]uuid.UUID, len(files))
	var mu sync.Mutex
	var firstErr error
	failed := 0
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(1, b.o.workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f := files[i]
				src, _, err := b.svc.AddFile(ctx, tenant, knowledge.Upload{Name: f.name, ContentType: f.contentType, Title: f.title, Body: f.body})
				if err == nil {
					err = b.svc.SyncNow(ctx, tenant, src.ID)
					ids[i] = src.ID
				}
				if err != nil {
					mu.Lock()
					if r := (*knowledge.Refusal)(nil); errors.As(err, &r) {
						failed++ // a page the extractor refuses fails its source, as in production
					} else if firstErr == nil {
						firstErr = fmt.Errorf("%s: %w", f.name, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range files {
		mu.Lock()
		stop := firstErr != nil
		mu.Unlock()
		if stop {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return ids, failed, firstErr
}

// ingestManual ingests every page as an uploaded HTML file titled with its
// <title> (not its file name, which would put the judgments' key, the
// page name, into the indexed text).
func (b *bench) ingestManual(ctx context.Context, res *KnowledgeResult) (uuid.UUID, context.Context, map[uuid.UUID]string, error) {
	tenant, tctx, err := b.newTenant(ctx, "manual")
	if err != nil {
		return uuid.Nil, nil, nil, err
	}
	files := make([]upload, len(b.pages))
	for i, p := range b.pages {
		files[i] = upload{name: p.Name, contentType: "text/html", title: p.Title, body: p.Body}
		res.Corpus.Bytes += int64(len(p.Body))
	}
	n0 := b.trips.Total()
	start := time.Now()
	ids, failed, err := b.ingest(tctx, tenant, files)
	if err != nil {
		return uuid.Nil, nil, nil, err
	}
	elapsed := time.Since(start)
	res.Ingest.Pages, res.Ingest.Workers = len(files), max(1, b.o.workers)
	res.Ingest.PagesPerSecond = float64(len(files)) / elapsed.Seconds()
	res.Ingest.Statements = float64(b.trips.Total()-n0) / float64(len(files))
	res.Corpus.Failed = failed
	pageOf := map[uuid.UUID]string{}
	for i, id := range ids {
		if id != uuid.Nil {
			pageOf[id] = files[i].name
		}
	}
	if err := b.db.owner.QueryRow(ctx, "SELECT count(*) FROM knowledge_chunks WHERE tenant_id = $1", tenant).Scan(&res.Corpus.Chunks); err != nil {
		return uuid.Nil, nil, nil, err
	}
	res.Ingest.Chunks = res.Corpus.Chunks
	// The jobs AddFile queued were run here; settle the table as autovacuum would.
	if _, err := b.db.owner.Exec(ctx, "DELETE FROM river_job WHERE kind = 'knowledge.sync'"); err != nil {
		return uuid.Nil, nil, nil, err
	}
	if _, err := b.db.owner.Exec(ctx, "VACUUM ANALYZE knowledge_chunks"); err != nil {
		return uuid.Nil, nil, nil, err
	}
	fmt.Fprintf(b.log, "  %d pages in %.1f s (%.1f pages/s), %d chunks, %d pages refused\n", len(files), elapsed.Seconds(),
		res.Ingest.PagesPerSecond, res.Corpus.Chunks, failed)
	return tenant, tctx, pageOf, nil
}

// judge sends every query to Search over all the tenant's sources and keeps
// each hit's page and three ranks.
func (b *bench) judge(tctx context.Context, tenant uuid.UUID, queries []query, pageOf map[uuid.UUID]string) ([]judged, Latency, error) {
	out := make([]judged, 0, len(queries))
	lat := make([]time.Duration, 0, len(queries))
	for i, q := range queries {
		start := time.Now()
		r, err := b.svc.Search(tctx, tenant, nil, q.Text, searchLimit)
		if err != nil {
			return nil, Latency{}, fmt.Errorf("search %q: %w", q.Text, err)
		}
		lat = append(lat, time.Since(start))
		out = append(out, reduce(q, r.Hits, pageOf))
		if (i+1)%50 == 0 {
			fmt.Fprintf(b.log, "  %d/%d queries\n", i+1, len(queries))
		}
	}
	return out, percentiles(lat), nil
}

// speed grows one tenant, through the same ingestion path, to each size in
// turn with synthetic documents made of the manual's passages (each copy's
// words varied, so copies are not duplicates), then times a turn's
// Retrieve against a trivial indexed read in the same kind of transaction.
func (b *bench) speed(ctx context.Context, queries []query) ([]RetrievalSpeed, error) {
	if len(b.o.sizes) == 0 {
		return nil, nil
	}
	tenant, tctx, agent, sources, chunks, err := b.speedTenant(ctx)
	if err != nil {
		return nil, err
	}
	if b.passes == nil { // -quality=false: no baselines extracted them
		b.extractAll(ctx)
	}
	var all []knowledge.Passage
	var vocab []string
	for _, ps := range b.passes {
		for _, p := range ps {
			all = append(all, p)
			vocab = append(vocab, strings.Fields(p.Text)...)
		}
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("the manual gave no passages")
	}
	rng := rand.New(rand.NewPCG(16, 1))
	part, cursor := len(sources), 0
	// perSection is how many chunks a section has made so far (one, or a
	// little more when a section is split); each round adds the sections
	// the size still needs at that rate, so the size is not overshot by much.
	perSection := 1.3
	var out []RetrievalSpeed
	for _, size := range b.o.sizes {
		start := time.Now()
		for chunks < size {
			need := max(1, int(float64(size-chunks)/perSection))
			var files []upload
			for need > 0 {
				n := min(need, 200)
				part++
				var doc strings.Builder
				fmt.Fprintf(&doc, "# Synthetic manual, part %d\n\n", part)
				for range n {
					p := all[cursor%len(all)]
					cursor++
					heading := "Section"
					if len(p.HeadingPath) > 0 {
						heading = p.HeadingPath[len(p.HeadingPath)-1]
					}
					fmt.Fprintf(&doc, "## %s (%d)\n\n%s\n\n", heading, cursor, vary(rng, p.Text, vocab))
				}
				files = append(files, upload{name: fmt.Sprintf("part-%d.md", part), contentType: "text/markdown",
					title: fmt.Sprintf("Synthetic manual, part %d", part), body: []byte(doc.String())})
				need -= n
			}
			ids, failed, err := b.ingest(tctx, tenant, files)
			if err != nil {
				return nil, err
			}
			if failed > 0 {
				return nil, fmt.Errorf("%d synthetic files were refused", failed)
			}
			sources = append(sources, ids...)
			if err := b.db.owner.QueryRow(ctx, "SELECT count(*) FROM knowledge_chunks WHERE tenant_id = $1", tenant).Scan(&chunks); err != nil {
				return nil, err
			}
			perSection = float64(chunks) / float64(cursor)
			fmt.Fprintf(b.log, "  %d chunks\n", chunks)
		}
		seeded := time.Since(start)
		if _, err := b.db.owner.Exec(ctx, "DELETE FROM river_job WHERE kind = 'knowledge.sync'"); err != nil {
			return nil, err
		}
		// Settled as autovacuum leaves them: the IVF retraining rewrote every
		// knowledge_vectors row and the trigger every knowledge_terms row it
		// touched (dead rows, cleared visibility maps: no index-only scans).
		if _, err := b.db.owner.Exec(ctx, "VACUUM ANALYZE knowledge_chunks, knowledge_vectors, knowledge_terms"); err != nil {
			return nil, err
		}
		if _, err := b.svc.SetAgentSettings(tctx, tenant, agent, knowledge.Settings{SourceIDs: sources,
			TokenBudget: knowledge.DefaultTokenBudget, WhenUnknown: knowledge.SayUnknown}); err != nil {
			return nil, err
		}
		r, err := b.time(ctx, tenant, agent, queries)
		if err != nil {
			return nil, err
		}
		r.Chunks, r.SeedSecs = chunks, seeded.Seconds()
		fmt.Fprintf(b.log, "  %d chunks: retrieve p50 %.1f ms p95 %.1f ms, baseline p50 %.2f ms, %.1f statements\n",
			chunks, r.Retrieve.P50, r.Retrieve.P95, r.Baseline.P50, r.Statements)
		out = append(out, r)
	}
	return out, nil
}

// speedTenant is the tenant the speed phase grows, with its agent, its
// sources and its chunk count: a new one, or with -reuse the one an earlier
// run grew (its name is "speed").
func (b *bench) speedTenant(ctx context.Context) (uuid.UUID, context.Context, uuid.UUID, []uuid.UUID, int, error) {
	var tenant, agent uuid.UUID
	if b.o.reuse != "" {
		err := b.db.owner.QueryRow(ctx, `SELECT t.id, a.id FROM tenants t JOIN agents a ON a.tenant_id = t.id AND a.name = 'Bench'
			WHERE t.name = 'speed'`).Scan(&tenant, &agent)
		if err == nil {
			var sources []uuid.UUID
			var chunks int
			if err := b.db.owner.QueryRow(ctx, `SELECT coalesce(array_agg(id ORDER BY created_at), '{}'), coalesce(sum(chunk_count), 0)
				FROM knowledge_sources WHERE tenant_id = $1`, tenant).Scan(&sources, &chunks); err != nil {
				return uuid.Nil, nil, uuid.Nil, nil, 0, err
			}
			p := &access.Principal{Token: &access.Token{ID: uuid.New(), TenantID: tenant, Name: "bench", Role: access.RoleAdmin}}
			return tenant, access.WithPrincipal(ctx, p), agent, sources, chunks, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return uuid.Nil, nil, uuid.Nil, nil, 0, err
		}
	}
	tenant, tctx, err := b.newTenant(ctx, "speed")
	if err != nil {
		return uuid.Nil, nil, uuid.Nil, nil, 0, err
	}
	agent = uuid.New()
	if _, err := b.db.owner.Exec(ctx, "INSERT INTO agents (id, tenant_id, name, model) VALUES ($1, $2, 'Bench', 'openai/gpt-4o-mini')", agent, tenant); err != nil {
		return uuid.Nil, nil, uuid.Nil, nil, 0, err
	}
	return tenant, tctx, agent, nil, 0, nil
}

// vary replaces about one word in five with a word drawn from the manual.
func vary(rng *rand.Rand, text string, vocab []string) string {
	words := strings.Fields(text)
	for i := range words {
		if rng.IntN(5) == 0 {
			words[i] = vocab[rng.IntN(len(vocab))]
		}
	}
	return strings.Join(words, " ")
}

// time measures, alternating, a trivial indexed read (one chunk by primary
// key) and a turn's Retrieve (settings, retrieval, fusion, budget), each in
// its own tenant transaction as a turn's read is, timing only the
// statements; Retrieve's questions cycle through the derived queries.
func (b *bench) time(ctx context.Context, tenant, agent uuid.UUID, queries []query) (RetrievalSpeed, error) {
	var someID uuid.UUID
	if err := b.db.owner.QueryRow(ctx, "SELECT id FROM knowledge_chunks WHERE tenant_id = $1 LIMIT 1", tenant).Scan(&someID); err != nil {
		return RetrievalSpeed{}, err
	}
	var base, ret []time.Duration
	var statements int64
	for i := range b.o.samples + 2 {
		var d1, d2 time.Duration
		err := b.st.WithTenant(ctx, tenant, func(ctx context.Context, tx store.Tx) error {
			start := time.Now()
			var body string
			err := tx.NewRaw("SELECT body FROM knowledge_chunks WHERE id = ?", someID).Scan(ctx, &body)
			d1 = time.Since(start)
			return err
		})
		if err != nil {
			return RetrievalSpeed{}, err
		}
		var n int64
		err = b.st.WithTenant(ctx, tenant, func(ctx context.Context, tx store.Tx) error {
			n0 := b.trips.Total()
			start := time.Now()
			_, err := b.svc.Retrieve(ctx, tx, agent, queries[i%len(queries)].Text)
			d2 = time.Since(start)
			n = b.trips.Total() - n0
			return err
		})
		if err != nil {
			return RetrievalSpeed{}, err
		}
		if i < 2 {
			continue // warm-up: connections, plans, caches
		}
		base, ret = append(base, d1), append(ret, d2)
		statements += n
	}
	return RetrievalSpeed{Baseline: percentiles(base), Retrieve: percentiles(ret), Statements: float64(statements) / float64(max(1, len(ret)))}, nil
}

func printKnowledge(w io.Writer, r *KnowledgeResult) {
	fmt.Fprintf(w, "\nknowledge on the PostgreSQL manual: %d pages (%d refused), %d chunks, %s\n", r.Corpus.Pages, r.Corpus.Failed,
		r.Corpus.Chunks, r.Settings["embedder"])
	if r.Quality != nil { // not with -quality=false
		printQuality(w, r)
	}

	if len(r.Retrieval) > 0 {
		fmt.Fprintf(w, "\nretrieval (a turn's Retrieve, one tenant)\n")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "chunks\tbaseline p50 ms\tretrieve p50 ms\tretrieve p95 ms\tp50 ratio\tp95 ratio\tstatements\tsamples\t\n")
		for _, s := range r.Retrieval {
			fmt.Fprintf(tw, "%d\t%.2f\t%.1f\t%.1f\t%.0f×\t%.0f×\t%.1f\t%d\t\n", s.Chunks, s.Baseline.P50, s.Retrieve.P50, s.Retrieve.P95,
				s.Retrieve.P50/s.Baseline.P50, s.Retrieve.P95/s.Baseline.P95, s.Statements, s.Retrieve.Count)
		}
		_ = tw.Flush()
	}
}

// printQuality is the quality and ingestion part of printKnowledge.
func printQuality(w io.Writer, r *KnowledgeResult) {
	fmt.Fprintf(w, "\nquality (page level; a chunk counts when it comes from a relevant page)\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "queries\tn\tkeyword R@5\tvector R@5\thybrid R@5\tkeyword MRR@10\tvector MRR@10\thybrid MRR@10\t\n")
	for _, k := range []string{"all", "dev", "test", "purpose", "index"} {
		q := r.Quality[k]
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t\n", k, q.Queries, q.Keyword.Recall5, q.Vector.Recall5, q.Hybrid.Recall5,
			q.Keyword.MRR10, q.Vector.MRR10, q.Hybrid.MRR10)
	}
	_ = tw.Flush()
	all := r.Quality["all"]
	fmt.Fprintf(w, "relevant page in the top 5 (all queries): both %d, keyword only %d, vector only %d, neither %d\n",
		all.Overlap.Both, all.Overlap.KeywordOnly, all.Overlap.VectorOnly, all.Overlap.Neither)
	beats := all.Hybrid.Recall5 > max(all.Keyword.Recall5, all.Vector.Recall5) && all.Hybrid.MRR10 > max(all.Keyword.MRR10, all.Vector.MRR10)
	fmt.Fprintf(w, "hybrid beats both on all queries (R@5 and MRR@10): %v\n", beats)
	bd := r.BestOnDev
	fmt.Fprintf(w, "reciprocal-rank fusion chosen on dev: k=%g depth=%d keyword weight=%g → test R@5 %.3f MRR@10 %.3f (shipped score fusion, w=%g, on test: R@5 %.3f MRR@10 %.3f)\n",
		bd.K, bd.Depth, bd.W, bd.Test.Recall5, bd.Test.MRR10, knowledge.KeywordWeight, r.Quality["test"].Hybrid.Recall5, r.Quality["test"].Hybrid.MRR10)
	sf := r.ScoreFusionBestOnDev
	fmt.Fprintf(w, "score fusion chosen on dev: alpha=%g depth=%d norm=%s → dev R@5 %.3f MRR@10 %.3f, test R@5 %.3f MRR@10 %.3f (keyword on test: R@5 %.3f MRR@10 %.3f)\n",
		sf.Alpha, sf.Depth, sf.Norm, sf.Dev.Recall5, sf.Dev.MRR10, sf.Test.Recall5, sf.Test.MRR10, r.Quality["test"].Keyword.Recall5, r.Quality["test"].Keyword.MRR10)
	if len(r.Embedders) > 0 {
		fmt.Fprintf(w, "\noffline embedder variants ranked in-process over the same chunks (hybrid: with the same keyword ranks, score fusion w=%g; chunks match: %v)\n",
			knowledge.KeywordWeight, r.PassagesMatchChunks)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "embedder\tvector R@5\tvector MRR@10\thybrid R@5\thybrid MRR@10\ttest: keyword R@5\tMRR\tvector MRR\thybrid MRR\tvector only\tbest fusion on dev (k, depth, kw weight)\ttest R@5\tMRR\tnoise cos\trelevant cos\t\n")
		for _, e := range r.Embedders {
			f := e.BestOnDev
			fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%d\t%g, %d, %g\t%.3f\t%.3f\t%.2f\t%.2f\t\n", e.Name, e.Vector.Recall5, e.Vector.MRR10, e.Hybrid.Recall5,
				e.Hybrid.MRR10, e.TestKw.Recall5, e.TestKw.MRR10, e.TestVec.MRR10, e.TestHyb.MRR10, e.Overlap.VectorOnly, f.K, f.Depth, f.W, f.Test.Recall5, f.Test.MRR10,
				e.NoiseCosine, e.RelevantCosine)
		}
		_ = tw.Flush()
	}
	fmt.Fprintf(w, "search at %d chunks: p50 %.1f ms, p95 %.1f ms (%d calls)\n", r.Corpus.Chunks, r.SearchLatency.P50, r.SearchLatency.P95, r.SearchLatency.Count)

	fmt.Fprintf(w, "\ningestion of the manual (pages/s)\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "what\tpages/s\tvs ingestion\t\n")
	in := r.Ingest
	fmt.Fprintf(tw, "ingestion (AddFile + sync, %d workers)\t%.1f\t1.00\t\n", in.Workers, in.PagesPerSecond)
	fmt.Fprintf(tw, "baseline: extraction only (1 goroutine)\t%.1f\t%.2f\t\n", in.ExtractPerSecond, in.ExtractPerSecond/in.PagesPerSecond)
	fmt.Fprintf(tw, "baseline: extraction + embedding (1 goroutine)\t%.1f\t%.2f\t\n", in.ExtractEmbedPerSecond, in.ExtractEmbedPerSecond/in.PagesPerSecond)
	fmt.Fprintf(tw, "baseline: COPY of the raw bytes\t%.1f\t%.2f\t\n", in.CopyPerSecond, in.CopyPerSecond/in.PagesPerSecond)
	_ = tw.Flush()
	fmt.Fprintf(w, "db round trips per page %.1f\n", in.Statements)
}

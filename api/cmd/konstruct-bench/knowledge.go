package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/config"
	"github.com/konstruct/konstruct/api/knowledge"
	"github.com/konstruct/konstruct/api/memory"
	"github.com/konstruct/konstruct/api/store"
)

// The knowledge subcommand (`konstruct-bench knowledge`, `go tool task
// bench:knowledge`) measures knowledge retrieval on the PostgreSQL manual in
// one run, in a fresh database:
//
//   - quality: the manual ingested through the real path (AddFile and the
//     sync: HTML extraction, chunking, the offline embedder, indexing) into
//     one tenant, then derived queries (see knowledge_corpus.go) sent to
//     Search; recall@5 and MRR@10 of the keyword, vector and fused ranks of
//     the same calls, and fusion recomputed with other constants (dev/test);
//   - ingestion speed: pages/s of that ingestion, against extraction alone,
//     extraction plus embedding, and a COPY of the same bytes;
//   - retrieval speed: a turn's Retrieve at 10k and 100k chunks in one tenant
//     (the manual's passages replicated with varied words, ingested through
//     the same path), p50/p95 and statements per retrieval, against a
//     trivial indexed read in the same kind of transaction.

type knowledgeOpts struct {
	manual   string
	out      string
	adminURL string
	purpose  int    // purpose-derived queries (-1: all)
	index    int    // index-derived queries (-1: all)
	sizes    []int  // chunk counts for retrieval speed
	samples  int    // retrievals timed per size
	workers  int    // concurrent ingestions
	variants bool   // rank with embedder variants in-process
	quality  bool   // phases 1–3 (baselines, the manual, quality); false: speed only
	keep     bool   // keep the database at the end
	reuse    string // an existing database (kept by -keep) to time again
	embedder string // EMBEDDER: offline or semantic
	wordvecs string // word vectors for the semantic variants (empty: the shipped ones)
}

func knowledgeMain(args []string) int {
	var o knowledgeOpts
	fs := flag.NewFlagSet("knowledge", flag.ExitOnError)
	fs.StringVar(&o.manual, "manual", manualDir, "the PostgreSQL HTML manual (Debian: apt-get install -y postgresql-doc-15)")
	fs.StringVar(&o.out, "out", "test-artifacts/bench-knowledge.json", "where to write the JSON results")
	fs.StringVar(&o.adminURL, "admin-url", envOr("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "a PostgreSQL superuser URL (a database is created and dropped)")
	fs.IntVar(&o.purpose, "purpose-queries", 150, "queries from reference pages' purpose lines (-1: all)")
	fs.IntVar(&o.index, "index-queries", 300, "queries from the manual's index (-1: all)")
	sizes := fs.String("sizes", "10000,100000", "chunk counts at which retrieval is timed (comma-separated; empty: none)")
	fs.IntVar(&o.samples, "samples", 20, "retrievals timed at each size")
	fs.IntVar(&o.workers, "workers", 2, "concurrent ingestions (pages or synthetic files)")
	fs.BoolVar(&o.quality, "quality", true, "ingest the manual and measure quality (false: retrieval speed only, to iterate on speed)")
	fs.BoolVar(&o.keep, "keep", false, "keep the database at the end (its name is printed) for -reuse or EXPLAIN")
	fs.StringVar(&o.reuse, "reuse", "", "time retrieval in this database (kept by -keep; migrated first), growing its speed tenant only when it is smaller than -sizes")
	fs.BoolVar(&o.variants, "embedder-variants", true, "also rank the manual in-process with variants of the offline embedders (hashing: dimensions, trigrams, idf; semantic: weights, halves)")
	fs.StringVar(&o.embedder, "embedder", "semantic", "the embedder the service is built with: offline (offline-hash-v1) or semantic (offline-sem-v1)")
	fs.StringVar(&o.wordvecs, "wordvectors", "", "word vectors for the semantic variants (a konstruct-wordvec output; default: the shipped ones)")
	_ = fs.Parse(args)
	for _, s := range strings.Split(*sizes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n <= 0 {
				fmt.Fprintf(os.Stderr, "konstruct-bench knowledge: -sizes: %q is not a positive number\n", s)
				return 2
			}
			o.sizes = append(o.sizes, n)
		}
	}
	// Interrupted, the run still drops its database (deferred in runKnowledge).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runKnowledge(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "konstruct-bench knowledge:", err)
		return 1
	}
	return 0
}

// KnowledgeResult is the JSON written at the end.
type KnowledgeResult struct {
	When     time.Time      `json:"when"`
	Machine  map[string]any `json:"machine"`
	Settings map[string]any `json:"settings"`
	Corpus   Corpus         `json:"corpus"`
	// Quality is keyed by query set: all, dev, test, purpose, index.
	Quality map[string]QualityRow `json:"quality"`
	// Fusion recomputes the fused ranking with other constants; BestOnDev
	// is the row chosen on the dev queries, to be judged on test.
	Fusion    []FusionRow `json:"fusion"`
	BestOnDev FusionRow   `json:"fusion_best_on_dev"`
	// ScoreFusion is the same for score fusion (BM25 and cosine weighted).
	ScoreFusion          []ScoreFusionRow `json:"score_fusion"`
	ScoreFusionBestOnDev ScoreFusionRow   `json:"score_fusion_best_on_dev"`
	// SearchLatency is the Search calls of the quality phase, at the
	// manual's size.
	SearchLatency Latency            `json:"search_latency"`
	Ingest        IngestSpeed        `json:"ingest"`
	Retrieval     []RetrievalSpeed   `json:"retrieval"`
	Ratios        map[string]float64 `json:"ratios"`
	// Embedders are variants of the offline embedder ranked in-process
	// (knowledge_embed.go); the first is the shipped one, as a check.
	Embedders           []EmbedderRow `json:"embedder_variants,omitempty"`
	PassagesMatchChunks bool          `json:"passages_match_chunks"`
	Queries             []query       `json:"queries"`
}

// Corpus describes what was ingested for quality.
type Corpus struct {
	Dir       string         `json:"dir"`
	Pages     int            `json:"pages"`
	Bytes     int64          `json:"bytes"`
	Chunks    int            `json:"chunks"`
	Failed    int            `json:"failed_pages"`
	Purpose   int            `json:"purpose_queries"`
	Index     int            `json:"index_queries"`
	Available map[string]int `json:"queries_available"`
}

// IngestSpeed is the manual's ingestion and its baselines, in pages per second.
type IngestSpeed struct {
	Pages int `json:"pages"`
	// PagesPerSecond is AddFile and the sync (extract, chunk, embed,
	// index) through the service, Workers at a time.
	PagesPerSecond float64 `json:"pages_per_second"`
	Workers        int     `json:"workers"`
	// ExtractPerSecond is the extractor alone (HTML → chunks), one goroutine.
	ExtractPerSecond float64 `json:"extract_pages_per_second"`
	// ExtractEmbedPerSecond adds the offline embedder, still no database.
	ExtractEmbedPerSecond float64 `json:"extract_embed_pages_per_second"`
	// CopyPerSecond is a COPY of the same bytes into a plain table.
	CopyPerSecond float64 `json:"copy_pages_per_second"`
	// Statements is the round trips per page of the ingestion.
	Statements float64 `json:"db_round_trips_per_page"`
	Chunks     int     `json:"chunks"`
}

// RetrievalSpeed is a turn's Retrieve at one size.
type RetrievalSpeed struct {
	Chunks     int     `json:"chunks"`
	Baseline   Latency `json:"baseline"`
	Retrieve   Latency `json:"retrieve"`
	Statements float64 `json:"statements_per_retrieval"`
	SeedSecs   float64 `json:"seed_seconds"`
}

// bench is the knowledge benchmark's running state.
type bench struct {
	o knowledgeOpts
	// embedder is what the service embeds chunks and queries with.
	embedder memory.Embedder
	db       *database
	st       *store.Store
	svc      *knowledge.Service
	trips    *store.StepCounter
	log      io.Writer
	pages    []page
	passes   [][]knowledge.Passage // each page's passages (extraction baseline)
}

func runKnowledge(ctx context.Context, o knowledgeOpts) error {
	b := &bench{o: o, log: os.Stderr, trips: &store.StepCounter{}}
	switch o.embedder {
	case "offline":
		b.embedder = memory.Offline{}
	case "semantic":
		s, err := memory.NewSemantic(memory.DefaultSemanticOpts)
		if err != nil {
			return err
		}
		b.embedder = s
	default:
		return fmt.Errorf("-embedder: %q is neither offline nor semantic", o.embedder)
	}
	pages, index, err := loadManual(o.manual)
	if err != nil {
		return err
	}
	b.pages = pages
	purpose, indexed := purposeQueries(pages), indexQueries(index, pages)
	queries := append(sample(purpose, o.purpose), sample(indexed, o.index)...)
	if len(queries) == 0 {
		return errors.New("no query could be derived from the manual")
	}
	res := &KnowledgeResult{When: time.Now().UTC(), Ratios: map[string]float64{}, Queries: queries,
		Machine:  map[string]any{"cpus": runtime.NumCPU(), "go": runtime.Version(), "goos": runtime.GOOS},
		Settings: map[string]any{"sizes": o.sizes, "samples": o.samples, "workers": o.workers, "embedder": b.embedder.ID(), "search_limit": searchLimit},
		Corpus:   Corpus{Dir: o.manual, Pages: len(pages), Available: map[string]int{"purpose": len(purpose), "index": len(indexed)}}}
	for _, q := range queries {
		if q.Kind == "purpose" {
			res.Corpus.Purpose++
		} else {
			res.Corpus.Index++
		}
	}

	var db *database
	var drop func()
	if o.reuse != "" {
		db, drop, err = existingDatabase(ctx, o.adminURL, o.reuse)
	} else {
		db, drop, err = freshDatabase(ctx, o.adminURL)
	}
	if err != nil {
		return err
	}
	if o.keep || o.reuse != "" {
		drop = db.owner.Close
		fmt.Fprintf(b.log, "database %s is kept\n", db.name)
	}
	defer drop()
	b.db = db
	fmt.Fprintf(b.log, "database %s migrated; %d pages, %d queries\n", db.name, len(pages), len(queries))
	if b.st, err = store.Open(ctx, db.appURL, store.OpenOpts{MaxConns: int32(max(4, 2*o.workers)), AppName: "konstruct-bench", Tracer: b.trips}); err != nil {
		return err
	}
	defer b.st.Close()
	// Insert-only: the sync jobs AddFile queues are run here with SyncNow.
	rc, err := river.NewClient(riverpgxv5.New(b.st.Pool), &river.Config{})
	if err != nil {
		return err
	}
	b.st.AttachJobs(rc)
	b.svc = knowledge.New(knowledge.Opts{Store: b.st, Guard: access.NewGuard(b.st), Embedder: b.embedder,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})

	if o.quality && o.reuse == "" {
		if err := b.measureQuality(ctx, res, queries); err != nil {
			return err
		}
	}

	fmt.Fprintln(b.log, "phase 4/4: retrieval speed")
	if res.Retrieval, err = b.speed(ctx, queries); err != nil {
		return err
	}
	if res.Ingest.PagesPerSecond > 0 { // not with -quality=false (no ingestion measured; NaN is not JSON)
		res.Ratios["ingest_vs_extract"] = res.Ingest.PagesPerSecond / res.Ingest.ExtractPerSecond
		res.Ratios["ingest_vs_extract_embed"] = res.Ingest.PagesPerSecond / res.Ingest.ExtractEmbedPerSecond
		res.Ratios["ingest_vs_copy"] = res.Ingest.PagesPerSecond / res.Ingest.CopyPerSecond
	}
	for _, r := range res.Retrieval {
		if r.Baseline.P50 > 0 {
			res.Ratios[fmt.Sprintf("retrieve_p50_vs_baseline_%d", r.Chunks)] = r.Retrieve.P50 / r.Baseline.P50
			res.Ratios[fmt.Sprintf("retrieve_p95_vs_baseline_%d", r.Chunks)] = r.Retrieve.P95 / r.Baseline.P95
		}
	}
	printKnowledge(os.Stdout, res)
	return writeResults(o.out, res)
}

// newTenant creates a tenant (as the database owner) and a context whose
// caller is an admin token of it, as an integrator's would be.
func (b *bench) newTenant(ctx context.Context, name string) (uuid.UUID, context.Context, error) {
	id := uuid.New()
	if _, err := b.db.owner.Exec(ctx, "INSERT INTO tenants (id, name) VALUES ($1, $2)", id, name); err != nil {
		return uuid.Nil, nil, err
	}
	p := &access.Principal{Token: &access.Token{ID: uuid.New(), TenantID: id, Name: "bench", Role: access.RoleAdmin}}
	return id, access.WithPrincipal(ctx, p), nil
}

// measureQuality is phases 1–3: the ingestion baselines, the manual ingested
// through the service, and the quality of Search's ranks over it.
func (b *bench) measureQuality(ctx context.Context, res *KnowledgeResult, queries []query) error {
	fmt.Fprintln(b.log, "phase 1/4: ingestion baselines (extraction, embedding, COPY)")
	if err := b.baselines(ctx, &res.Ingest); err != nil {
		return err
	}
	fmt.Fprintln(b.log, "phase 2/4: ingesting the manual through the service")
	tenant, tctx, pageOf, err := b.ingestManual(ctx, res)
	if err != nil {
		return err
	}
	fmt.Fprintln(b.log, "phase 3/4: quality")
	js, lat, err := b.judge(tctx, tenant, queries, pageOf)
	if err != nil {
		return err
	}
	res.SearchLatency = lat
	res.Quality = map[string]QualityRow{
		"all":     quality(js),
		"dev":     quality(where(js, func(q query) bool { return q.Split == "dev" })),
		"test":    quality(where(js, func(q query) bool { return q.Split == "test" })),
		"purpose": quality(where(js, func(q query) bool { return q.Kind == "purpose" })),
		"index":   quality(where(js, func(q query) bool { return q.Kind == "index" })),
	}
	res.Fusion, res.BestOnDev = fusionGrid(js)
	res.ScoreFusion, res.ScoreFusionBestOnDev = scoreFusionGrid(js)
	if b.o.variants {
		fmt.Fprintln(b.log, "  embedder variants, ranked in-process")
		ps := b.passageList()
		res.PassagesMatchChunks = len(ps) == res.Corpus.Chunks
		vs, err := b.variants()
		if err != nil {
			return err
		}
		res.Embedders = embedderVariants(js, ps, vs)
	}
	return nil
}

// existingDatabase opens a database kept by an earlier run (-reuse),
// migrated to this build's schema; closing it keeps it.
func existingDatabase(ctx context.Context, adminURL, name string) (*database, func(), error) {
	u, err := url.Parse(adminURL)
	if err != nil {
		return nil, nil, err
	}
	u.Path = "/" + name
	d := &database{name: name, ownerURL: u.String()}
	if _, err := store.Migrate(ctx, d.ownerURL, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		return nil, nil, err
	}
	d.appURL, _ = config.DeriveAppURL(d.ownerURL)
	if d.owner, err = pgxpool.New(ctx, d.ownerURL); err != nil {
		return nil, nil, err
	}
	return d, d.owner.Close, nil
}

// variants are the embedders ranked in-process: the hashing embedder
// (shipped, then the variants that asked whether dimensions, trigrams or
// idf were its problem), then the semantic embedder (shipped settings
// first) and the alternatives its settings were chosen among on dev.
func (b *bench) variants() ([]variant, error) {
	vs := []variant{shipped,
		hashEmbedder{Dims: 1024, Bigrams: 0.5, Trigrams: 0.25}, hashEmbedder{Dims: 4096, Bigrams: 0.5, Trigrams: 0.25},
		hashEmbedder{Dims: 4096, Bigrams: 0.5, Trigrams: 0}, hashEmbedder{Dims: 4096, Bigrams: 0, Trigrams: 0},
		hashEmbedder{Dims: 256, Bigrams: 0.5, Trigrams: 0.25, IDF: true}, hashEmbedder{Dims: 4096, Bigrams: 0.5, Trigrams: 0, IDF: true}}
	wv, err := memory.ShippedWordVectors()
	label := "shipped"
	if b.o.wordvecs != "" {
		label = filepath.Base(b.o.wordvecs)
		var raw []byte
		if raw, err = os.ReadFile(b.o.wordvecs); err == nil {
			wv, err = memory.ReadWordVectors(raw)
		}
	}
	if err != nil {
		return nil, err
	}
	d := memory.DefaultSemanticOpts
	for _, o := range []memory.SemanticOpts{d,
		{WordDims: d.WordDims, HashDims: d.HashDims, SemanticWeight: 0.7, PairWeight: d.PairWeight, A: d.A},
		{WordDims: wv.Dims, SemanticWeight: 1, A: d.A},
		{WordDims: wv.Dims, SemanticWeight: 1, A: d.A, KeepCommon: true},
		{HashDims: memory.OfflineDims, PairWeight: d.PairWeight, A: d.A},
	} {
		if o.WordDims > wv.Dims {
			continue
		}
		v, err := newSemVariant(wv, label, o)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, nil
}

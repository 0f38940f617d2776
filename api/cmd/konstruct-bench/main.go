// Command konstruct-bench measures Konstruct against the hardware it runs
// on, in one run (`go tool task bench`): it creates a fresh database, starts
// the real server and workers in-process with a fake Slack and an instant fake
// model, and measures
//
//   - baseline: the floor under durable ingest, one pgx transaction that sets
//     the tenant and inserts a message row and its River job, as fast as N
//     clients can;
//   - ingest: signed Slack events posted by N concurrent clients (events/s and
//     acknowledgement latency) — in one-second slices alternating with the
//     baseline's, so that both see the same machine — then at a fixed rate
//     (latency at that rate);
//   - end to end: events at a fixed rate with workers running, from the
//     acknowledgement to the reply arriving at the fake Slack;
//
// with the ratios to the baseline, the process's RSS and CPU, and PostgreSQL's
// CPU. It prints a table and writes JSON. Everything runs on 127.0.0.1 and
// stops by itself. See docs/performance.md.
//
// `konstruct-bench knowledge` measures knowledge retrieval instead: quality
// on the PostgreSQL manual and ingestion and retrieval speed (knowledge.go,
// docs/knowledge-quality.md).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/konstruct/konstruct/api/app"
	"github.com/konstruct/konstruct/api/config"
	"github.com/konstruct/konstruct/api/fakes/llmfake"
	"github.com/konstruct/konstruct/api/fakes/slackfake"
	"github.com/konstruct/konstruct/api/obs"
	"github.com/konstruct/konstruct/api/secrets"
	"github.com/konstruct/konstruct/api/store"
	"github.com/konstruct/konstruct/api/turns"
)

// The bench workspace and its signing secret.
const (
	benchTeam   = "TBENCH"
	benchBot    = "UBENCHBOT"
	benchSecret = "bench-signing-secret"
)

type opts struct {
	duration    time.Duration
	concurrency int
	rate        int
	e2eRate     int
	dbConns     int
	llmWorkers  int
	out         string
	adminURL    string
	cpuProfile  string
	// ingestProfile is the CPU profile of the closed-loop ingest phase.
	ingestProfile string
	// statements is how many of pg_stat_statements' top statements to
	// report per phase (0: none; the server must preload the extension).
	statements int
	// keep leaves the bench's database in place (to EXPLAIN its statements).
	keep bool
	// busyCPUs is how many cores other processes keep busy during the run.
	busyCPUs int
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == busyArg {
		os.Exit(busyChild())
	}
	if len(os.Args) > 1 && os.Args[1] == "knowledge" { // knowledge retrieval quality and speed: knowledge.go
		os.Exit(knowledgeMain(os.Args[2:]))
	}
	var o opts
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measured phase")
	flag.IntVar(&o.concurrency, "concurrency", 16, "concurrent clients for the baseline and closed-loop ingest")
	flag.IntVar(&o.rate, "rate", 200, "events per second for the fixed-rate ingest phase")
	flag.IntVar(&o.e2eRate, "e2e-rate", 50, "events per second for the end-to-end phase")
	flag.IntVar(&o.dbConns, "db-conns", 20, "DB_MAX_CONNS of the server under test")
	flag.IntVar(&o.llmWorkers, "llm-workers", 0, "LLM_WORKER_CONCURRENCY of the workers (0: the product's default)")
	flag.StringVar(&o.out, "out", "test-artifacts/bench.json", "where to write the JSON results")
	flag.StringVar(&o.adminURL, "admin-url", envOr("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "a PostgreSQL superuser URL (a database is created and dropped)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the end-to-end phase here (go tool pprof)")
	flag.StringVar(&o.ingestProfile, "ingest-cpuprofile", "", "write a CPU profile of the closed-loop ingest phase here (go tool pprof)")
	flag.IntVar(&o.statements, "statements", 0, "report this many top statements per phase from pg_stat_statements (the server must preload it; track = all)")
	flag.BoolVar(&o.keep, "keep", false, "keep the bench's database afterwards (its name is printed) instead of dropping it")
	flag.IntVar(&o.busyCPUs, "busy-cpus", 0, "keep this many cores busy with other processes throughout the run (figures under load)")
	flag.Parse()
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "konstruct-bench:", err)
		os.Exit(1)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Result is the JSON written at the end.
type Result struct {
	When        time.Time          `json:"when"`
	Machine     map[string]any     `json:"machine"`
	Settings    map[string]any     `json:"settings"`
	Baseline    Throughput         `json:"baseline"`
	Ingest      Throughput         `json:"ingest"`
	IngestRated Latency            `json:"ingest_at_rate"`
	EndToEnd    Latency            `json:"end_to_end"`
	Ratios      map[string]float64 `json:"ratios"`
	Process     map[string]any     `json:"process"`
}

// Throughput is a closed-loop phase.
type Throughput struct {
	PerSecond float64 `json:"per_second"`
	Count     int     `json:"count"`
	Latency
}

// Latency is a latency distribution in milliseconds.
type Latency struct {
	Rate    float64 `json:"achieved_per_second,omitempty"`
	Count   int     `json:"count,omitempty"`
	P50     float64 `json:"p50_ms"`
	P95     float64 `json:"p95_ms"`
	P99     float64 `json:"p99_ms"`
	Max     float64 `json:"max_ms"`
	Errors  int     `json:"errors"`
	CPUProc float64 `json:"process_cpu_seconds"`
	CPUDB   float64 `json:"postgres_cpu_seconds"`
	// CPUDBOwn is the CPU time of the PostgreSQL backends serving the
	// bench's own database (the server's, the workers' and the baseline's
	// connections): unlike CPUDB, it leaves out what other databases on a
	// shared server cost.
	CPUDBOwn   float64 `json:"postgres_own_db_cpu_seconds"`
	Unanswered int     `json:"unanswered,omitempty"`
	// RoundTrips is database round trips per operation (event, turn or
	// baseline transaction), everything the server and workers sent while
	// the phase ran: unlike times, it does not depend on how loaded the
	// machine is.
	RoundTrips float64 `json:"db_round_trips_per_op"`
	// RoundTripsBySteps splits RoundTrips by step (end to end: the turn's
	// steps, the ingest's, River's under "other").
	RoundTripsBySteps map[string]float64 `json:"db_round_trips_per_op_by_step,omitempty"`
	// PoolWaits is, for the server's and the workers' pools, how many
	// connection acquisitions found none idle and their mean wait: whether
	// the pool size (DB_MAX_CONNS) holds the phase back.
	PoolWaits map[string]PoolWait `json:"pool_waits,omitempty"`
}

// PoolWait is one pool's acquisitions in a phase.
type PoolWait struct {
	Acquires int64   `json:"acquires"`
	Waited   int64   `json:"waited"`
	MeanMS   float64 `json:"mean_acquire_ms"`
}

// poolWaits is the acquisitions of the server's and workers' pools between
// two snapshots.
func poolWaits(before, after []*pgxpool.Stat) map[string]PoolWait {
	out := map[string]PoolWait{}
	for i, name := range []string{"server", "workers"} {
		n := after[i].AcquireCount() - before[i].AcquireCount()
		w := PoolWait{Acquires: n, Waited: after[i].EmptyAcquireCount() - before[i].EmptyAcquireCount()}
		if n > 0 {
			w.MeanMS = float64((after[i].AcquireDuration() - before[i].AcquireDuration()).Microseconds()) / 1000 / float64(n)
		}
		out[name] = w
	}
	return out
}

// roundTrips counts the statements, prepares and batches every pool of the
// bench sends (server and workers), each a round trip to PostgreSQL, in
// total and by step (store.WithStep: a turn's claim, read, deliver…).
var roundTrips store.StepCounter

// perOp is the round trips since n0 per operation.
func perOp(n0 int64, ops int) float64 {
	if ops == 0 {
		return 0
	}
	return float64(roundTrips.Total()-n0) / float64(ops)
}

// stepsPerOp is the round trips by step since s0 per operation; what no
// step claims (River fetching and completing jobs, the webhooks, periodic
// work) is "other".
func stepsPerOp(s0 map[string]int64, n0 int64, ops int) map[string]float64 {
	if ops == 0 {
		return nil
	}
	out := map[string]float64{}
	s1 := roundTrips.Steps()
	var stepped int64
	for k, v := range s1 {
		if d := v - s0[k]; d > 0 {
			out[k] = float64(d) / float64(ops)
			stepped += d
		}
	}
	out["other"] = float64(roundTrips.Total()-n0-stepped) / float64(ops)
	return out
}

func percentiles(d []time.Duration) Latency {
	if len(d) == 0 {
		return Latency{}
	}
	slices.Sort(d)
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	at := func(p float64) time.Duration { return d[min(len(d)-1, int(float64(len(d))*p))] }
	return Latency{Count: len(d), P50: ms(at(.50)), P95: ms(at(.95)), P99: ms(at(.99)), Max: ms(d[len(d)-1])}
}

func run(ctx context.Context, o opts) error {
	db, drop, err := freshDatabase(ctx, o.adminURL)
	if err != nil {
		return err
	}
	if !o.keep {
		defer drop()
	} else {
		defer db.owner.Close()
	}
	fmt.Fprintf(os.Stderr, "database %s migrated\n", db.name)
	ownDB = func() []int {
		var pids []int
		rows, err := db.owner.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = $1", db.name)
		if err != nil {
			return nil
		}
		for rows.Next() {
			var pid int
			if rows.Scan(&pid) == nil {
				pids = append(pids, pid)
			}
		}
		rows.Close()
		return pids
	}

	var stmts *statements
	if o.statements > 0 {
		stmts = &statements{pool: db.owner, db: db.name, top: o.statements}
		if _, err := db.owner.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
			return fmt.Errorf("-statements: %w", err)
		}
	}

	slack, llm := slackfake.NewServer(), llmfake.NewServer()
	defer slack.Close()
	defer llm.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	env := map[string]string{
		"APP_ENV": "production", "LOG_LEVEL": "warn", "PUBLIC_URL": base, "DATABASE_URL": db.ownerURL, "APP_DATABASE_URL": db.appURL,
		"DB_MAX_CONNS": strconv.Itoa(o.dbConns), "SESSION_KEYS": "b1:" + strings.TrimPrefix(secrets.NewKey(1), "1:"), "SECRETS_KEYS": secrets.NewKey(1),
		"API_RATE_LIMIT": "1000000", "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_SIGNING_SECRET": benchSecret,
		"SLACK_API_URL": slack.APIURL(), "SLACK_AUTHORIZE_URL": slack.AuthorizeURL(), "OPENAI_API_URL": llm.URL + "/v1",
		"PLATFORM_OPENAI_API_KEY": "sk-bench", "TURN_DEBOUNCE": "0s", "LLM_MAX_RETRIES": "0", "SPA_DIR": os.TempDir(),
	}
	if o.llmWorkers > 0 {
		env["LLM_WORKER_CONCURRENCY"] = strconv.Itoa(o.llmWorkers)
	}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, config.LoadOpts{NeedAppDB: true})
	if err != nil {
		return err
	}
	server, err := app.New(ctx, cfg, obs.NewLogger(io.Discard, "json", "error"), app.Opts{DBTracer: &roundTrips})
	if err != nil {
		return err
	}
	defer server.Close()
	sctx, stopServer := context.WithCancel(ctx)
	serverDone := make(chan error, 1)
	go func() { serverDone <- server.Run(sctx, app.RunOpts{Serve: true, Listener: ln}) }()
	defer func() { stopServer(); <-serverDone }()

	tenant, team, bot, err := setupTenant(base, slack)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	if o.busyCPUs > 0 {
		stopBusy, err := startBusy(ctx, o.busyCPUs)
		if err != nil {
			return err
		}
		defer stopBusy()
	}
	res := &Result{When: time.Now().UTC(), Ratios: map[string]float64{}, Process: map[string]any{},
		Machine: map[string]any{"cpus": runtime.NumCPU(), "go": runtime.Version(), "goos": runtime.GOOS},
		Settings: map[string]any{"duration_s": o.duration.Seconds(), "concurrency": o.concurrency, "rate": o.rate, "e2e_rate": o.e2eRate, "db_max_conns": o.dbConns,
			"llm_workers": cfg.LLMWorkerConcurrency, "busy_cpus": o.busyCPUs}}

	baseOp, err := baselineOp(ctx, server.Store.Pool, tenant)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 256}, Timeout: 30 * time.Second}
	post := poster(client, base, team, bot, benchSecret)

	fmt.Fprintln(os.Stderr, "phases 1–2/4: PostgreSQL baseline and ingest, closed loop, alternating")
	both := alternate(o, baseOp, post)
	res.Baseline, res.Ingest = both[0], both[1]
	if o.ingestProfile != "" || stmts != nil {
		// Diagnostics of ingest alone, after the measurement: a CPU profile
		// and PostgreSQL's statements would mix the baseline's in.
		fmt.Fprintln(os.Stderr, "ingest, closed loop, alone (for -ingest-cpuprofile and -statements)")
		stopProfile, err := startProfile(o.ingestProfile)
		if err != nil {
			return err
		}
		if err := stmts.reset(ctx); err != nil {
			return err
		}
		alone := closedLoop(o, o.duration, post)
		stopProfile()
		if err := stmts.report(ctx, os.Stderr, "ingest, closed loop", alone.Count); err != nil {
			fmt.Fprintln(os.Stderr, "statements:", err)
		}
	}
	fmt.Fprintln(os.Stderr, "phase 3/4: ingest at a fixed rate")
	n0 := roundTrips.Total()
	res.IngestRated = openLoop(o.rate, o.duration, post, nil)
	res.IngestRated.RoundTrips = perOp(n0, res.IngestRated.Count)

	// The turns queued so far would flood the workers; end to end starts clean.
	if _, err := db.owner.Exec(ctx, "DELETE FROM river_job WHERE kind = 'agent.turn'"); err != nil {
		return err
	}
	// ...and without the ingest phases' dead rows for autovacuum to clear
	// while it runs.
	if _, err := db.owner.Exec(ctx, "VACUUM ANALYZE river_job, messages, conversations"); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "phase 4/4: end to end")
	worker, err := app.New(ctx, cfg, obs.NewLogger(io.Discard, "json", "error"), app.Opts{Work: true, DBTracer: &roundTrips})
	if err != nil {
		return err
	}
	stopProfile, err := startProfile(o.cpuProfile)
	if err != nil {
		return err
	}
	wctx, stopWorker := context.WithCancel(ctx)
	workerDone := make(chan error, 1)
	go func() { workerDone <- worker.Run(wctx, app.RunOpts{Work: true}) }()
	time.Sleep(3 * time.Second) // let the workers elect a leader, start fetching and run their on-start periodic jobs
	n0, s0 := roundTrips.Total(), roundTrips.Steps()
	pools0 := []*pgxpool.Stat{server.Store.Pool.Stat(), worker.Store.Pool.Stat()}
	if err := stmts.reset(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "statements:", err)
	}
	res.EndToEnd = endToEnd(o, base, slack)
	if err := stmts.report(ctx, os.Stderr, "end to end", res.EndToEnd.Count); err != nil {
		fmt.Fprintln(os.Stderr, "statements:", err)
	}
	res.EndToEnd.PoolWaits = poolWaits(pools0, []*pgxpool.Stat{server.Store.Pool.Stat(), worker.Store.Pool.Stat()})
	res.EndToEnd.RoundTrips = perOp(n0, res.EndToEnd.Count)
	res.EndToEnd.RoundTripsBySteps = stepsPerOp(s0, n0, res.EndToEnd.Count)
	stopProfile()
	stopWorker()
	<-workerDone
	worker.Close()

	res.Ratios["ingest_vs_baseline"] = res.Ingest.PerSecond / res.Baseline.PerSecond
	res.Ratios["end_to_end_vs_baseline"] = res.EndToEnd.Rate / res.Baseline.PerSecond
	res.Process["rss_mb"] = rssMB()
	res.Process["note"] = "one process: server, workers, fakes and the load generator; postgres_cpu_seconds is every postgres process on the machine"
	printTable(res)
	return writeResults(o.out, res)
}

// startProfile starts a CPU profile written to path ("": none) and returns
// what stops it.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// writeResults writes a run's results as JSON to path ("": nowhere).
func writeResults(path string, res any) error {
	if path == "" {
		return nil
	}
	_ = os.MkdirAll(filepath.Dir(path), 0o755)
	data, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	fmt.Printf("\nwritten to %s\n", path)
	return nil
}

type database struct {
	name, ownerURL, appURL string
	owner                  *pgxpool.Pool
}

func freshDatabase(ctx context.Context, adminURL string) (*database, func(), error) {
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to %s: %w", adminURL, err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("konstruct_bench_%d", os.Getpid())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, nil, err
	}
	u, _ := url.Parse(adminURL)
	u.Path = "/" + name
	d := &database{name: name, ownerURL: u.String()}
	drop := func() {
		if d.owner != nil {
			d.owner.Close()
		}
		c, err := pgx.Connect(context.Background(), adminURL)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	}
	if _, err := store.Migrate(ctx, d.ownerURL, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		drop()
		return nil, nil, err
	}
	d.appURL, _ = config.DeriveAppURL(d.ownerURL)
	if d.owner, err = pgxpool.New(ctx, d.ownerURL); err != nil {
		drop()
		return nil, nil, err
	}
	return d, drop, nil
}

// setupTenant signs up, creates an agent and installs a workspace through
// the fake OAuth, over HTTP like an operator.
func setupTenant(base string, slack *slackfake.Server) (tenant uuid.UUID, team, bot string, err error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path string, body any, out any) error {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", base)
		req.Header.Set("Accept", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, data)
		}
		if out != nil {
			return json.Unmarshal(data, out)
		}
		return nil
	}
	var me struct {
		Memberships []struct {
			TenantID uuid.UUID `json:"tenant_id"`
		}
	}
	if err := do("POST", "/api/portal/auth/signup", map[string]any{"email": "bench@example.com", "password": "benchmark password", "name": "Bench"}, &me); err != nil {
		return uuid.Nil, "", "", err
	}
	tenant = me.Memberships[0].TenantID
	if err := do("POST", "/api/portal/tenants/"+tenant.String()+"/agents", map[string]any{"name": "Bench", "model": "openai/gpt-4o-mini"}, nil); err != nil {
		return uuid.Nil, "", "", err
	}
	var install struct {
		AuthorizeURL string `json:"authorize_url"`
	}
	if err := do("GET", "/api/portal/channels/slack/install?tenant_id="+tenant.String(), nil, &install); err != nil {
		return uuid.Nil, "", "", err
	}
	u, _ := url.Parse(install.AuthorizeURL)
	team, bot = benchTeam, benchBot
	slack.AddInstall("bench-code", slackfake.Install{TeamID: team, TeamName: "Bench", BotUserID: bot, InstallerID: "UI", Token: "xoxb-bench"})
	err = do("GET", "/api/portal/channels/slack/callback?code=bench-code&state="+url.QueryEscape(u.Query().Get("state")), nil, nil)
	return tenant, team, bot, err
}

// baselineOp prepares the baseline and returns one of its transactions.
func baselineOp(ctx context.Context, pool *pgxpool.Pool, tenant uuid.UUID) (func() error, error) {
	var conn, conv uuid.UUID
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('app.current_tenant', $1, true)", tenant.String()); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT id FROM channel_connections LIMIT 1").Scan(&conn); err != nil {
			return err
		}
		conv = uuid.New()
		_, err := tx.Exec(ctx, `INSERT INTO conversations (id, tenant_id, connection_id, channel_type, thread_key, channel_ref)
			VALUES ($1, $2, $3, 'slack', 'baseline', 'CBASE')`, conv, tenant, conn)
		return err
	})
	if err != nil {
		return nil, err
	}
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return nil, err
	}
	var seq atomic.Int64
	one := func() error {
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SELECT set_config('app.current_tenant', $1, true)", tenant.String()); err != nil {
				return err
			}
			id := uuid.Must(uuid.NewV7())
			if _, err := tx.Exec(ctx, `INSERT INTO messages (id, tenant_id, conversation_id, connection_id, role, external_id, body)
				VALUES ($1, $2, $3, $4, 'user', $5, 'hello')`, id, tenant, conv, conn, fmt.Sprintf("base:%d", seq.Add(1))); err != nil {
				return err
			}
			_, err := rc.InsertTx(ctx, tx, turns.Args{TenantID: tenant, ConversationID: conv, MessageID: id}, nil)
			return err
		})
	}
	return one, nil
}

// poster returns a function that posts one new signed mention (a new thread
// in its own channel, so replies can be matched) and reports its channel.
func poster(client *http.Client, base, team, bot, secret string) func() error {
	var seq atomic.Int64
	return func() error { _, err := postEvent(client, base, team, bot, secret, seq.Add(1)); return err }
}

func postEvent(client *http.Client, base, team, bot, secret string, n int64) (string, error) {
	channel := fmt.Sprintf("CB%d", n)
	// Events come from 200 people, not one: a person does not write 50
	// messages a second, and one person's ever-growing memory would make
	// every turn recall from the whole run.
	user := fmt.Sprintf("UB%d", n%200)
	body := mentionEnvelope(team, fmt.Sprintf("EvB%d", n), user, channel, fmt.Sprintf("1800000000.%06d", n%1000000), "<@"+bot+"> hello")
	req, _ := http.NewRequest("POST", base+"/api/webhooks/slack/events", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	slackfake.Sign(req.Header, secret, body, time.Now())
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("webhook answered %d", resp.StatusCode)
	}
	return channel, nil
}

// mentionEnvelope is slackfake.Envelope(team, eventID, slackfake.Mention(…))
// encoded from structs: the load generator shares the machine with the server
// it measures, and encoding maps was a tenth of its CPU
// (TestMentionEnvelopeMatchesSlackfake keeps the two the same).
func mentionEnvelope(team, eventID, user, channel, ts, text string) []byte {
	type mention struct {
		Type    string `json:"type"`
		User    string `json:"user"`
		Channel string `json:"channel"`
		TS      string `json:"ts"`
		EventTS string `json:"event_ts"`
		Text    string `json:"text"`
	}
	type authorization struct {
		TeamID string `json:"team_id"`
		UserID string `json:"user_id"`
		IsBot  bool   `json:"is_bot"`
	}
	body, _ := json.Marshal(struct {
		Token          string          `json:"token"`
		TeamID         string          `json:"team_id"`
		APIAppID       string          `json:"api_app_id"`
		Type           string          `json:"type"`
		EventID        string          `json:"event_id"`
		EventTime      int64           `json:"event_time"`
		Event          mention         `json:"event"`
		Authorizations []authorization `json:"authorizations"`
	}{"legacy-verification-token", team, "AKONSTRUCT", "event_callback", eventID, time.Now().Unix(),
		mention{"app_mention", user, channel, ts, ts, text}, []authorization{{team, "UBOT", true}}})
	return body
}

// alternate measures ops in closed loops of one second each, one after the
// other, repeated for o.duration each, after a short warm-up of each: a
// drift of the machine's speed (another process, a checkpoint, the VM's
// neighbours) falls on all of them alike, so their ratio holds when the
// machine does not. Measured one phase after the other, the same binary's
// ingest/baseline ratio spread 58–72 % on one machine; alternating, see
// docs/performance.md.
func alternate(o opts, ops ...func() error) []Throughput {
	slice := min(time.Second, o.duration)
	warm := min(time.Second, o.duration/5)
	for _, op := range ops {
		closedLoop(o, warm, op)
	}
	type sum struct {
		lat     []time.Duration
		elapsed time.Duration
		trips   int64
		t       Throughput
	}
	sums := make([]sum, len(ops))
	for done := time.Duration(0); done < o.duration; done += slice {
		for i, op := range ops {
			n0 := roundTrips.Total()
			t, lat, elapsed := closedLoopRaw(o, slice, op)
			s := &sums[i]
			s.lat = append(s.lat, lat...)
			s.elapsed += elapsed
			s.trips += roundTrips.Total() - n0
			s.t.Errors += t.Errors
			s.t.CPUProc += t.CPUProc
			s.t.CPUDB += t.CPUDB
			s.t.CPUDBOwn += t.CPUDBOwn
		}
	}
	out := make([]Throughput, len(ops))
	for i, s := range sums {
		l := percentiles(s.lat)
		l.Errors, l.CPUProc, l.CPUDB, l.CPUDBOwn = s.t.Errors, s.t.CPUProc, s.t.CPUDB, s.t.CPUDBOwn
		if len(s.lat) > 0 {
			l.RoundTrips = float64(s.trips) / float64(len(s.lat))
		}
		out[i] = Throughput{PerSecond: float64(len(s.lat)) / s.elapsed.Seconds(), Count: len(s.lat), Latency: l}
	}
	return out
}

// closedLoop runs op from o.concurrency goroutines for d.
func closedLoop(o opts, d time.Duration, op func() error) Throughput {
	t, _, _ := closedLoopRaw(o, d, op)
	return t
}

// closedLoopRaw is closedLoop with each operation's latency and the time it
// took.
func closedLoopRaw(o opts, d time.Duration, op func() error) (Throughput, []time.Duration, time.Duration) {
	cpu0, db0, own0 := cpuSeconds(), postgresCPUSeconds(), ownBackends()
	deadline := time.Now().Add(d)
	var mu sync.Mutex
	var lat []time.Duration
	var errs int
	var wg sync.WaitGroup
	start := time.Now()
	for range o.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t := time.Now()
				if err := op(); err != nil {
					mu.Lock()
					errs++
					mu.Unlock()
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	l := percentiles(lat) // sorts lat in place; alternate merges it unsorted either way
	l.Errors, l.CPUProc, l.CPUDB, l.CPUDBOwn = errs, cpuSeconds()-cpu0, postgresCPUSeconds()-db0, ownBackendsSince(own0)
	return Throughput{PerSecond: float64(len(lat)) / elapsed.Seconds(), Count: len(lat), Latency: l}, lat, elapsed
}

// openLoop starts op at a fixed rate, whatever the latency, for d.
func openLoop(rate int, d time.Duration, op func() error, each func(int64, time.Time)) Latency {
	cpu0, db0, own0 := cpuSeconds(), postgresCPUSeconds(), ownBackends()
	var mu sync.Mutex
	var lat []time.Duration
	var errs int
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	n := int(d / interval)
	for i := range n {
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.Now()
			err := op()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs++
				return
			}
			lat = append(lat, time.Since(t))
		}()
	}
	wg.Wait()
	l := percentiles(lat)
	l.Rate = float64(len(lat)) / time.Since(start).Seconds()
	l.Errors, l.CPUProc, l.CPUDB, l.CPUDBOwn = errs, cpuSeconds()-cpu0, postgresCPUSeconds()-db0, ownBackendsSince(own0)
	return l
}

// endToEnd posts events at the e2e rate and times each from its
// acknowledgement to the chat.update that answers it. Both ends are recorded
// by channel (every event starts its own), so a reply that overtakes the
// acknowledgement's bookkeeping is still matched.
func endToEnd(o opts, base string, slack *slackfake.Server) Latency {
	cpu0, db0, own0 := cpuSeconds(), postgresCPUSeconds(), ownBackends()
	updates := slack.Watch()
	var mu sync.Mutex
	acked, answered := map[string]time.Time{}, map[string]time.Time{}
	done := make(chan struct{})
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		for {
			select {
			case c := <-updates:
				if c.Method == "chat.update" {
					mu.Lock()
					if _, seen := answered[c.Form.Get("channel")]; !seen {
						answered[c.Form.Get("channel")] = c.At
					}
					mu.Unlock()
				}
			case <-done:
				return
			}
		}
	}()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second}
	var seq atomic.Int64
	seq.Store(1 << 40)
	var errs int
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(o.e2eRate)
	start := time.Now()
	for i := range int(o.duration / interval) {
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			ch, err := postEvent(client, base, benchTeam, benchBot, benchSecret, seq.Add(1))
			at := time.Now()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs++
				return
			}
			acked[ch] = at
		}()
	}
	wg.Wait()
	pending := func() int {
		n := 0
		for ch := range acked {
			if _, ok := answered[ch]; !ok {
				n++
			}
		}
		return n
	}
	for wait := time.Now().Add(30 * time.Second); time.Now().Before(wait); time.Sleep(50 * time.Millisecond) {
		mu.Lock()
		left := pending()
		mu.Unlock()
		if left == 0 {
			break
		}
	}
	elapsed := time.Since(start)
	close(done)
	<-watching
	var lat []time.Duration
	for ch, t := range acked {
		if a, ok := answered[ch]; ok {
			lat = append(lat, max(a.Sub(t), 0))
		}
	}
	l := percentiles(lat)
	l.Rate = float64(len(lat)) / elapsed.Seconds()
	l.Errors, l.Unanswered = errs, pending()
	l.CPUProc, l.CPUDB, l.CPUDBOwn = cpuSeconds()-cpu0, postgresCPUSeconds()-db0, ownBackendsSince(own0)
	return l
}

// cpuSeconds is this process's user+system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// postgresCPUSeconds sums user+system CPU time of every process named
// postgres (Linux /proc; 0 elsewhere). The server is shared, so this is an
// upper bound on what the benchmark cost PostgreSQL.
func postgresCPUSeconds() float64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var ticks float64
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ... utime is field 14, stime 15; comm may
		// contain spaces, so count from the closing parenthesis.
		open, closing := bytes.IndexByte(data, '('), bytes.LastIndexByte(data, ')')
		if open < 0 || closing < open || string(data[open+1:closing]) != "postgres" {
			continue
		}
		fields := strings.Fields(string(data[closing+1:]))
		if len(fields) < 13 {
			continue
		}
		u, _ := strconv.ParseFloat(fields[11], 64)
		s, _ := strconv.ParseFloat(fields[12], 64)
		ticks += u + s
	}
	return ticks / 100 // USER_HZ is 100 on every Linux we run on
}

// ownDB lists the process ids of the backends serving the bench's database
// (set once it exists).
var ownDB func() []int

// ownBackends is the CPU ticks of each backend of the bench's database.
func ownBackends() map[int]float64 {
	out := map[int]float64{}
	if ownDB == nil {
		return out
	}
	for _, pid := range ownDB() {
		if t, ok := procTicks(pid); ok {
			out[pid] = t
		}
	}
	return out
}

// ownBackendsSince is the CPU seconds the bench database's backends used
// since before: backends that started since count whole, backends that
// ended since are lost (the pools keep theirs for minutes).
func ownBackendsSince(before map[int]float64) float64 {
	var ticks float64
	for pid, t := range ownBackends() {
		ticks += t - before[pid]
	}
	return ticks / 100
}

// procTicks is a process's user+system CPU ticks (Linux /proc).
func procTicks(pid int) (float64, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	closing := bytes.LastIndexByte(data, ')')
	if closing < 0 {
		return 0, false
	}
	fields := strings.Fields(string(data[closing+1:]))
	if len(fields) < 13 {
		return 0, false
	}
	u, _ := strconv.ParseFloat(fields[11], 64)
	st, _ := strconv.ParseFloat(fields[12], 64)
	return u + st, true
}

// rssMB is this process's resident set size.
func rssMB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func printTable(r *Result) {
	if n, _ := r.Settings["busy_cpus"].(int); n > 0 {
		fmt.Printf("under load: %d of %v cores kept busy by other processes throughout\n", n, r.Machine["cpus"])
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "phase\tper s\tcount\tp50 ms\tp95 ms\tp99 ms\tmax ms\terrors\tcpu s\tpg cpu s\town pg s\tdb trips/op\t\n")
	row := func(name string, rate float64, l Latency) {
		fmt.Fprintf(w, "%s\t%.0f\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t\n",
			name, rate, l.Count, l.P50, l.P95, l.P99, l.Max, l.Errors, l.CPUProc, l.CPUDB, l.CPUDBOwn, l.RoundTrips)
	}
	row("baseline (pg tx: message + job)", r.Baseline.PerSecond, r.Baseline.Latency)
	row("ingest, closed loop", r.Ingest.PerSecond, r.Ingest.Latency)
	row(fmt.Sprintf("ingest at %v/s", r.Settings["rate"]), r.IngestRated.Rate, r.IngestRated)
	row(fmt.Sprintf("end to end at %v/s", r.Settings["e2e_rate"]), r.EndToEnd.Rate, r.EndToEnd)
	_ = w.Flush()
	fmt.Printf("\nround trips per turn by step (end to end):\n")
	for _, k := range slices.Sorted(maps.Keys(r.EndToEnd.RoundTripsBySteps)) {
		fmt.Printf("  %-22s %5.1f\n", k, r.EndToEnd.RoundTripsBySteps[k])
	}
	for _, k := range slices.Sorted(maps.Keys(r.EndToEnd.PoolWaits)) {
		p := r.EndToEnd.PoolWaits[k]
		fmt.Printf("  pool %-17s %d acquires, %d waited, mean %.2f ms\n", k, p.Acquires, p.Waited, p.MeanMS)
	}
	fmt.Printf("\ningest / baseline        %.0f%%\n", 100*r.Ratios["ingest_vs_baseline"])
	fmt.Printf("end to end / baseline    %.0f%%\n", 100*r.Ratios["end_to_end_vs_baseline"])
	fmt.Printf("unanswered end to end    %d\n", r.EndToEnd.Unanswered)
	fmt.Printf("process RSS              %.0f MB (%d CPUs)\n", r.Process["rss_mb"], r.Machine["cpus"])
}

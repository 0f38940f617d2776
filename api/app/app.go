// Package app is Konstruct's composition root: it builds every service from
// the configuration, wires them into the HTTP server and the River client,
// and runs either or both with graceful shutdown. The binary's subcommands
// and the end-to-end tests both start the product through New.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"golang.org/x/sync/errgroup"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/agents"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/auth"
	"github.com/konstruct/konstruct/api/billing"
	"github.com/konstruct/konstruct/api/channels"
	"github.com/konstruct/konstruct/api/channels/slack"
	"github.com/konstruct/konstruct/api/channels/whatsapp"
	"github.com/konstruct/konstruct/api/config"
	"github.com/konstruct/konstruct/api/conversations"
	"github.com/konstruct/konstruct/api/escalation"
	"github.com/konstruct/konstruct/api/events"
	"github.com/konstruct/konstruct/api/httpapi"
	"github.com/konstruct/konstruct/api/idempotency"
	"github.com/konstruct/konstruct/api/jobs"
	"github.com/konstruct/konstruct/api/knowledge"
	"github.com/konstruct/konstruct/api/llm"
	"github.com/konstruct/konstruct/api/llmkeys"
	"github.com/konstruct/konstruct/api/mail"
	"github.com/konstruct/konstruct/api/memory"
	"github.com/konstruct/konstruct/api/netguard"
	"github.com/konstruct/konstruct/api/obs"
	"github.com/konstruct/konstruct/api/ratelimit"
	"github.com/konstruct/konstruct/api/readiness"
	"github.com/konstruct/konstruct/api/retention"
	"github.com/konstruct/konstruct/api/store"
	"github.com/konstruct/konstruct/api/tenants"
	"github.com/konstruct/konstruct/api/tools"
	"github.com/konstruct/konstruct/api/turns"
	"github.com/konstruct/konstruct/api/usage"
)

// App is a running Konstruct process's services.
type App struct {
	Config  *config.Config
	Log     *slog.Logger
	Store   *store.Store
	Jobs    *river.Client[pgx.Tx]
	HTTP    *echo.Echo
	Auth    *auth.Service
	Tenants *tenants.Service
	Agents  *agents.Service

	Channels *channels.Service
	Slack    *slack.Service
	WhatsApp *whatsapp.Service
	LLMKeys  *llmkeys.Service
	Router   *llm.Router
	Memory   *memory.Service
	Metrics  *obs.Metrics
	Billing  *billing.Service
	Tracing  *obs.Tracing
	// Events records, delivers and replays outbound events (webhooks).
	Events *events.Service
	// Knowledge ingests sources and retrieves from them.
	Knowledge *knowledge.Service
}

// Opts chooses what the process does.
type Opts struct {
	// Work makes this process work River jobs (worker and dev).
	Work bool
	// TestOnly makes River skip its start-up jitter.
	TestOnly bool
	// DBTracer, when set, sees every database statement (the bench).
	DBTracer pgx.QueryTracer
}

// New connects to the database and builds every service.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger, opts Opts) (*App, error) {
	st, err := store.Open(ctx, cfg.AppDatabaseURL, store.OpenOpts{MaxConns: cfg.DBMaxConns, AppName: "konstruct", Tracer: opts.DBTracer})
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, Store: st, Metrics: obs.NewMetrics()}
	if a.Tracing, err = obs.NewTracing(ctx, obs.TracingOpts{Endpoint: cfg.OTelEndpoint, Service: cfg.OTelServiceName, Log: log}); err != nil {
		st.Close()
		return nil, err
	}
	defer func() { // a failure below leaves no exporter running; a.HTTP is built last
		if a.HTTP == nil {
			_ = a.Tracing.Close()
		}
	}()
	a.Metrics.Registry.MustRegister(obs.NewQueueCollector(func(ctx context.Context) (map[[2]string]int, error) {
		var rows []struct {
			Queue string `bun:"queue"`
			State string `bun:"state"`
			N     int    `bun:"n"`
		}
		err := st.DB.NewRaw(`SELECT queue, state, count(*) AS n FROM river_job
			WHERE state IN ('available', 'scheduled', 'retryable', 'running') GROUP BY queue, state`).Scan(ctx, &rows)
		// Every queue and state is reported, zero included, so a dashboard
		// sees "empty" rather than "no data" when the queue drains.
		out := map[[2]string]int{}
		for _, q := range []string{jobs.QueueDefault, jobs.QueueLLM, jobs.QueueWebhooks} {
			for _, state := range []string{"available", "scheduled", "retryable", "running"} {
				out[[2]string{q, state}] = 0
			}
		}
		for _, r := range rows {
			out[[2]string{r.Queue, r.State}] = r.N
		}
		return out, err
	}))
	guard := access.NewGuard(st)
	limiter := ratelimit.New(st.DB)
	a.Tenants = tenants.NewService(st, guard)
	a.Auth = auth.NewService(st, a.Tenants, limiter, auth.Opts{
		Keys: cfg.SessionKeys, TTL: cfg.SessionTTL, PublicURL: cfg.PublicURL.String(),
		AllowedOrigins: cfg.AllowedOrigins, MaxFailures: cfg.SigninMaxFailures, Log: log,
	})
	// Invitations are accepted by link; a member's tokens die with them.
	a.Tenants.SetInvitations(tenants.InvitationOpts{Keys: cfg.SessionKeys, PublicURL: cfg.PublicURL.String(), Emailed: cfg.Mail.Enabled()})
	a.Tenants.OnMemberLeft(func(ctx context.Context, tx store.Tx, userID uuid.UUID) error {
		_, err := auth.RevokeCreatedBy(ctx, tx, userID)
		return err
	})
	var mailer mail.Sender
	if cfg.Mail.Enabled() {
		smtp, err := mail.NewSMTP(cfg.Mail.URL, cfg.Mail.From, cfg.OutboundTimeout)
		if err != nil {
			st.Close()
			return nil, err
		}
		mailer = smtp
	}
	policy := netguard.Policy{AllowPrivate: cfg.AllowPrivateURLs}
	a.Agents = agents.NewService(st, guard, cfg.Secrets, policy)

	outbound := &http.Client{Timeout: cfg.OutboundTimeout}
	a.Billing = billing.New(billing.Opts{Config: cfg.Billing, PublicURL: cfg.PublicURL.String(), HTTPClient: outbound,
		Store: st, Guard: guard, Log: log})
	a.Agents.OnSeatsChanged(a.Billing.EnqueueSeatSync)
	a.Slack = slack.New(slack.Opts{Config: cfg.Slack, PublicURL: cfg.PublicURL.String(), StateKeys: cfg.SessionKeys,
		HTTPClient: outbound, Store: st, Guard: guard, Keyring: cfg.Secrets,
		TestMessage: "👋 Hello from Konstruct! Your AI employee is connected to this workspace and ready to help."})
	a.WhatsApp = whatsapp.New(whatsapp.Opts{Config: cfg.WhatsApp, HTTPClient: outbound, Store: st, Guard: guard, Keyring: cfg.Secrets})
	// The channel providers, built once: everything that sends goes
	// through them (Providers.SenderFor).
	providers := channels.NewProviders(cfg.Secrets, map[string]channels.Provider{
		channels.Slack: a.Slack.Provider(), channels.WhatsApp: a.WhatsApp.Provider(),
	})
	a.Channels = channels.NewService(st, guard, cfg.Secrets, providers)

	a.LLMKeys = llmkeys.NewService(st, guard, cfg.Secrets, policy)
	pricing, err := llm.LoadPricing(cfg.LLM.PricingFile)
	if err != nil {
		st.Close()
		return nil, err
	}
	a.Router = llm.NewRouter(llm.RouterOpts{
		Keys: a.LLMKeys, Pricing: pricing, Timeout: cfg.LLM.Timeout, Retries: cfg.LLM.Retries,
		Platform: map[string]llm.Credential{
			llm.OpenAI:    {APIKey: cfg.LLM.OpenAIKey, BaseURL: cfg.LLM.OpenAIURL},
			llm.Anthropic: {APIKey: cfg.LLM.AnthropicKey, BaseURL: cfg.LLM.AnthropicURL},
			llm.Custom:    {APIKey: cfg.LLM.CustomKey, BaseURL: cfg.LLM.CustomURL},
		},
		// The SDKs time each attempt; the clients' own timeout is a backstop.
		HTTP: &http.Client{Timeout: cfg.LLM.Timeout}, Guarded: policy.Client(cfg.LLM.Timeout), Metrics: a.Metrics,
	})
	a.LLMKeys.SetVerifier(a.Router)
	a.Agents.SetModelValidator(a.LLMKeys)
	a.Metrics.SetKnownModels(pricing.IDs())

	var embedder memory.Embedder = memory.Offline{}
	switch cfg.Embedding.Provider {
	case "semantic":
		if embedder, err = memory.NewSemantic(memory.DefaultSemanticOpts); err != nil {
			st.Close()
			return nil, err
		}
	case "openai":
		key := cfg.Embedding.APIKey
		if key == "" {
			key = cfg.LLM.OpenAIKey
		}
		embedder = memory.NewOpenAICompatible(cfg.Embedding.URL, key, cfg.Embedding.Model, cfg.Embedding.Dimensions, cfg.LLM.Timeout)
	}
	if a.Memory, err = memory.New(ctx, st, guard, embedder, log); err != nil {
		st.Close()
		return nil, err
	}
	toolEnv := tools.Env{Keyring: cfg.Secrets, HTTP: policy.Client(30 * time.Second)}

	a.Events = events.New(events.Opts{Store: st, Guard: guard, Keyring: cfg.Secrets, Policy: policy, RequireHTTPS: cfg.Env == "production",
		Timeout: cfg.Webhooks.Timeout, EndpointConcurrency: cfg.Webhooks.EndpointConcurrency,
		Schedule: events.ScheduleFor(cfg.Webhooks.RetryFirst, cfg.Webhooks.RetryFor), Log: log})

	a.Knowledge = knowledge.New(knowledge.Opts{Store: st, Guard: guard, Embedder: embedder, Policy: policy,
		FileMaxBytes: cfg.Knowledge.FileMaxBytes, TenantMaxBytes: cfg.Knowledge.TenantMaxBytes, FetchTimeout: cfg.OutboundTimeout, Log: log})

	workers := river.NewWorkers()
	river.AddWorker(workers, &knowledge.SyncWorker{Knowledge: a.Knowledge})
	river.AddWorker(workers, &knowledge.BackfillWorker{Knowledge: a.Knowledge})
	river.AddWorker(workers, &knowledge.BackfillCheckWorker{Knowledge: a.Knowledge})
	river.AddWorker(workers, &knowledge.ScheduleWorker{Knowledge: a.Knowledge})
	river.AddWorker(workers, events.NewWorker(a.Events))
	river.AddWorker(workers, &events.PruneWorker{DB: st.DB, Log: log})
	river.AddWorker(workers, &retention.PruneWorker{DB: st.DB, Log: log})
	river.AddWorker(workers, turns.NewWorker(turns.WorkerOpts{Store: st, Router: a.Router,
		Providers: providers, Log: log, Debounce: cfg.TurnDebounce, Memory: a.Memory, Knowledge: a.Knowledge, Tools: toolEnv, MediaMaxBytes: cfg.MediaMaxBytes,
		Timeout: min(3*time.Minute, cfg.JobRescueAfter), Gate: a.Billing.Gate(), EvidenceWait: cfg.DeliveryEvidenceWait, Metrics: a.Metrics}))
	river.AddWorker(workers, &billing.SeatsWorker{Billing: a.Billing})
	river.AddWorker(workers, &usage.CheckWorker{Store: st, Log: log})
	river.AddWorker(workers, &turns.HandoverWorker{Store: st, Providers: providers, PublicURL: cfg.PublicURL.String(), Log: log})
	river.AddWorker(workers, &memory.EmbedWorker{Memory: a.Memory})
	river.AddWorker(workers, &tenants.InvitationEmailWorker{Store: st, Tenants: a.Tenants, Sender: mailer, Log: log})
	a.Jobs, err = jobs.NewClient(st.Pool, jobs.Opts{
		Workers: workers, Periodic: []*river.PeriodicJob{retention.Periodic(), usage.Periodic(cfg.Billing.BudgetInterval), events.PrunePeriodic(), knowledge.SchedulePeriodic(), knowledge.BackfillCheckPeriodic()},
		Work: opts.Work, Concurrency: cfg.WorkerConcurrency, LLMConcurrency: cfg.LLMWorkerConcurrency,
		Logger: log, TestOnly: opts.TestOnly, RescueAfter: cfg.JobRescueAfter, WebhookConcurrency: cfg.Webhooks.Concurrency,
		Middleware: append(a.Tracing.JobMiddleware(), &obs.JobMiddleware{Metrics: a.Metrics, Log: log}, &jobStep{}),
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	st.AttachJobs(a.Jobs)
	jobsUI, err := jobs.NewUI(ctx, a.Jobs, log)
	if err != nil {
		st.Close()
		return nil, err
	}

	a.HTTP, err = httpapi.New(httpapi.Opts{
		Config: cfg, Log: log, Auth: a.Auth, Limiter: limiter, Metrics: a.Metrics, Tracing: a.Tracing,
		Idempotency: idempotency.NewStore(st.DB, cfg.Secrets), JobsUI: jobsUI,
		Handlers: httpapi.Handlers{
			Ops:              &httpapi.Ops{Store: st},
			AuthHandler:      auth.NewHandler(a.Auth, a.Tenants, guard),
			TenantsHandler:   tenants.NewHandler(a.Tenants),
			AgentsHandler:    agents.NewHandler(a.Agents),
			AuditHandler:     audit.NewHandler(st, guard),
			ChannelsHandler:  channels.NewHandler(a.Channels),
			SlackHandler:     slack.NewHandler(a.Slack),
			WhatsAppHandler:  whatsapp.NewHandler(a.WhatsApp),
			LLMKeysHandler:   llmkeys.NewHandler(a.LLMKeys),
			PreviewHandler:   turns.NewPreviewHandler(turns.NewPreview(st, guard, a.Router, toolEnv, a.Knowledge)),
			ConvHandler:      conversations.NewHandler(conversations.NewService(st, guard, providers)),
			MemoryHandler:    memory.NewHandler(a.Memory),
			TopicsHandler:    escalation.NewTopicsHandler(escalation.NewTopicsService(st, guard)),
			BillingHandler:   billing.NewHandler(a.Billing),
			UsageHandler:     usage.NewHandler(usage.NewService(st, guard)),
			EventsHandler:    events.NewHandler(a.Events),
			KnowledgeHandler: knowledge.NewHandler(a.Knowledge),
			ReadyHandler: readiness.NewHandler(readiness.New(readiness.Opts{Store: st, Guard: guard,
				Platform: readiness.PlatformFrom(cfg), Models: a.modelCatalog, Billing: a.billingState})),
		},
		Webhooks: []httpapi.Webhook{
			{Method: http.MethodPost, Path: "/api/webhooks/slack/events", Provider: "slack", BodyLimit: "1M", Handler: a.Slack.Events(log)},
			{Method: http.MethodGet, Path: "/api/webhooks/whatsapp", Provider: "whatsapp", BodyLimit: "1K", Handler: a.WhatsApp.Verify},
			{Method: http.MethodPost, Path: "/api/webhooks/whatsapp", Provider: "whatsapp", BodyLimit: "3M", Handler: a.WhatsApp.Events(log)},
			{Method: http.MethodPost, Path: "/api/webhooks/stripe", Provider: "stripe", BodyLimit: "1M", Handler: a.Billing.Webhook},
		},
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	return a, nil
}

// billingState tells readiness whether billing lets a tenant's agents answer.
func (a *App) billingState(ctx context.Context, tenantID uuid.UUID) (bool, string, error) {
	st, err := a.Billing.State(ctx, tenantID)
	if err != nil {
		return false, "", err
	}
	return st.Enabled, st.BlockedReason, nil
}

// Close flushes the spans not yet exported and releases the database.
func (a *App) Close() {
	if err := a.Tracing.Close(); err != nil {
		a.Log.Warn("flushing traces", "err", err)
	}
	a.Store.Close()
}

// RunOpts chooses the roles of Run.
type RunOpts struct {
	Serve bool
	Work  bool
	// Listener, when set, is used instead of listening on HTTP_ADDR.
	Listener net.Listener
	// Ready, when set, is called once the process serves (and works).
	Ready func(addr string)
}

// Run serves HTTP and/or works jobs until ctx is cancelled, then shuts down
// gracefully: stop accepting, let in-flight requests finish, let running jobs
// finish (River hands back what cannot finish in time), all within
// SHUTDOWN_TIMEOUT.
func (a *App) Run(ctx context.Context, opts RunOpts) error {
	g, gctx := errgroup.WithContext(ctx)
	addr := ""
	var srv *http.Server
	if opts.Serve {
		ln := opts.Listener
		if ln == nil {
			var err error
			if ln, err = net.Listen("tcp", a.Config.HTTPAddr); err != nil {
				return fmt.Errorf("listen on HTTP_ADDR=%s: %w", a.Config.HTTPAddr, err)
			}
		}
		addr = ln.Addr().String()
		srv = &http.Server{
			Handler: a.HTTP, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
			ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
		}
		g.Go(func() error {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
	}
	if opts.Work {
		if err := a.Jobs.Start(gctx); err != nil {
			return fmt.Errorf("start workers: %w", err)
		}
		rescuer := &jobs.Rescuer{Pool: a.Store.Pool, RescueAfter: a.Config.JobRescueAfter, Log: a.Log}
		g.Go(func() error { rescuer.Run(gctx); return nil })
		// Fans recorded events out to endpoints and starts due deliveries.
		g.Go(func() error { return a.Events.Relay(gctx) })
	}
	if opts.Ready != nil {
		opts.Ready(addr)
	}

	g.Go(func() error {
		<-gctx.Done()
		stopCtx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
		defer cancel()
		var errs []error
		if srv != nil {
			a.Log.Info("shutting down HTTP server")
			errs = append(errs, srv.Shutdown(stopCtx))
		}
		if opts.Work {
			a.Log.Info("stopping workers")
			if err := a.Jobs.Stop(stopCtx); err != nil {
				// Soft stop ran out of time: cancel running jobs so they are
				// retried elsewhere rather than left running.
				hardCtx, hardCancel := context.WithTimeout(context.Background(), 5*time.Second)
				errs = append(errs, a.Jobs.StopAndCancel(hardCtx))
				hardCancel()
			}
		}
		return errors.Join(errs...)
	})
	return g.Wait()
}

// modelCatalog is the tenant's model catalog (llmkeys) as readiness reads it.
func (a *App) modelCatalog(ctx context.Context, tenantID uuid.UUID) ([]readiness.Model, error) {
	ms, err := a.LLMKeys.Models(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := make([]readiness.Model, 0, len(ms))
	for _, m := range ms {
		out = append(out, readiness.Model{ID: m.ID, Provider: m.Provider, Available: m.Available, Reason: m.Reason, KeySource: m.KeySource, Priced: m.Priced})
	}
	return out, nil
}

// jobStep names the statements of every job run by its kind ("job:<kind>",
// store.WithStep) unless the job names its own steps (the turn's claim,
// read…): the bench then reports the memory job's round trips apart from
// River's fetching and completing, which no step claims.
type jobStep struct{ river.MiddlewareDefaults }

func (*jobStep) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	return doInner(store.WithStep(ctx, "job:"+job.Kind))
}

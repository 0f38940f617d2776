package httpapi

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/konstruct/konstruct/api/agents"
	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/auth"
	"github.com/konstruct/konstruct/api/billing"
	"github.com/konstruct/konstruct/api/channels"
	"github.com/konstruct/konstruct/api/channels/slack"
	"github.com/konstruct/konstruct/api/channels/whatsapp"
	"github.com/konstruct/konstruct/api/config"
	"github.com/konstruct/konstruct/api/contract"
	"github.com/konstruct/konstruct/api/conversations"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/escalation"
	"github.com/konstruct/konstruct/api/events"
	"github.com/konstruct/konstruct/api/idempotency"
	"github.com/konstruct/konstruct/api/jobs"
	"github.com/konstruct/konstruct/api/knowledge"
	"github.com/konstruct/konstruct/api/llmkeys"
	"github.com/konstruct/konstruct/api/memory"
	"github.com/konstruct/konstruct/api/obs"
	"github.com/konstruct/konstruct/api/ratelimit"
	"github.com/konstruct/konstruct/api/readiness"
	"github.com/konstruct/konstruct/api/store"
	"github.com/konstruct/konstruct/api/tenants"
	"github.com/konstruct/konstruct/api/turns"
	"github.com/konstruct/konstruct/api/usage"
)

// Each domain names its handler type Handler; these aliases give the
// embedded fields distinct names.
type (
	AuthHandler      = auth.Handler
	TenantsHandler   = tenants.Handler
	AgentsHandler    = agents.Handler
	AuditHandler     = audit.Handler
	ChannelsHandler  = channels.Handler
	SlackHandler     = slack.Handler
	WhatsAppHandler  = whatsapp.Handler
	LLMKeysHandler   = llmkeys.Handler
	PreviewHandler   = turns.PreviewHandler
	ConvHandler      = conversations.Handler
	MemoryHandler    = memory.Handler
	TopicsHandler    = escalation.TopicsHandler
	BillingHandler   = billing.Handler
	UsageHandler     = usage.Handler
	EventsHandler    = events.Handler
	ReadyHandler     = readiness.Handler
	KnowledgeHandler = knowledge.Handler
)

// Handlers composes every domain's strict handlers into the generated
// interface; a missing operation is a compile error (below).
type Handlers struct {
	*Ops
	*AuthHandler
	*TenantsHandler
	*AgentsHandler
	*AuditHandler
	*ChannelsHandler
	*SlackHandler
	*WhatsAppHandler
	*LLMKeysHandler
	*PreviewHandler
	*ConvHandler
	*MemoryHandler
	*TopicsHandler
	*BillingHandler
	*UsageHandler
	*EventsHandler
	*ReadyHandler
	*KnowledgeHandler
}

var _ apigen.StrictServerInterface = Handlers{}

// Webhook is a route that needs its raw body (signature checks), documented
// in the contract but routed here rather than through the strict server.
type Webhook struct {
	Method    string
	Path      string
	Provider  string // metrics label: slack, whatsapp, stripe
	BodyLimit string // e.g. "1M"
	Handler   echo.HandlerFunc
}

// Opts are the server's collaborators.
type Opts struct {
	Config      *config.Config
	Log         *slog.Logger
	Auth        *auth.Service
	Limiter     *ratelimit.Limiter
	Idempotency *idempotency.Store
	Handlers    Handlers
	Webhooks    []Webhook
	Metrics     *obs.Metrics
	Tracing     *obs.Tracing // nil or disabled: no spans
	// JobsUI, when set, is River UI, served at jobs.UIPath to platform
	// administrators signed in to the portal.
	JobsUI http.Handler
}

// New builds the Echo server.
func New(opts Opts) (*echo.Echo, error) {
	// Routes and request validation use the contract integrators read (the
	// embedded openapi.yaml), not oapi-codegen's rewritten copy of it.
	spec, err := contract.Load()
	if err != nil {
		return nil, err
	}
	routes := newRouteTable(spec)
	cfg := opts.Config

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(opts.Log)
	e.IPExtractor = ipExtractor(cfg)
	lm := newLimits(opts.Limiter, cfg.APIRateLimit, cfg.AddressRateLimit)
	e.Use(recoverPanics(opts.Log), requestScope(), traceRequests(opts.Tracing, cfg.PublicURL.Host),
		accessLog(opts.Log, opts.Metrics), securityHeaders(cfg.Secure()), lm.rateFields())
	if len(cfg.AllowedOrigins) > 0 {
		// Only for origins the operator listed: browsers elsewhere keep the
		// same-origin policy, and cookie writes still pass the Origin check.
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:     cfg.AllowedOrigins,
			AllowMethods:     []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
			AllowHeaders:     []string{"Authorization", "Content-Type", "Idempotency-Key", echo.HeaderXRequestID},
			ExposeHeaders:    []string{echo.HeaderXRequestID, "RateLimit", "RateLimit-Policy", "Retry-After", "WWW-Authenticate", "Idempotent-Replayed"},
			AllowCredentials: true,
			MaxAge:           600,
		}))
	}

	isPublic := func(c echo.Context) bool {
		op := routes.lookup(c)
		return op != nil && op.public
	}
	idempotent := func(c echo.Context) bool {
		op := routes.lookup(c)
		return op != nil && op.op.Parameters.GetByInAndName("header", idempotency.Header) != nil
	}
	chain := []echo.MiddlewareFunc{
		bodyLimits(routes, cfg.BodyLimit, cfg.Knowledge.FileMaxBytes),
		lm.authenticate(opts.Auth, isPublic),
		validateRequests(routes),
		opts.Idempotency.Middleware(idempotent),
	}
	apigen.RegisterHandlers(withMiddleware{e, chain}, apigen.NewStrictHandler(opts.Handlers, []apigen.StrictMiddlewareFunc{signedCursors(cursorSigner(cfg.SessionKeys))}))

	for _, w := range opts.Webhooks {
		e.Add(w.Method, w.Path, w.Handler, lm.webhookRejections(), countRejections(opts.Metrics, w.Provider), webhookLimit(w.BodyLimit))
	}
	if opts.Metrics != nil {
		metrics := echo.WrapHandler(opts.Metrics.Handler())
		e.GET("/metrics", func(c echo.Context) error {
			if t := cfg.MetricsToken; t != "" && subtle.ConstantTimeCompare([]byte(c.Request().Header.Get("Authorization")), []byte("Bearer "+t)) != 1 {
				return errs.E(errs.Unauthorized, "The metrics need Authorization: Bearer <METRICS_TOKEN>.")
			}
			return metrics(c)
		})
	}

	if opts.JobsUI != nil {
		// A portal session (cookie, with the Origin check on changes) of a
		// platform administrator; API tokens belong to a tenant and never
		// reach it.
		ui := echo.WrapHandler(opts.JobsUI)
		guard := []echo.MiddlewareFunc{middleware.BodyLimit("64K"), lm.authenticate(opts.Auth, func(echo.Context) bool { return true }), platformAdminSession()}
		e.Any(jobs.UIPath, ui, guard...)
		e.Any(jobs.UIPath+"/*", ui, guard...)
	}

	// The contract itself, byte for byte (YAML), and the same tree as JSON for
	// tools that want it; /openapi.yaml is where tools look first.
	specJSON, err := contract.JSON()
	if err != nil {
		return nil, err
	}
	serveYAML := func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-cache")
		return c.Blob(http.StatusOK, "application/yaml", contract.YAML())
	}
	e.GET("/api/openapi.yaml", serveYAML)
	e.GET("/openapi.yaml", serveYAML)
	e.GET("/api/openapi.json", func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-cache")
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, specJSON)
	})
	e.GET("/api/docs", func(c echo.Context) error { return serveStatic(c, cfg.SPADir, "/api-docs/index.html", "no-cache") })
	e.GET("/*", spa(cfg.SPADir))
	e.Any("/api/*", unknownAPIRoute(e))
	return e, nil
}

// unknownAPIRoute answers API paths no route matched for this method: 405
// (with Allow) when the path exists for other methods, else 404.
func unknownAPIRoute(e *echo.Echo) echo.HandlerFunc {
	methods := []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
	return func(c echo.Context) error {
		var allow []string
		for _, m := range methods {
			probe := e.NewContext(c.Request(), nil)
			e.Router().Find(m, c.Request().URL.Path, probe)
			if p := probe.Path(); p != "/api/*" && p != "/*" && p != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			return echo.ErrNotFound
		}
		c.Response().Header().Set("Allow", strings.Join(allow, ", "))
		return echo.ErrMethodNotAllowed
	}
}

func ipExtractor(cfg *config.Config) echo.IPExtractor {
	if len(cfg.TrustedProxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range cfg.TrustedProxies {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// withMiddleware registers every generated route with the contract chain.
type withMiddleware struct {
	e  *echo.Echo
	mw []echo.MiddlewareFunc
}

func (r withMiddleware) chain(m []echo.MiddlewareFunc) []echo.MiddlewareFunc {
	return append(append([]echo.MiddlewareFunc{}, r.mw...), m...)
}

func (r withMiddleware) CONNECT(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.e.CONNECT(p, h, r.chain(m)...)
}
func (r withMiddleware) DELETE(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.e.DELETE(p, h, r.chain(m)...)
}
func (r withMiddleware) GET(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.e.GET(p, h, r.chain(m)...)
}
func (r withMiddleware) HEAD(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.e.HEAD(p, h, r.chain(m)...)
}
func (r withMiddleware) OPTIONS(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.e.OPTIONS(p, h, r.chain(m)...)
}
func (r withMiddleware) PATCH(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.e.PATCH(p, h, r.chain(m)...)
}
func (r withMiddleware) POST(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.e.POST(p, h, r.chain(m)...)
}
func (r withMiddleware) PUT(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.e.PUT(p, h, r.chain(m)...)
}
func (r withMiddleware) TRACE(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.e.TRACE(p, h, r.chain(m)...)
}

// Ops serves the health probes.
type Ops struct{ Store *store.Store }

func (o *Ops) GetHealth(context.Context, apigen.GetHealthRequestObject) (apigen.GetHealthResponseObject, error) {
	return apigen.GetHealth200JSONResponse{Status: apigen.HealthStatusOk}, nil
}

func (o *Ops) GetReadiness(ctx context.Context, _ apigen.GetReadinessRequestObject) (apigen.GetReadinessResponseObject, error) {
	if err := o.Store.Pool.Ping(ctx); err != nil {
		return nil, errs.Wrap(errs.Unavailable, err, "The database does not answer.")
	}
	if err := o.Store.CheckMigrations(ctx); err != nil {
		if errors.Is(err, store.ErrMigrationsPending) {
			return nil, errs.Wrap(errs.Unavailable, err, "Database migrations are not current; run `konstruct migrate`.")
		}
		return nil, errs.Wrap(errs.Unavailable, err, "The database cannot be checked.")
	}
	checks := map[string]string{"database": "ok", "migrations": "ok"}
	return apigen.GetReadiness200JSONResponse{Status: apigen.HealthStatusOk, Checks: &checks}, nil
}

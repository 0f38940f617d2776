package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/konstruct/konstruct/api/secrets"
)

// options is the whole configuration surface. Add new settings here; README's
// table is generated from the same rows by `konstruct env`.
var options = []option{
	{Group: "server", Name: "APP_ENV", Default: "production",
		Help:  "development or production; development logs text and relaxes cookie security for http://localhost",
		Parse: func(c *Config, raw string) error { c.Env = raw; return oneOf(raw, "development", "production") }},
	{Group: "server", Name: "HTTP_ADDR", Default: "127.0.0.1:8080",
		Help: "address the HTTP server listens on",
		Parse: func(c *Config, raw string) error {
			if !strings.Contains(raw, ":") {
				return errors.New(`must be host:port, for example ":8080"`)
			}
			c.HTTPAddr = raw
			return nil
		}},
	{Group: "server", Name: "PUBLIC_URL", Default: "http://localhost:8080",
		Help: "the URL users reach the portal at; used for redirects, OAuth callbacks and the CSRF origin check",
		Parse: func(c *Config, raw string) error {
			u, err := url.Parse(raw)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return errors.New("must be an absolute http(s) URL such as https://konstruct.example.com")
			}
			u.Path = strings.TrimRight(u.Path, "/")
			c.PublicURL = u
			return nil
		}},
	{Group: "server", Name: "ALLOWED_ORIGINS", Default: "",
		Help: "extra comma-separated origins allowed to make cookie-authenticated changes (the PUBLIC_URL origin always is)",
		Parse: func(c *Config, raw string) error {
			for _, o := range strings.Split(raw, ",") {
				o = strings.TrimSpace(o)
				if o == "" {
					continue
				}
				u, err := url.Parse(o)
				if err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" {
					return fmt.Errorf("%q is not an origin like https://app.example.com", o)
				}
				c.AllowedOrigins = append(c.AllowedOrigins, o)
			}
			return nil
		}},
	{Group: "server", Name: "SPA_DIR", Default: "frontend/dist",
		Help:  "directory of the built portal (served at /); missing is allowed, the API still runs",
		Parse: func(c *Config, raw string) error { c.SPADir = raw; return nil }},
	{Group: "server", Name: "HTTP_BODY_LIMIT", Default: "1048576",
		Help: "largest request body accepted, in bytes (413 above it)",
		Parse: func(c *Config, raw string) error {
			n, err := parseInt(1024, 64<<20)(raw)
			c.BodyLimit = int64(n)
			return err
		}},
	{Group: "server", Name: "SHUTDOWN_TIMEOUT", Default: "25s",
		Help: "how long SIGTERM waits for in-flight requests and jobs before stopping hard",
		Parse: func(c *Config, raw string) error {
			d, err := time.ParseDuration(raw)
			if err != nil || d <= 0 {
				return errors.New(`must be a positive duration such as "25s"`)
			}
			c.ShutdownTimeout = d
			return nil
		}},
	{Group: "server", Name: "LOG_LEVEL", Default: "info",
		Help: "debug, info, warn or error",
		Parse: func(c *Config, raw string) error {
			c.LogLevel = raw
			return oneOf(raw, "debug", "info", "warn", "error")
		}},
	{Group: "server", Name: "LOG_FORMAT", Default: "",
		Help:  "json or text; defaults to text in development and json otherwise",
		Parse: func(c *Config, raw string) error { c.LogFormat = raw; return oneOf(raw, "json", "text") }},

	{Group: "database", Name: "DATABASE_URL", Secret: true,
		Help:  "PostgreSQL URL of the owner role that runs migrations (and, in dev, everything)",
		Parse: func(c *Config, raw string) (err error) { c.DatabaseURL, err = parsePostgresURL(raw); return err }},
	{Group: "database", Name: "APP_DATABASE_URL", Secret: true,
		Help:  "PostgreSQL URL of the konstruct_app role the server and workers use; derived from DATABASE_URL (user konstruct_app, no password) when unset",
		Parse: func(c *Config, raw string) (err error) { c.AppDatabaseURL, err = parsePostgresURL(raw); return err }},
	{Group: "database", Name: "DB_MAX_CONNS", Default: "20",
		Help: "size of the connection pool shared by HTTP handlers and workers",
		Parse: func(c *Config, raw string) error {
			n, err := parseInt(2, 1000)(raw)
			c.DBMaxConns = int32(n)
			return err
		}},

	{Group: "worker", Name: "WORKER_CONCURRENCY", Default: "20",
		Help: "jobs worked at once on the default queue per worker process",
		Parse: func(c *Config, raw string) (err error) {
			c.WorkerConcurrency, err = parseInt(1, 10000)(raw)
			return err
		}},
	{Group: "worker", Name: "LLM_WORKER_CONCURRENCY", Default: "16",
		Help: "agent turns (LLM calls) worked at once per worker process",
		Parse: func(c *Config, raw string) (err error) {
			c.LLMWorkerConcurrency, err = parseInt(1, 10000)(raw)
			return err
		}},
	{Group: "worker", Name: "JOB_RESCUE_AFTER", Default: "15m",
		Help: "how long a job may stay running before it counts as abandoned by a crashed worker and is retried; also caps every job's timeout",
		Parse: func(c *Config, raw string) error {
			d, err := time.ParseDuration(raw)
			if err != nil || d < time.Second || d > 24*time.Hour {
				return errors.New(`must be a duration between 1s and 24h, such as "15m"`)
			}
			c.JobRescueAfter = d
			return nil
		}},

	{Group: "worker", Name: "DELIVERY_EVIDENCE_WAIT", Default: "1m",
		Help: "how long a WhatsApp reply part whose send is in doubt (timeout, reset, 5xx, crash) waits for Meta's status webhook before it counts as not sent",
		Parse: func(c *Config, raw string) error {
			d, err := time.ParseDuration(raw)
			if err != nil || d < time.Second || d > time.Hour {
				return errors.New(`must be a duration between 1s and 1h, such as "1m"`)
			}
			c.DeliveryEvidenceWait = d
			return nil
		}},

	{Group: "security", Name: "SESSION_KEYS", Secret: true,
		Help:  "portal session signing keys, KEYID:BASE64SECRET[,…] (32+ bytes each); the first signs, all verify. `konstruct keys` prints fresh ones",
		Parse: func(c *Config, raw string) (err error) { c.SessionKeys, err = parseSigningKeys(raw); return err }},
	{Group: "security", Name: "SESSION_TTL", Default: "24h",
		Help:  "how long a portal sign-in lasts",
		Parse: func(c *Config, raw string) error { return parseDuration(&c.SessionTTL, raw, time.Minute) }},
	{Group: "security", Name: "SECRETS_KEYS", Secret: true,
		Help:  "encryption keys for stored secrets, VERSION:BASE64KEY[,…] (32 bytes each); the highest version encrypts, all decrypt",
		Parse: func(c *Config, raw string) (err error) { c.Secrets, err = secrets.Parse(raw); return err }},
	{Group: "security", Name: "API_RATE_LIMIT", Default: "600",
		Help:  "API requests per minute per user or token (429 above it)",
		Parse: func(c *Config, raw string) (err error) { c.APIRateLimit, err = parseInt(1, 1000000)(raw); return err }},
	{Group: "security", Name: "ADDRESS_RATE_LIMIT", Default: "60",
		Help: "requests per minute per client address before sign-in: anonymous calls and calls whose credentials fail (429 above it); rejected webhook deliveries are counted apart against the same number",
		Parse: func(c *Config, raw string) (err error) {
			c.AddressRateLimit, err = parseInt(1, 1000000)(raw)
			return err
		}},
	{Group: "security", Name: "SIGNIN_MAX_FAILURES", Default: "5",
		Help:  "failed sign-ins of one account from one address before each further try waits, doubling from 30s up to 15 minutes (per address over all accounts: 4x this per 15 minutes)",
		Parse: func(c *Config, raw string) (err error) { c.SigninMaxFailures, err = parseInt(1, 1000)(raw); return err }},
	{Group: "security", Name: "TRUSTED_PROXIES", Default: "",
		Help: "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed for the client address",
		Parse: func(c *Config, raw string) error {
			for _, p := range strings.Split(raw, ",") {
				if p = strings.TrimSpace(p); p == "" {
					continue
				}
				_, n, err := net.ParseCIDR(p)
				if err != nil {
					return fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", p)
				}
				c.TrustedProxies = append(c.TrustedProxies, n)
			}
			return nil
		}},

	{Group: "slack", Name: "SLACK_CLIENT_ID", Help: "the Slack app's client id; empty disables Slack",
		Parse: func(c *Config, raw string) error { c.Slack.ClientID = raw; return nil }},
	{Group: "slack", Name: "SLACK_CLIENT_SECRET", Secret: true, Help: "the Slack app's client secret (OAuth code exchange)",
		Parse: func(c *Config, raw string) error { c.Slack.ClientSecret = raw; return nil }},
	{Group: "slack", Name: "SLACK_SIGNING_SECRET", Secret: true, Help: "the Slack app's signing secret (verifies Events API requests)",
		Parse: func(c *Config, raw string) error { c.Slack.SigningSecret = raw; return nil }},
	{Group: "slack", Name: "SLACK_API_URL", Default: "https://slack.com/api/", Help: "Slack Web API base URL (ends with /; tests point it at a fake)",
		Parse: func(c *Config, raw string) error {
			c.Slack.APIURL = strings.TrimRight(raw, "/") + "/"
			return httpURL(raw)
		}},
	{Group: "slack", Name: "SLACK_AUTHORIZE_URL", Default: "https://slack.com/oauth/v2/authorize", Help: "Slack's OAuth authorization page",
		Parse: func(c *Config, raw string) error { c.Slack.AuthorizeURL = raw; return httpURL(raw) }},

	{Group: "whatsapp", Name: "WHATSAPP_APP_SECRET", Secret: true, Help: "the Meta app secret (verifies X-Hub-Signature-256 on webhooks); empty disables the WhatsApp webhook",
		Parse: func(c *Config, raw string) error { c.WhatsApp.AppSecret = raw; return nil }},
	{Group: "whatsapp", Name: "WHATSAPP_VERIFY_TOKEN", Secret: true, Help: "the verify token entered in the Meta app's webhook settings",
		Parse: func(c *Config, raw string) error { c.WhatsApp.VerifyToken = raw; return nil }},
	{Group: "whatsapp", Name: "WHATSAPP_APP_ID", Help: "the Meta app id; lets the connection check confirm this app is subscribed to a number's account",
		Parse: func(c *Config, raw string) error { c.WhatsApp.AppID = raw; return nil }},
	{Group: "whatsapp", Name: "GRAPH_API_URL", Default: "https://graph.facebook.com", Help: "Meta Graph API base URL (tests point it at a fake)",
		Parse: func(c *Config, raw string) error {
			c.WhatsApp.GraphURL = strings.TrimRight(raw, "/")
			return httpURL(raw)
		}},
	{Group: "whatsapp", Name: "GRAPH_API_VERSION", Default: "v25.0", Help: "Graph API version used for every call",
		Parse: func(c *Config, raw string) error {
			c.WhatsApp.GraphVersion = raw
			if !strings.HasPrefix(raw, "v") || !strings.Contains(raw, ".") {
				return errors.New(`must look like "v25.0"`)
			}
			return nil
		}},
	{Group: "whatsapp", Name: "WHATSAPP_TEST_TEMPLATE", Default: "hello_world", Help: "approved template sent as the WhatsApp test message (en_US)",
		Parse: func(c *Config, raw string) error { c.WhatsApp.TestTemplate = raw; return nil }},
	{Group: "server", Name: "OUTBOUND_TIMEOUT", Default: "15s", Help: "timeout of each call to Slack, Meta and other providers",
		Parse: func(c *Config, raw string) error { return parseDuration(&c.OutboundTimeout, raw, time.Second) }},

	{Group: "llm", Name: "PLATFORM_OPENAI_API_KEY", Secret: true, Help: "the platform's OpenAI key, used when a tenant has none of its own",
		Parse: func(c *Config, raw string) error { c.LLM.OpenAIKey = raw; return nil }},
	{Group: "llm", Name: "OPENAI_API_URL", Default: "https://api.openai.com/v1/", Help: "OpenAI API base URL",
		Parse: func(c *Config, raw string) error { c.LLM.OpenAIURL = raw; return httpURL(raw) }},
	{Group: "llm", Name: "PLATFORM_ANTHROPIC_API_KEY", Secret: true, Help: "the platform's Anthropic key, used when a tenant has none of its own",
		Parse: func(c *Config, raw string) error { c.LLM.AnthropicKey = raw; return nil }},
	{Group: "llm", Name: "ANTHROPIC_API_URL", Default: "https://api.anthropic.com/", Help: "Anthropic API base URL",
		Parse: func(c *Config, raw string) error { c.LLM.AnthropicURL = raw; return httpURL(raw) }},
	{Group: "llm", Name: "PLATFORM_CUSTOM_LLM_URL", Help: "an OpenAI-compatible server the platform offers for custom/ models (e.g. a vLLM or Ollama endpoint)",
		Parse: func(c *Config, raw string) error { c.LLM.CustomURL = raw; return httpURL(raw) }},
	{Group: "llm", Name: "PLATFORM_CUSTOM_LLM_KEY", Secret: true, Help: "the key for PLATFORM_CUSTOM_LLM_URL",
		Parse: func(c *Config, raw string) error { c.LLM.CustomKey = raw; return nil }},
	{Group: "llm", Name: "LLM_TIMEOUT", Default: "60s", Help: "timeout of one model call (each retry and fallback gets its own)",
		Parse: func(c *Config, raw string) error { return parseDuration(&c.LLM.Timeout, raw, time.Second) }},
	{Group: "llm", Name: "LLM_MAX_RETRIES", Default: "2", Help: "retries of a model call on 429, 5xx and timeouts, with backoff, before the next fallback model",
		Parse: func(c *Config, raw string) (err error) { c.LLM.Retries, err = parseInt(0, 10)(raw); return err }},
	{Group: "llm", Name: "LLM_PRICING_FILE", Help: "JSON file of USD-per-million-token prices that overrides the built-in table",
		Parse: func(c *Config, raw string) error { c.LLM.PricingFile = raw; return nil }},
	{Group: "llm", Name: "TURN_DEBOUNCE", Default: "2s", Help: "quiet time before the agent answers, so quick successive messages get one reply",
		Parse: func(c *Config, raw string) error {
			d, err := time.ParseDuration(raw)
			if err != nil || d < 0 || d > time.Minute {
				return errors.New(`must be a duration between 0s and 1m, such as "2s"`)
			}
			c.TurnDebounce = d
			return nil
		}},
	{Group: "llm", Name: "ALLOW_PRIVATE_URLS", Default: "false", Help: "let tenants point custom LLM base URLs and tool endpoints at private or loopback addresses (self-hosted models)",
		Parse: func(c *Config, raw string) error {
			c.AllowPrivateURLs = raw == "true"
			return oneOf(raw, "true", "false")
		}},

	{Group: "billing", Name: "STRIPE_SECRET_KEY", Secret: true, Help: "the platform's Stripe secret key; empty disables billing (nothing is gated, checkout answers 503)",
		Parse: func(c *Config, raw string) error { c.Billing.SecretKey = raw; return nil }},
	{Group: "billing", Name: "STRIPE_WEBHOOK_SECRET", Secret: true, Help: "the signing secret (whsec_…) of the Stripe webhook endpoint /api/webhooks/stripe; required with STRIPE_SECRET_KEY",
		Parse: func(c *Config, raw string) error { c.Billing.WebhookSecret = raw; return nil }},
	{Group: "billing", Name: "STRIPE_PRICE_ID", Help: "the Stripe price (price_…) of one seat per month; required with STRIPE_SECRET_KEY",
		Parse: func(c *Config, raw string) error { c.Billing.PriceID = raw; return nil }},
	{Group: "billing", Name: "STRIPE_API_URL", Default: "https://api.stripe.com", Help: "Stripe API base URL, without /v1 (tests point it at stripe-mock)",
		Parse: func(c *Config, raw string) error { c.Billing.APIURL = strings.TrimRight(raw, "/"); return httpURL(raw) }},
	{Group: "billing", Name: "BILLING_TRIAL_DAYS", Default: "14", Help: "days a new tenant's agents answer before a subscription is needed (0: none)",
		Parse: func(c *Config, raw string) (err error) { c.Billing.TrialDays, err = parseInt(0, 365)(raw); return err }},
	{Group: "billing", Name: "BILLING_GRACE_PERIOD", Default: "72h", Help: "how long agents keep answering after a payment fails (subscription past_due)",
		Parse: func(c *Config, raw string) error {
			d, err := time.ParseDuration(raw)
			if err != nil || d < 0 {
				return errors.New(`must be a duration of 0s or more, such as "72h"`)
			}
			c.Billing.Grace = d
			return nil
		}},
	{Group: "billing", Name: "BUDGET_DOWNGRADE_MODEL", Default: "openai/gpt-4o-mini", Help: "the cheaper model agents switch to when a tenant whose budget action is downgrade reaches its limit",
		Parse: func(c *Config, raw string) error {
			c.Billing.DowngradeModel = raw
			if !strings.Contains(raw, "/") {
				return errors.New(`must be provider/model, such as "openai/gpt-4o-mini"`)
			}
			return nil
		}},
	{Group: "billing", Name: "BUDGET_CHECK_INTERVAL", Default: "15m", Help: "how often budgets are evaluated for threshold alerts",
		Parse: func(c *Config, raw string) error { return parseDuration(&c.Billing.BudgetInterval, raw, time.Minute) }},

	{Group: "memory", Name: "EMBEDDER", Default: "semantic", Help: "semantic (built in: word vectors trained offline + hashed words; no service needed), offline (built in: hashed words only, the earlier default) or openai (any OpenAI-compatible /embeddings server)",
		Parse: func(c *Config, raw string) error {
			c.Embedding.Provider = raw
			return oneOf(raw, "semantic", "offline", "openai")
		}},
	{Group: "memory", Name: "EMBEDDING_URL", Default: "https://api.openai.com/v1/", Help: "base URL of the embeddings server (OpenAI, Ollama, vLLM, TEI…)",
		Parse: func(c *Config, raw string) error { c.Embedding.URL = raw; return httpURL(raw) }},
	{Group: "memory", Name: "EMBEDDING_API_KEY", Secret: true, Help: "key for the embeddings server (defaults to PLATFORM_OPENAI_API_KEY)",
		Parse: func(c *Config, raw string) error { c.Embedding.APIKey = raw; return nil }},
	{Group: "memory", Name: "EMBEDDING_MODEL", Default: "text-embedding-3-small", Help: "embedding model",
		Parse: func(c *Config, raw string) error { c.Embedding.Model = raw; return nil }},
	{Group: "memory", Name: "EMBEDDING_DIMENSIONS", Default: "256", Help: "vector size asked of the embedding model (0: the model's own)",
		Parse: func(c *Config, raw string) (err error) {
			c.Embedding.Dimensions, err = parseInt(0, 8192)(raw)
			return err
		}},
	{Group: "memory", Name: "MEDIA_MAX_BYTES", Default: "5242880", Help: "largest image downloaded from Slack or WhatsApp to show the model",
		Parse: func(c *Config, raw string) error {
			n, err := parseInt(1024, 100<<20)(raw)
			c.MediaMaxBytes = int64(n)
			return err
		}},

	{Group: "knowledge", Name: "KNOWLEDGE_FILE_MAX_BYTES", Default: "20971520", Help: "largest file uploaded (or page fetched) as a knowledge source",
		Parse: func(c *Config, raw string) error {
			n, err := parseInt(1024, 1<<30)(raw)
			c.Knowledge.FileMaxBytes = int64(n)
			return err
		}},
	{Group: "knowledge", Name: "KNOWLEDGE_TENANT_MAX_BYTES", Default: "524288000", Help: "all of a tenant's knowledge sources together",
		Parse: func(c *Config, raw string) error {
			n, err := parseInt(1024, 1<<40)(raw)
			c.Knowledge.TenantMaxBytes = int64(n)
			return err
		}},

	{Group: "mail", Name: "SMTP_URL", Secret: true,
		Help: "the SMTP server invitations are emailed through: smtp://user:password@host:587 (STARTTLS required) or smtps://user:password@host:465; empty sends no email and the portal shows each invitation's link to copy",
		Parse: func(c *Config, raw string) error {
			u, err := url.Parse(raw)
			if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
				return errors.New("must be smtp://user:password@host:587 or smtps://user:password@host:465")
			}
			c.Mail.URL = raw
			return nil
		}},
	{Group: "mail", Name: "MAIL_FROM", Default: "Konstruct <no-reply@localhost>",
		Help: "the From address of invitation emails",
		Parse: func(c *Config, raw string) error {
			if _, err := mail.ParseAddress(raw); err != nil {
				return errors.New(`must be an address such as "Konstruct <no-reply@example.com>"`)
			}
			c.Mail.From = raw
			return nil
		}},

	{Group: "server", Name: "METRICS_TOKEN", Secret: true, Help: "when set, /metrics requires Authorization: Bearer <token>",
		Parse: func(c *Config, raw string) error { c.MetricsToken = raw; return nil }},
	{Group: "server", Name: "OTEL_EXPORTER_OTLP_ENDPOINT",
		Help: "OTLP/HTTP collector base URL (spans go to <url>/v1/traces); unset, tracing is off",
		Parse: func(c *Config, raw string) error {
			u, err := url.Parse(raw)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return errors.New("must be an absolute http(s) URL such as http://otel-collector:4318")
			}
			// Credentials in the URL would be printed wherever the URL is
			// (errors, `konstruct env`); the exporter reads them from
			// OTEL_EXPORTER_OTLP_HEADERS instead.
			if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
				return errors.New("must not carry credentials, a query or a fragment: put auth headers in OTEL_EXPORTER_OTLP_HEADERS")
			}
			c.OTelEndpoint = raw
			return nil
		}},
	{Group: "server", Name: "OTEL_SERVICE_NAME", Default: "konstruct", Help: "service.name of exported spans",
		Parse: func(c *Config, raw string) error { c.OTelServiceName = raw; return nil }},

	{Group: "webhooks", Name: "WEBHOOK_TIMEOUT", Default: "15s", Help: "timeout of one outbound event delivery attempt, response included",
		Parse: func(c *Config, raw string) error {
			d, err := time.ParseDuration(raw)
			if err != nil || d < time.Second || d > time.Minute {
				return errors.New(`must be a duration between 1s and 1m, such as "15s"`)
			}
			c.Webhooks.Timeout = d
			return nil
		}},
	{Group: "webhooks", Name: "WEBHOOK_CONCURRENCY", Default: "32", Help: "webhook endpoints delivered to at once per worker process (one job each)",
		Parse: func(c *Config, raw string) (err error) {
			c.Webhooks.Concurrency, err = parseInt(1, 10000)(raw)
			return err
		}},
	{Group: "webhooks", Name: "WEBHOOK_ENDPOINT_CONCURRENCY", Default: "4", Help: "deliveries in flight at once to one endpoint (one while it is failing)",
		Parse: func(c *Config, raw string) (err error) {
			c.Webhooks.EndpointConcurrency, err = parseInt(1, 64)(raw)
			return err
		}},
	{Group: "webhooks", Name: "WEBHOOK_RETRY_FIRST", Default: "5s", Help: "delay before the first retry of a failed delivery; later ones grow 4x each, up to a sixth of WEBHOOK_RETRY_FOR",
		Parse: func(c *Config, raw string) error {
			return parseDuration(&c.Webhooks.RetryFirst, raw, 10*time.Millisecond)
		}},
	{Group: "webhooks", Name: "WEBHOOK_RETRY_FOR", Default: "72h", Help: "how long a failed delivery is retried; an endpoint failing that long is disabled",
		Parse: func(c *Config, raw string) error { return parseDuration(&c.Webhooks.RetryFor, raw, time.Second) }},
}

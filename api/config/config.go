package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/konstruct/konstruct/api/secrets"
)

// Config is the validated configuration of one process.
type Config struct {
	Env            string // "development" or "production"
	HTTPAddr       string
	PublicURL      *url.URL
	LogLevel       string
	LogFormat      string
	SPADir         string
	BodyLimit      int64
	AllowedOrigins []string

	DatabaseURL    string // owner: runs migrations
	AppDatabaseURL string // konstruct_app: serves requests and runs jobs
	DBMaxConns     int32

	WorkerConcurrency    int
	LLMWorkerConcurrency int
	// JobRescueAfter is when a running job counts as abandoned (its worker
	// died) and is retried; no job's timeout exceeds it.
	JobRescueAfter  time.Duration
	ShutdownTimeout time.Duration
	// DeliveryEvidenceWait is how long an in-doubt outbound part waits for
	// the provider's evidence before it counts as not sent.
	DeliveryEvidenceWait time.Duration

	SessionKeys  []SigningKey
	SessionTTL   time.Duration
	Secrets      *secrets.Keyring
	APIRateLimit int // requests per minute per caller
	// AddressRateLimit is requests per minute per client address for
	// anonymous calls and calls whose credentials fail (and rejected webhook
	// deliveries, counted apart).
	AddressRateLimit  int
	SigninMaxFailures int // per account per 15 minutes
	TrustedProxies    []*net.IPNet

	Slack           SlackConfig
	WhatsApp        WhatsAppConfig
	OutboundTimeout time.Duration
	LLM             LLMConfig
	// AllowPrivateURLs lets tenants point custom LLM base URLs and tool
	// endpoints at private and loopback addresses.
	AllowPrivateURLs bool
	TurnDebounce     time.Duration
	Embedding        EmbeddingConfig
	Knowledge        KnowledgeConfig
	MediaMaxBytes    int64
	// MetricsToken, when set, must be sent as a bearer token to read /metrics.
	MetricsToken string
	// OTelEndpoint, when set, turns tracing on: spans are exported over
	// OTLP/HTTP to it. OTelServiceName names the service in them.
	OTelEndpoint    string
	OTelServiceName string
	// Billing is Stripe and budgets; an empty SecretKey disables billing.
	Billing BillingConfig
	// Mail is the SMTP server invitations are sent through; an empty URL
	// sends none (the portal shows the invitation link to copy instead).
	Mail MailConfig
	// Webhooks is outbound event delivery (api/events).
	Webhooks WebhooksConfig
}

// WebhooksConfig tunes outbound event deliveries.
type WebhooksConfig struct {
	Timeout             time.Duration
	Concurrency         int
	EndpointConcurrency int
	RetryFirst          time.Duration
	RetryFor            time.Duration
}

// MailConfig is the platform's outgoing mail.
type MailConfig struct {
	URL  string // smtp://user:pass@host:587 (STARTTLS) or smtps://…:465
	From string
}

// Enabled reports whether mail is sent.
func (m MailConfig) Enabled() bool { return m.URL != "" }

// BillingConfig is the platform's Stripe account and billing policy. An
// empty SecretKey disables billing: nothing is gated.
type BillingConfig struct {
	SecretKey, WebhookSecret, PriceID, APIURL string
	TrialDays                                 int
	Grace                                     time.Duration
	DowngradeModel                            string
	BudgetInterval                            time.Duration
}

// Enabled reports whether Stripe is configured.
func (b BillingConfig) Enabled() bool { return b.SecretKey != "" }

// KnowledgeConfig bounds what knowledge sources may hold.
type KnowledgeConfig struct {
	FileMaxBytes   int64 // one uploaded file (and one fetched page)
	TenantMaxBytes int64 // all of a tenant's sources together
}

// EmbeddingConfig chooses the memory embedder.
type EmbeddingConfig struct {
	Provider   string // "semantic", "offline" or "openai"
	URL        string
	APIKey     string
	Model      string
	Dimensions int
}

// LLMConfig is the platform's model access.
type LLMConfig struct {
	OpenAIKey, OpenAIURL       string
	AnthropicKey, AnthropicURL string
	CustomKey, CustomURL       string
	Timeout                    time.Duration
	Retries                    int
	PricingFile                string
}

// SlackConfig is the platform's Slack app. Empty ClientID disables Slack.
type SlackConfig struct {
	ClientID, ClientSecret, SigningSecret string
	APIURL, AuthorizeURL                  string
}

// WhatsAppConfig is the platform's Meta app. Empty AppSecret disables the webhook.
type WhatsAppConfig struct {
	AppSecret, VerifyToken, AppID string
	GraphURL, GraphVersion        string
	TestTemplate                  string
}

// SigningKey is one session-signing key; the first in SESSION_KEYS signs.
type SigningKey struct {
	ID     string
	Secret []byte
}

// Secure reports whether cookies must be Secure (the portal is on https).
func (c *Config) Secure() bool { return c.PublicURL != nil && c.PublicURL.Scheme == "https" }

// Dev reports whether the process runs in development mode.
func (c *Config) Dev() bool { return c.Env == "development" }

// Lookup reads one variable; tests pass a map, the binary passes os.LookupEnv.
type LookupFunc func(name string) (string, bool)

// LoadOpts adjusts loading for a subcommand.
type LoadOpts struct {
	// Require lists options that must have a value for this subcommand even
	// though they have no default (for example DATABASE_URL for migrate).
	Require []string
	// NeedAppDB requires APP_DATABASE_URL, or DATABASE_URL to derive it from.
	NeedAppDB bool
}

// FromEnv loads the configuration from the process environment.
func FromEnv(opts LoadOpts) (*Config, error) { return Load(os.LookupEnv, opts) }

// Load builds a Config, validating every option. The error lists every
// invalid or missing variable, one per line.
func Load(lookup LookupFunc, opts LoadOpts) (*Config, error) {
	cfg := &Config{}
	var problems []string
	required := map[string]bool{}
	for _, name := range opts.Require {
		required[name] = true
	}
	for _, o := range options {
		raw, set, err := o.read(lookup)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if !set {
			if required[o.Name] {
				problems = append(problems, fmt.Sprintf("%s is required: %s", o.Name, o.Help))
				continue
			}
			raw = o.Default
		}
		if raw == "" && !o.AllowEmpty && !required[o.Name] && o.Default == "" {
			continue // optional and unset: the field keeps its zero value
		}
		if err := o.Parse(cfg, raw); err != nil {
			problems = append(problems, fmt.Sprintf("%s=%q is invalid: %v", o.Name, o.display(raw), err))
		}
	}
	if len(problems) == 0 {
		problems = append(problems, cfg.crossCheck()...)
	}
	if len(problems) == 0 && opts.NeedAppDB && cfg.AppDatabaseURL == "" {
		problems = append(problems, "APP_DATABASE_URL is required (or DATABASE_URL, from which it is derived): the server needs PostgreSQL")
	}
	if len(problems) > 0 {
		return nil, &Error{Problems: problems}
	}
	return cfg, nil
}

// crossCheck validates rules that involve several options.
func (c *Config) crossCheck() []string {
	var problems []string
	if c.AppDatabaseURL == "" && c.DatabaseURL != "" {
		derived, err := DeriveAppURL(c.DatabaseURL)
		if err != nil {
			problems = append(problems, fmt.Sprintf("APP_DATABASE_URL is not set and cannot be derived from DATABASE_URL: %v", err))
		} else {
			c.AppDatabaseURL = derived
		}
	}
	if c.Billing.Enabled() && (c.Billing.WebhookSecret == "" || c.Billing.PriceID == "") {
		problems = append(problems, "STRIPE_WEBHOOK_SECRET and STRIPE_PRICE_ID are required when STRIPE_SECRET_KEY is set")
	}
	return problems
}

// AppRole is the PostgreSQL role the server logs in as (see db/migrations).
const AppRole = "konstruct_app"

// DeriveAppURL turns the owner's DATABASE_URL into one for the application
// role by replacing the user and dropping the password. That suits local
// clusters with trust or peer authentication; production sets
// APP_DATABASE_URL explicitly.
func DeriveAppURL(ownerURL string) (string, error) {
	u, err := url.Parse(ownerURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", errors.New("DATABASE_URL must be a postgres:// URL")
	}
	u.User = url.User(AppRole)
	return u.String(), nil
}

// Error lists every configuration problem found.
type Error struct{ Problems []string }

func (e *Error) Error() string {
	return "invalid configuration:\n  - " + strings.Join(e.Problems, "\n  - ")
}

// Describe renders the option table (for `konstruct env` and the README),
// with the current value of each option, secrets masked.
func Describe(lookup LookupFunc) string {
	var b strings.Builder
	rows := append([]option(nil), options...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Group < rows[j].Group })
	group := ""
	for _, o := range rows {
		if o.Group != group {
			group = o.Group
			fmt.Fprintf(&b, "\n# %s\n", group)
		}
		raw, set, _ := o.read(lookup)
		val := "(unset)"
		if set {
			val = o.display(raw)
		}
		def := o.Default
		if def == "" {
			def = "-"
		}
		fmt.Fprintf(&b, "%-28s default %-26s now %s\n    %s\n", o.Name, def, val, o.Help)
	}
	return b.String()
}

// Names lists every option's variable name.
func Names() []string {
	names := make([]string, 0, len(options))
	for _, o := range options {
		names = append(names, o.Name)
	}
	return names
}

// option is one configuration row.
type option struct {
	Group      string
	Name       string
	Default    string
	Secret     bool
	AllowEmpty bool
	Help       string
	Parse      func(c *Config, raw string) error
}

func (o option) read(lookup LookupFunc) (string, bool, error) {
	if v, ok := lookup(o.Name); ok && v != "" {
		return v, true, nil
	}
	if !o.Secret {
		return "", false, nil
	}
	path, ok := lookup(o.Name + "_FILE")
	if !ok || path == "" {
		return "", false, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", false, fmt.Errorf("%s_FILE=%q cannot be read: %v", o.Name, path, err)
	}
	return strings.TrimRight(string(data), "\r\n"), true, nil
}

func (o option) display(raw string) string {
	if !o.Secret {
		return raw
	}
	if strings.Contains(raw, "://") {
		if u, err := url.Parse(raw); err == nil {
			return u.Redacted()
		}
	}
	return "********"
}

func parseInt(min, max int) func(string) (int, error) {
	return func(raw string) (int, error) {
		n, err := strconv.Atoi(raw)
		if err != nil {
			return 0, errors.New("must be a whole number")
		}
		if n < min || n > max {
			return 0, fmt.Errorf("must be between %d and %d", min, max)
		}
		return n, nil
	}
}

func oneOf(raw string, allowed ...string) error {
	for _, a := range allowed {
		if raw == a {
			return nil
		}
	}
	return fmt.Errorf("must be one of %s", strings.Join(allowed, ", "))
}

func parsePostgresURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" && u.Query().Get("host") == "" {
		return "", errors.New(`must look like postgres://user:password@host:5432/dbname`)
	}
	return raw, nil
}

// parseSigningKeys reads "KID:BASE64SECRET[,…]" with secrets of at least 32 bytes.
func parseSigningKeys(raw string) ([]SigningKey, error) {
	var keys []SigningKey
	seen := map[string]bool{}
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, b64, ok := strings.Cut(part, ":")
		if !ok || id == "" {
			return nil, errors.New("each entry must be KEYID:BASE64SECRET")
		}
		if seen[id] {
			return nil, fmt.Errorf("key id %q is listed twice", id)
		}
		seen[id] = true
		var secret []byte
		var err error
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if secret, err = enc.DecodeString(b64); err == nil {
				break
			}
		}
		if err != nil {
			return nil, fmt.Errorf("key %q is not base64", id)
		}
		if len(secret) < 32 {
			return nil, fmt.Errorf("key %q must decode to at least 32 bytes", id)
		}
		keys = append(keys, SigningKey{ID: id, Secret: secret})
	}
	if len(keys) == 0 {
		return nil, errors.New("no keys given")
	}
	return keys, nil
}

func parseDuration(dst *time.Duration, raw string, min time.Duration) error {
	d, err := time.ParseDuration(raw)
	if err != nil || d < min {
		return fmt.Errorf("must be a duration of at least %s, such as %q", min, "24h")
	}
	*dst = d
	return nil
}

func httpURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("must be an absolute http(s) URL")
	}
	return nil
}

package llm

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/obs"
)

// KeyStore finds and reports on tenants' own keys.
type KeyStore interface {
	// TenantKey returns the tenant's key for provider (the pinned one when
	// pinned is set, else the newest active one), or nil when there is none.
	TenantKey(ctx context.Context, tenantID uuid.UUID, provider string, pinned *uuid.UUID) (*Credential, error)
	// KeyRejected records that the provider refused a tenant's key.
	KeyRejected(ctx context.Context, tenantID, keyID uuid.UUID, reason string)
}

// RouterOpts configures a Router.
type RouterOpts struct {
	Keys KeyStore
	// Platform keys per provider (APIKey empty: none). Their BaseURL, when
	// set, is also the default base URL of that provider for tenant keys.
	Platform map[string]Credential
	Pricing  Pricing
	Timeout  time.Duration
	Retries  int
	// HTTP is used for the platform's configured endpoints, Guarded for
	// base URLs tenants supplied (SSRF-checked at dial time).
	HTTP, Guarded *http.Client
	// Metrics counts calls, tokens and cost (optional).
	Metrics *obs.Metrics
}

// Router completes requests over a chain of models.
type Router struct{ opts RouterOpts }

// NewRouter returns a Router.
func NewRouter(opts RouterOpts) *Router {
	if opts.HTTP == nil {
		timeout := opts.Timeout
		if timeout <= 0 {
			timeout = 60 * time.Second
		}
		opts.HTTP = &http.Client{Timeout: timeout}
	}
	if opts.Guarded == nil {
		opts.Guarded = opts.HTTP
	}
	return &Router{opts: opts}
}

// Call is one request for a tenant, over the models to try in order.
type Call struct {
	TenantID uuid.UUID
	Models   []string             // primary first, then fallbacks
	Pinned   map[string]uuid.UUID // provider -> the agent's pinned key
	Request  Request
}

// Result is the answered call.
type Result struct {
	Response
	Model     string // provider/model that answered
	Provider  string
	KeySource string // "tenant" or "platform"
	KeyID     *uuid.UUID
	CostUSD   float64
	Priced    bool
	// UsageEstimated says the provider reported no usage and Usage is
	// estimated from the text (a priced call is never recorded as free).
	UsageEstimated bool
	Latency        time.Duration
	Attempts       []Attempt
}

// Complete tries each model in order until one answers. For each model it
// uses the tenant's key for the provider (or the platform's); when a tenant's
// key is refused (401/403) it is reported and the platform key is tried for
// the same model before moving on.
func (r *Router) Complete(ctx context.Context, c Call) (*Result, error) {
	var attempts []Attempt
	permanent := true
	for _, id := range c.Models {
		provider, model, err := SplitModel(id)
		if err != nil {
			attempts = append(attempts, Attempt{Model: id, Error: err.Error(), cause: err})
			continue
		}
		creds, err := r.credentials(ctx, c.TenantID, id, provider, c.Pinned)
		if err != nil {
			return nil, err
		}
		if len(creds) == 0 {
			var reason error = &NoKeyError{Provider: provider}
			if r.platformKey(provider) && !r.opts.Pricing.OnPlatform(id) {
				reason = &NotOnPlatformError{Model: id, Provider: provider}
			}
			attempts = append(attempts, Attempt{Model: id, Error: reason.Error(), cause: reason})
			continue
		}
		for _, cred := range creds {
			start := time.Now()
			resp, err := r.one(ctx, cred, provider, model, c.Request)
			latency := time.Since(start)
			if err == nil {
				res := &Result{Response: *resp, Model: id, Provider: provider, KeySource: cred.Source(), KeyID: cred.KeyID,
					Latency: latency, Attempts: append(attempts, Attempt{Model: id, KeySource: cred.Source(), Latency: latency})}
				if r.opts.Pricing.Priced(id) && res.Usage.InputTokens == 0 && res.Usage.OutputTokens == 0 {
					res.Usage, res.UsageEstimated = estimateUsage(c.Request, resp), true
				}
				res.CostUSD, res.Priced = r.opts.Pricing.Cost(id, res.Usage)
				r.opts.Metrics.LLMCall(provider, id, true, res.Usage.InputTokens, res.Usage.OutputTokens, res.CostUSD, latency)
				return res, nil
			}
			r.opts.Metrics.LLMCall(provider, id, false, 0, 0, 0, latency)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			attempts = append(attempts, Attempt{Model: id, KeySource: cred.Source(), Error: err.Error(), Latency: latency, cause: err})
			var ce *CallError
			if errors.As(err, &ce) {
				if ce.Rejected() && cred.KeyID != nil && r.opts.Keys != nil {
					r.opts.Keys.KeyRejected(ctx, c.TenantID, *cred.KeyID, ce.Error())
				}
				// Rate limits, outages and timeouts pass; a refused request does not.
				if ce.Status == 0 || ce.Status == 408 || ce.Status == 409 || ce.Status == 429 || ce.Status >= 500 {
					permanent = false
				}
				if !ce.Rejected() {
					break // the platform key would meet the same refusal: next model
				}
			} else {
				permanent = false
			}
		}
	}
	return nil, &AllFailedError{Attempts: attempts, permanent: permanent}
}

// credentials lists what to try for a model: the tenant's key for its
// provider, then the platform's — which serves only the models the platform
// prices and allows, so no call on the platform's money goes unpriced.
func (r *Router) credentials(ctx context.Context, tenantID uuid.UUID, id, provider string, pinned map[string]uuid.UUID) ([]Credential, error) {
	var out []Credential
	if r.opts.Keys != nil {
		var pin *uuid.UUID
		if id, ok := pinned[provider]; ok {
			pin = &id
		}
		cred, err := r.opts.Keys.TenantKey(ctx, tenantID, provider, pin)
		if err != nil {
			return nil, err
		}
		if cred != nil {
			out = append(out, *cred)
		}
	}
	if p, ok := r.opts.Platform[provider]; ok && p.APIKey != "" && r.opts.Pricing.OnPlatform(id) {
		p.Provider = provider
		out = append(out, p)
	}
	return out, nil
}

// platformKey reports whether the platform has a key for a provider.
func (r *Router) platformKey(provider string) bool {
	p, ok := r.opts.Platform[provider]
	return ok && p.APIKey != ""
}

// Catalog is what decides which models a tenant can use: the price table and
// which providers the platform has keys for.
func (r *Router) Catalog() Catalog {
	c := Catalog{Pricing: r.opts.Pricing, PlatformKeys: map[string]bool{}}
	for _, p := range []string{OpenAI, Anthropic, Custom} {
		c.PlatformKeys[p] = r.platformKey(p)
	}
	return c
}

func (r *Router) one(ctx context.Context, cred Credential, provider, model string, req Request) (*Response, error) {
	o := clientOpts{http: r.opts.HTTP, retries: r.opts.Retries, timeout: r.opts.Timeout}
	if cred.Guarded {
		o.http = r.opts.Guarded
	}
	if cred.BaseURL == "" {
		cred.BaseURL = r.opts.Platform[provider].BaseURL
	}
	cred.Provider = provider
	switch provider {
	case Anthropic:
		return completeAnthropic(ctx, o, cred, model, req)
	case Custom:
		if cred.BaseURL == "" {
			return nil, &CallError{Provider: Custom, Status: http.StatusBadRequest, Code: "no_base_url", Message: "a custom model needs a base URL"}
		}
		return completeOpenAI(ctx, o, cred, model, req, true)
	default:
		return completeOpenAI(ctx, o, cred, model, req, false)
	}
}

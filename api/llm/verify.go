package llm

import (
	"context"
	"slices"

	"github.com/anthropics/anthropic-sdk-go"
	aoption "github.com/anthropics/anthropic-sdk-go/option"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// maxListedModels bounds what a provider's (or a tenant's custom server's)
// model list may add to the catalogue.
const maxListedModels = 2000

// ListModels checks a key with its provider by listing its models, which
// costs nothing, and returns them as "provider/model" ids, sorted. A refusal
// is a *CallError with Rejected() true.
func (r *Router) ListModels(ctx context.Context, cred Credential) ([]string, error) {
	o := clientOpts{http: r.opts.HTTP, retries: 0, timeout: r.opts.Timeout}
	if cred.Guarded {
		o.http = r.opts.Guarded
	}
	if cred.BaseURL == "" {
		cred.BaseURL = r.opts.Platform[cred.Provider].BaseURL
	}
	var ids []string
	if cred.Provider == Anthropic {
		base := cred.BaseURL
		if base == "" {
			base = "https://api.anthropic.com/"
		}
		client := anthropic.NewClient(aoption.WithoutEnvironmentDefaults(), aoption.WithAPIKey(cred.APIKey), aoption.WithBaseURL(base),
			aoption.WithHTTPClient(o.http), aoption.WithMaxRetries(0), aoption.WithRequestTimeout(o.timeout))
		iter := client.Models.ListAutoPaging(ctx, anthropic.ModelListParams{Limit: anthropic.Int(1000)})
		for iter.Next() && len(ids) < maxListedModels {
			ids = append(ids, Anthropic+"/"+iter.Current().ID)
		}
		if err := iter.Err(); err != nil {
			return nil, anthropicError(err)
		}
	} else {
		opts := []option.RequestOption{option.WithAPIKey(cred.APIKey), option.WithHTTPClient(o.http), option.WithMaxRetries(0), option.WithRequestTimeout(o.timeout)}
		if cred.BaseURL != "" {
			opts = append(opts, option.WithBaseURL(cred.BaseURL))
		}
		client := openai.NewClient(opts...)
		iter := client.Models.ListAutoPaging(ctx)
		for iter.Next() && len(ids) < maxListedModels {
			ids = append(ids, cred.Provider+"/"+iter.Current().ID)
		}
		if err := iter.Err(); err != nil {
			return nil, openaiError(cred.Provider, err)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

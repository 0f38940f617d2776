package llm

import (
	"context"

	"github.com/anthropics/anthropic-sdk-go"
	aoption "github.com/anthropics/anthropic-sdk-go/option"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// Verify checks a key with its provider by listing models, which costs
// nothing. A refusal is a *CallError with Rejected() true.
func (r *Router) Verify(ctx context.Context, cred Credential) error {
	o := clientOpts{http: r.opts.HTTP, retries: 0, timeout: r.opts.Timeout}
	if cred.Guarded {
		o.http = r.opts.Guarded
	}
	if cred.BaseURL == "" {
		cred.BaseURL = r.opts.Platform[cred.Provider].BaseURL
	}
	if cred.Provider == Anthropic {
		base := cred.BaseURL
		if base == "" {
			base = "https://api.anthropic.com/"
		}
		client := anthropic.NewClient(aoption.WithoutEnvironmentDefaults(), aoption.WithAPIKey(cred.APIKey), aoption.WithBaseURL(base),
			aoption.WithHTTPClient(o.http), aoption.WithMaxRetries(0), aoption.WithRequestTimeout(o.timeout))
		_, err := client.Models.List(ctx, anthropic.ModelListParams{})
		if err != nil {
			return anthropicError(err)
		}
		return nil
	}
	opts := []option.RequestOption{option.WithAPIKey(cred.APIKey), option.WithHTTPClient(o.http), option.WithMaxRetries(0), option.WithRequestTimeout(o.timeout)}
	if cred.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(cred.BaseURL))
	}
	client := openai.NewClient(opts...)
	if _, err := client.Models.List(ctx); err != nil {
		return openaiError(cred.Provider, err)
	}
	return nil
}

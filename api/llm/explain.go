package llm

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ProviderName is how the portal names a provider.
func ProviderName(provider string) string {
	switch provider {
	case OpenAI:
		return "OpenAI"
	case Anthropic:
		return "Anthropic"
	case Custom:
		return "the custom model server"
	}
	return provider
}

// KeyNoun is how the portal names a provider's key ("OpenAI key").
func KeyNoun(provider string) string {
	if provider == Custom {
		return "key for a custom model server"
	}
	return ProviderName(provider) + " key"
}

// NoKeyReason is why no model of a provider can be called when neither the
// tenant nor the platform holds a key for it, with where that is fixed.
func NoKeyReason(provider string) string {
	return "No " + KeyNoun(provider) + ": neither this workspace nor the platform has one. Add one in Settings → LLM API keys."
}

// Explain words a failed call for an operator: what went wrong with each
// model tried and where that is fixed, in the portal's own menu names. The
// raw provider error stays in the logs and the message's delivery record;
// this is what a flagged conversation and the readiness report show.
func Explain(err error) string {
	var all *AllFailedError
	if !errors.As(err, &all) || len(all.Attempts) == 0 {
		return sentence(explainOne("", err))
	}
	parts := make([]string, 0, len(all.Attempts))
	seen := map[string]bool{}
	for _, a := range all.Attempts {
		cause := a.cause
		if cause == nil {
			cause = errors.New(a.Error)
		}
		part := sentence(explainOne(a.Model, cause))
		if !seen[part] {
			seen[part] = true
			parts = append(parts, part)
		}
	}
	return strings.Join(parts, " ")
}

func explainOne(model string, err error) string {
	var noKey *NoKeyError
	var ce *CallError
	subject := "The model"
	if model != "" {
		subject = model
	}
	switch {
	case err == nil:
		return ""
	case errors.As(err, &noKey):
		return fmt.Sprintf("No %s can call %s: add one in Settings → LLM API keys.", KeyNoun(noKey.Provider), subjectOr(model, "the model"))
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("%s took too long to answer.", subject)
	case errors.As(err, &ce) && ce.Rejected():
		return fmt.Sprintf("%s refused the key for %s: replace it in Settings → LLM API keys.", ProviderName(ce.Provider), subjectOr(model, "the model"))
	case errors.As(err, &ce) && (ce.Status == 404 || ce.Code == "model_not_found" || ce.Code == "not_found_error"):
		return fmt.Sprintf("%s does not offer %s: choose another model in the Agent Designer.", ProviderName(ce.Provider), subjectOr(model, "this model"))
	case errors.As(err, &ce) && ce.Status == 429:
		return fmt.Sprintf("%s is rate limiting calls to %s; it answers again shortly.", ProviderName(ce.Provider), subjectOr(model, "the model"))
	case errors.As(err, &ce) && (ce.Status == 0 || ce.Status >= 500):
		return fmt.Sprintf("%s could not be reached for %s (%s).", ProviderName(ce.Provider), subjectOr(model, "the model"), ce.Message)
	case errors.As(err, &ce):
		return fmt.Sprintf("%s refused the request to %s: %s.", ProviderName(ce.Provider), subjectOr(model, "the model"), strings.TrimSuffix(ce.Message, "."))
	}
	return fmt.Sprintf("%s failed: %s.", subject, strings.TrimSuffix(err.Error(), "."))
}

// sentence starts s with a capital ("the custom model server …").
func sentence(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func subjectOr(model, fallback string) string {
	if model == "" {
		return fallback
	}
	return model
}

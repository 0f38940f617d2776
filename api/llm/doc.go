// Package llm talks to language models through the official SDKs:
// openai-go for OpenAI and every OpenAI-compatible server (Ollama, vLLM,
// OpenRouter, LiteLLM: the "custom" provider), anthropic-sdk-go for Anthropic.
// Model ids are "provider/model".
//
// The Router picks a credential for each call (the tenant's key for that
// provider, pinned by the agent or the newest active one; else the platform's
// key; else a "no key configured" error the operator sees), retries 429/5xx
// with backoff inside the SDK, falls through the agent's fallback models when
// a model fails, reports keys a provider rejects, and prices every answered
// call from an embedded table that configuration can override.
package llm

package llm

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Providers.
const (
	OpenAI    = "openai"
	Anthropic = "anthropic"
	Custom    = "custom"
)

// SplitModel splits "provider/model".
func SplitModel(id string) (provider, model string, err error) {
	provider, model, ok := strings.Cut(id, "/")
	if !ok || model == "" || (provider != OpenAI && provider != Anthropic && provider != Custom) {
		return "", "", fmt.Errorf("llm: model id %q is not provider/model with a known provider", id)
	}
	return provider, model, nil
}

// Roles of messages.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleTool      = "tool"
)

// Image is an image part of a user message.
type Image struct {
	MimeType string
	Data     []byte
}

// ToolCall is the model asking to run a tool.
type ToolCall struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

// Message is one message of a conversation given to a model.
type Message struct {
	Role      string
	Text      string
	Images    []Image
	ToolCalls []ToolCall // assistant messages that called tools
	// ToolCallID and IsError belong to tool results.
	ToolCallID string
	IsError    bool
}

// Tool is a function the model may call; Parameters is a JSON Schema object.
type Tool struct {
	Name        string
	Description string
	Parameters  map[string]any
}

// Request is one completion request.
type Request struct {
	System   string
	Messages []Message
	Tools    []Tool
	// NoToolCalls keeps the tools visible (the history may refer to them)
	// but makes the model answer in text: the turn's last permitted round.
	NoToolCalls bool
	Temperature float32
	MaxTokens   int
}

// Usage is what a call consumed.
type Usage struct {
	InputTokens  int64 `json:"input_tokens"`
	OutputTokens int64 `json:"output_tokens"`
}

// Response is a model's answer.
type Response struct {
	Text       string
	ToolCalls  []ToolCall
	Usage      Usage
	StopReason string
}

// Credential is what authenticates a call.
type Credential struct {
	Provider string
	APIKey   string
	BaseURL  string     // empty: the provider's (or the platform's configured) default
	KeyID    *uuid.UUID // set for a tenant's own key
	// Guarded marks a user-supplied base URL: calls go through the SSRF guard.
	Guarded bool
}

// Source names where a credential came from, as usage records say it.
func (c Credential) Source() string {
	if c.KeyID != nil {
		return "tenant"
	}
	return "platform"
}

// Attempt is one model tried during a call.
type Attempt struct {
	Model     string        `json:"model"`
	KeySource string        `json:"key_source"`
	Error     string        `json:"error,omitempty"`
	Latency   time.Duration `json:"latency"`
	cause     error         // what Explain words for an operator
}

// CallError is a provider's refusal or failure.
type CallError struct {
	Provider string
	Status   int    // HTTP status, 0 for network errors
	Code     string // provider error code/type, e.g. "rate_limit_exceeded"
	Message  string
}

func (e *CallError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("%s: %s", e.Provider, e.Message)
	}
	return fmt.Sprintf("%s answered %d (%s): %s", e.Provider, e.Status, e.Code, e.Message)
}

// Rejected reports whether the provider refused the key itself.
func (e *CallError) Rejected() bool { return e.Status == 401 || e.Status == 403 }

// ErrNoKey means neither the tenant nor the platform has a key for a provider.
var ErrNoKey = errors.New("no API key is configured for this provider")

// NoKeyError names the provider without a key.
type NoKeyError struct{ Provider string }

func (e *NoKeyError) Error() string {
	return fmt.Sprintf("no %s API key is configured: add one in Settings → LLM API keys", e.Provider)
}

func (e *NoKeyError) Unwrap() error { return ErrNoKey }

// NotOnPlatformError is a model the platform's key does not serve (it is not
// in the platform's price table, or is kept off the platform's keys).
type NotOnPlatformError struct{ Model, Provider string }

func (e *NotOnPlatformError) Error() string {
	return fmt.Sprintf("%s is not offered on the platform's %s key: add your own %s key under Settings → LLM API keys to use it",
		e.Model, e.Provider, ProviderName(e.Provider))
}

func (e *NotOnPlatformError) Unwrap() error { return ErrNoKey }

// AllFailedError is returned when every model of a call failed.
type AllFailedError struct {
	Attempts  []Attempt
	permanent bool
}

func (e *AllFailedError) Error() string {
	parts := make([]string, 0, len(e.Attempts))
	for _, a := range e.Attempts {
		parts = append(parts, a.Model+": "+a.Error)
	}
	return "every model failed: " + strings.Join(parts, "; ")
}

// Permanent reports whether retrying later cannot help: every model failed
// for want of a key or because the provider refused the request itself.
func (e *AllFailedError) Permanent() bool { return e.permanent }

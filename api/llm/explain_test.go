package llm

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExplain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"NoKey", &AllFailedError{Attempts: []Attempt{{Model: "openai/gpt-4o", cause: &NoKeyError{Provider: OpenAI}}}},
			"No OpenAI key can call openai/gpt-4o: add one in Settings → LLM API keys."},
		{"RefusedKeyThenUnknownModel", &AllFailedError{Attempts: []Attempt{
			{Model: "anthropic/claude-haiku-4-5", cause: &CallError{Provider: Anthropic, Status: 401, Message: "invalid x-api-key"}},
			{Model: "openai/gpt-5-typo", cause: &CallError{Provider: OpenAI, Status: 404, Code: "model_not_found", Message: "no such model"}},
		}}, "Anthropic refused the key for anthropic/claude-haiku-4-5: replace it in Settings → LLM API keys. " +
			"OpenAI does not offer openai/gpt-5-typo: choose another model in the Agent Designer."},
		{"CustomServerDown", &AllFailedError{Attempts: []Attempt{{Model: "custom/llama", cause: &CallError{Provider: Custom, Message: "connection refused"}}}},
			"The custom model server could not be reached for custom/llama (connection refused)."},
		{"SameCauseOnce", &AllFailedError{Attempts: []Attempt{{Model: "openai/gpt-4o", cause: &NoKeyError{Provider: OpenAI}}, {Model: "openai/gpt-4o", cause: &NoKeyError{Provider: OpenAI}}}},
			"No OpenAI key can call openai/gpt-4o: add one in Settings → LLM API keys."},
		{"NoCustomKey", &AllFailedError{Attempts: []Attempt{{Model: "custom/llama", cause: &NoKeyError{Provider: Custom}}}},
			"No key for a custom model server can call custom/llama: add one in Settings → LLM API keys."},
		{"Timeout", context.DeadlineExceeded, "The model took too long to answer."},
		{"Other", errors.New("the reply was empty."), "The model failed: the reply was empty."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, Explain(tt.err))
		})
	}
}

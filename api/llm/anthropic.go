package llm

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
)

// defaultAnthropicMaxTokens is sent when the agent sets no limit: the
// Messages API requires max_tokens.
const defaultAnthropicMaxTokens = 2048

func completeAnthropic(ctx context.Context, o clientOpts, cred Credential, model string, req Request) (*Response, error) {
	opts := []option.RequestOption{
		option.WithoutEnvironmentDefaults(), // per-tenant keys: never pick up ANTHROPIC_* from the environment
		option.WithAPIKey(cred.APIKey), option.WithHTTPClient(o.http),
		option.WithMaxRetries(o.retries), option.WithRequestTimeout(o.timeout),
	}
	base := cred.BaseURL
	if base == "" {
		base = "https://api.anthropic.com/"
	}
	opts = append(opts, option.WithBaseURL(base))
	client := anthropic.NewClient(opts...)

	maxTokens := int64(req.MaxTokens)
	if maxTokens <= 0 {
		maxTokens = defaultAnthropicMaxTokens
	}
	params := anthropic.MessageNewParams{Model: anthropic.Model(model), MaxTokens: maxTokens,
		Temperature: anthropic.Float(float64(min(req.Temperature, 1)))}
	if req.System != "" {
		params.System = []anthropic.TextBlockParam{{Text: req.System}}
	}
	params.Messages = anthropicMessages(req.Messages)
	for _, t := range req.Tools {
		schema := anthropic.ToolInputSchemaParam{Properties: t.Parameters["properties"], Required: stringList(t.Parameters["required"])}
		params.Tools = append(params.Tools, anthropic.ToolUnionParam{OfTool: &anthropic.ToolParam{
			Name: t.Name, Description: anthropic.String(t.Description), InputSchema: schema,
		}})
	}
	if req.NoToolCalls && len(req.Tools) > 0 {
		params.ToolChoice = anthropic.ToolChoiceUnionParam{OfNone: &anthropic.ToolChoiceNoneParam{}}
	}
	msg, err := client.Messages.New(ctx, params)
	if err != nil {
		return nil, anthropicError(err)
	}
	resp := &Response{StopReason: string(msg.StopReason), Usage: Usage{InputTokens: msg.Usage.InputTokens, OutputTokens: msg.Usage.OutputTokens}}
	for _, block := range msg.Content {
		switch block.Type {
		case "text":
			resp.Text += block.Text
		case "tool_use":
			resp.ToolCalls = append(resp.ToolCalls, ToolCall{ID: block.ID, Name: block.Name, Arguments: json.RawMessage(block.Input)})
		}
	}
	return resp, nil
}

// anthropicMessages maps the conversation: tool results become tool_result
// blocks leading the next user message, as the Messages API requires, and
// consecutive messages of one role are merged.
func anthropicMessages(in []Message) []anthropic.MessageParam {
	var out []anthropic.MessageParam
	push := func(role anthropic.MessageParamRole, blocks ...anthropic.ContentBlockParamUnion) {
		if n := len(out); n > 0 && out[n-1].Role == role {
			out[n-1].Content = append(out[n-1].Content, blocks...)
			return
		}
		out = append(out, anthropic.MessageParam{Role: role, Content: blocks})
	}
	for _, m := range in {
		switch m.Role {
		case RoleAssistant:
			var blocks []anthropic.ContentBlockParamUnion
			if m.Text != "" {
				blocks = append(blocks, anthropic.NewTextBlock(m.Text))
			}
			for _, tc := range m.ToolCalls {
				var input any = map[string]any{}
				_ = json.Unmarshal(tc.Arguments, &input)
				blocks = append(blocks, anthropic.NewToolUseBlock(tc.ID, input, tc.Name))
			}
			if len(blocks) > 0 {
				push(anthropic.MessageParamRoleAssistant, blocks...)
			}
		case RoleTool:
			push(anthropic.MessageParamRoleUser, anthropic.NewToolResultBlock(m.ToolCallID, m.Text, m.IsError))
		default:
			var blocks []anthropic.ContentBlockParamUnion
			for _, img := range m.Images {
				blocks = append(blocks, anthropic.NewImageBlockBase64(img.MimeType, base64.StdEncoding.EncodeToString(img.Data)))
			}
			if m.Text != "" || len(blocks) == 0 {
				blocks = append(blocks, anthropic.NewTextBlock(orSpace(m.Text)))
			}
			push(anthropic.MessageParamRoleUser, blocks...)
		}
	}
	return out
}

// orSpace avoids an empty text block, which the API refuses.
func orSpace(s string) string {
	if s == "" {
		return " "
	}
	return s
}

func anthropicError(err error) error {
	var apiErr *anthropic.Error
	if errors.As(err, &apiErr) {
		var body struct {
			Error struct {
				Type    string `json:"type"`
				Message string `json:"message"`
			} `json:"error"`
		}
		_ = json.Unmarshal([]byte(apiErr.RawJSON()), &body)
		msg := body.Error.Message
		if msg == "" {
			msg = http.StatusText(apiErr.StatusCode)
		}
		return &CallError{Provider: Anthropic, Status: apiErr.StatusCode, Code: body.Error.Type, Message: msg}
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return &CallError{Provider: Anthropic, Message: err.Error()}
}

// stringList reads a JSON Schema "required" list, typed or decoded.
func stringList(v any) []string {
	switch l := v.(type) {
	case []string:
		return l
	case []any:
		out := make([]string, 0, len(l))
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

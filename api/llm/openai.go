package llm

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
)

// clientOpts are what every SDK client gets: timeout, retries, transport.
type clientOpts struct {
	http    *http.Client
	retries int
	timeout time.Duration
}

// completeOpenAI calls an OpenAI-compatible chat completions endpoint.
// legacyMaxTokens sends max_tokens (what most self-hosted servers accept)
// instead of OpenAI's max_completion_tokens.
func completeOpenAI(ctx context.Context, o clientOpts, cred Credential, model string, req Request, legacyMaxTokens bool) (*Response, error) {
	opts := []option.RequestOption{
		option.WithAPIKey(cred.APIKey), option.WithHTTPClient(o.http),
		option.WithMaxRetries(o.retries), option.WithRequestTimeout(o.timeout),
	}
	if cred.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(cred.BaseURL))
	}
	client := openai.NewClient(opts...)

	msgs := make([]openai.ChatCompletionMessageParamUnion, 0, len(req.Messages)+1)
	if req.System != "" {
		msgs = append(msgs, openai.SystemMessage(req.System))
	}
	for _, m := range req.Messages {
		msgs = append(msgs, openaiMessage(m))
	}
	params := openai.ChatCompletionNewParams{Model: model, Messages: msgs, Temperature: openai.Float(float64(req.Temperature))}
	if req.MaxTokens > 0 {
		if legacyMaxTokens {
			params.MaxTokens = openai.Int(int64(req.MaxTokens))
		} else {
			params.MaxCompletionTokens = openai.Int(int64(req.MaxTokens))
		}
	}
	for _, t := range req.Tools {
		params.Tools = append(params.Tools, openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
			Name: t.Name, Description: openai.String(t.Description), Parameters: shared.FunctionParameters(t.Parameters),
		}))
	}
	if req.NoToolCalls && len(req.Tools) > 0 {
		params.ToolChoice = openai.ChatCompletionToolChoiceOptionUnionParam{OfAuto: openai.String("none")}
	}
	completion, err := client.Chat.Completions.New(ctx, params)
	if err != nil {
		return nil, openaiError(cred.Provider, err)
	}
	if len(completion.Choices) == 0 {
		return nil, &CallError{Provider: cred.Provider, Status: http.StatusBadGateway, Code: "no_choices", Message: "the model returned no choices"}
	}
	choice := completion.Choices[0]
	resp := &Response{Text: choice.Message.Content, StopReason: choice.FinishReason,
		Usage: Usage{InputTokens: completion.Usage.PromptTokens, OutputTokens: completion.Usage.CompletionTokens}}
	for _, tc := range choice.Message.ToolCalls {
		if tc.Type == "function" {
			resp.ToolCalls = append(resp.ToolCalls, ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: json.RawMessage(tc.Function.Arguments)})
		}
	}
	return resp, nil
}

func openaiMessage(m Message) openai.ChatCompletionMessageParamUnion {
	switch m.Role {
	case RoleAssistant:
		if len(m.ToolCalls) == 0 {
			return openai.AssistantMessage(m.Text)
		}
		a := openai.ChatCompletionAssistantMessageParam{}
		if m.Text != "" {
			a.Content.OfString = openai.String(m.Text)
		}
		for _, tc := range m.ToolCalls {
			a.ToolCalls = append(a.ToolCalls, openai.ChatCompletionMessageToolCallUnionParam{OfFunction: &openai.ChatCompletionMessageFunctionToolCallParam{
				ID: tc.ID, Function: openai.ChatCompletionMessageFunctionToolCallFunctionParam{Name: tc.Name, Arguments: string(tc.Arguments)},
			}})
		}
		return openai.ChatCompletionMessageParamUnion{OfAssistant: &a}
	case RoleTool:
		return openai.ToolMessage(m.Text, m.ToolCallID)
	}
	if len(m.Images) == 0 {
		return openai.UserMessage(m.Text)
	}
	parts := []openai.ChatCompletionContentPartUnionParam{openai.TextContentPart(m.Text)}
	for _, img := range m.Images {
		parts = append(parts, openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{
			URL: "data:" + img.MimeType + ";base64," + base64.StdEncoding.EncodeToString(img.Data), Detail: "auto",
		}))
	}
	return openai.UserMessage(parts)
}

func openaiError(provider string, err error) error {
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		code := apiErr.Code
		if code == "" {
			code = apiErr.Type
		}
		msg := apiErr.Message
		if msg == "" {
			msg = http.StatusText(apiErr.StatusCode)
		}
		return &CallError{Provider: provider, Status: apiErr.StatusCode, Code: code, Message: msg}
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return &CallError{Provider: provider, Message: err.Error()}
}

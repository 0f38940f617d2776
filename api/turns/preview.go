package turns

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/agents"
	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/knowledge"
	"github.com/konstruct/konstruct/api/llm"
	"github.com/konstruct/konstruct/api/store"
	"github.com/konstruct/konstruct/api/tenants"
	"github.com/konstruct/konstruct/api/tools"
)

// Preview runs an agent on a typed message, without a channel: the Agent
// Designer's "try it" pane. It is audited and counted in usage like a turn;
// tools run for real (escalate_to_human only says it would hand over).
type Preview struct {
	store     *store.Store
	guard     *access.Guard
	router    *llm.Router
	tools     tools.Env
	knowledge *knowledge.Service // nil: no retrieval
}

// NewPreview returns the preview service.
func NewPreview(s *store.Store, g *access.Guard, r *llm.Router, te tools.Env, k *knowledge.Service) *Preview {
	return &Preview{store: s, guard: g, router: r, tools: te, knowledge: k}
}

// PreviewResult is the agent's answer and what it cost.
type PreviewResult struct {
	Calls []*llm.Result // none when the agent's knowledge had nothing for a question
	Tools []tools.Call
	Reply string
	Model string // the agent's model, for a reply made without a model call
}

// Run answers message after history with the agent's configuration.
func (p *Preview) Run(ctx context.Context, tenantID, agentID uuid.UUID, history []llm.Message, message string) (*PreviewResult, error) {
	if _, err := p.guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	var a *agents.Agent
	var tenantName string
	var know *known
	err := p.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) (err error) {
		if a, err = agents.Load(ctx, tx, agentID, false); err != nil {
			return err
		}
		if tenantName, err = tenants.Name(ctx, tx); err != nil {
			return err
		}
		// The agent's knowledge, retrieved as a turn would; a question it
		// has nothing for is a gap, as in a turn.
		if p.knowledge == nil {
			return nil
		}
		k, err := p.knowledge.Retrieve(ctx, tx, agentID, message)
		if err != nil {
			return err
		}
		know = &known{Knowledge: k, question: message}
		if !know.unanswered() {
			return nil
		}
		return knowledge.RecordGap(ctx, tx, tenantID, knowledge.Ask{AgentID: agentID, Question: message})
	})
	if err != nil {
		return nil, err
	}
	if know.unanswered() {
		// As the channel turn: the model is not asked to guess.
		out := &PreviewResult{Reply: knowledge.UnknownReply, Model: a.Model}
		if know.WhenUnknown == knowledge.Handover {
			out.Reply = HandoverMessage
		}
		return out, nil
	}
	msgs := append(history, llm.Message{Role: llm.RoleUser, Text: message})
	th, err := think(ctx, p.router, p.tools, tenantID, a, System(a, tenantName, "", Context{Knowledge: know.passages()}), msgs,
		previewJournal{store: p.store, tenantID: tenantID, agentID: a.ID})
	if len(th.calls) > 0 {
		rerr := p.store.WithTenant(context.WithoutCancel(ctx), tenantID, func(ctx context.Context, tx store.Tx) error {
			return recordCalls(ctx, tx, a, nil, nil, "preview", th.calls)
		})
		if rerr != nil {
			return nil, rerr
		}
	}
	if err != nil {
		var all *llm.AllFailedError
		if errors.As(err, &all) {
			return nil, &errs.Error{Kind: errs.Upstream, Message: all.Error(), Code: "all_models_failed", Err: err}
		}
		return nil, err
	}
	out := &PreviewResult{Calls: th.calls, Tools: th.tools, Reply: know.cite("", Truncate(th.text, a.MaxReplyChars))}
	if th.escalate != nil {
		out.Reply = HandoverMessage
	}
	return out, nil
}

// PreviewHandler serves the preview operation of the contract.
type PreviewHandler struct{ svc *Preview }

// NewPreviewHandler returns a PreviewHandler.
func NewPreviewHandler(svc *Preview) *PreviewHandler { return &PreviewHandler{svc: svc} }

func (h *PreviewHandler) PreviewAgent(ctx context.Context, req apigen.PreviewAgentRequestObject) (apigen.PreviewAgentResponseObject, error) {
	var history []llm.Message
	if req.Body.History != nil {
		for _, m := range *req.Body.History {
			history = append(history, llm.Message{Role: string(m.Role), Text: m.Text})
		}
	}
	res, err := h.svc.Run(ctx, req.TenantId, req.AgentId, history, req.Body.Message)
	if err != nil {
		return nil, err
	}
	out := apigen.PreviewAgent200JSONResponse{Reply: res.Reply, ToolCalls: []apigen.ToolCallSummary{}}
	var latency time.Duration
	for _, c := range res.Calls {
		out.Usage.InputTokens += c.Usage.InputTokens
		out.Usage.OutputTokens += c.Usage.OutputTokens
		out.CostUsd += c.CostUSD
		latency += c.Latency
	}
	if len(res.Calls) == 0 {
		// No model was called (the knowledge's "don't know"): no key was
		// used and nothing was spent.
		out.Model, out.KeySource = res.Model, apigen.PreviewResultKeySourceNone
	} else {
		last := res.Calls[len(res.Calls)-1]
		out.Model, out.KeySource, out.LatencyMs = last.Model, apigen.PreviewResultKeySource(last.KeySource), int(latency/time.Millisecond)
	}
	for _, c := range res.Tools {
		var args map[string]any
		_ = json.Unmarshal(c.Arguments, &args)
		result := c.Output
		out.ToolCalls = append(out.ToolCalls, apigen.ToolCallSummary{Name: c.Name, Arguments: args, Ok: c.OK, Result: &result})
	}
	return out, nil
}

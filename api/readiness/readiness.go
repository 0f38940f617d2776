package readiness

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/agents"
	"github.com/konstruct/konstruct/api/channels"
	"github.com/konstruct/konstruct/api/llm"
	"github.com/konstruct/konstruct/api/llmkeys"
	"github.com/konstruct/konstruct/api/store"
)

// Check names, in the order an operator sets things up.
const (
	CheckChannelConnected = "channel_connected"
	CheckChannelReceives  = "channel_receives"
	CheckAgentActive      = "agent_active"
	CheckModelCallable    = "model_callable"
	CheckBilling          = "billing"
	CheckTestSent         = "test_sent"
	CheckRoundTrip        = "round_trip"
)

// Check statuses.
const (
	Pass = "pass"
	Warn = "warn"
	Fail = "fail"
)

// Action is the one thing that fixes a failing check: a label and the
// portal page where it is done.
type Action struct {
	Label, Path string
}

// Check is one condition of being live.
type Check struct {
	Name, Status, Message string
	Action                *Action
}

// ModelState is whether one of an agent's models can be called.
type ModelState struct {
	ID       string
	Callable bool
	Reason   string
}

// AgentReport is one agent's readiness.
type AgentReport struct {
	AgentID uuid.UUID
	Name    string
	Live    bool
	Checks  []Check
	Models  []ModelState
}

// ConnectionReport is one connection's part of the loop.
type ConnectionReport struct {
	ID                        uuid.UUID
	Type, DisplayName, Status string
	AgentID                   *uuid.UUID // who answers here now
	Receives                  Availability
	Test                      TestState
	RoundTrip                 RoundTrip
}

// Report is a tenant's readiness.
type Report struct {
	Live        bool
	Next        *Check
	Slack       Availability
	WhatsApp    Availability
	Agents      []AgentReport
	Connections []ConnectionReport
}

// Opts configures a Service.
type Opts struct {
	Store    *store.Store
	Guard    *access.Guard
	Platform Platform
	// Models is the tenant's model catalog (llmkeys: the platform's price
	// table and the models the tenant's keys listed).
	Models ModelsFunc
	// Billing says whether billing lets the tenant's agents answer (the
	// reason when not: no_subscription, trial_ended, budget_exceeded, …);
	// nil, or a platform that does not bill and no budget stop, leaves it
	// out of being live.
	Billing BillingFunc
}

// BillingFunc reports whether the platform bills, and why the tenant's
// agents do not answer ("" when they do).
type BillingFunc func(ctx context.Context, tenantID uuid.UUID) (enabled bool, blocked string, err error)

// Service computes readiness.
type Service struct{ opts Opts }

// New returns a Service.
func New(opts Opts) *Service {
	return &Service{opts: opts}
}

// Report computes a tenant's readiness (any member).
func (s *Service) Report(ctx context.Context, tenantID uuid.UUID) (*Report, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleMember); err != nil {
		return nil, err
	}
	catalog, err := s.opts.Models(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	var billing *Check
	if s.opts.Billing != nil {
		enabled, blocked, err := s.opts.Billing(ctx, tenantID)
		if err != nil {
			return nil, err
		}
		// A budget set to stop applies even where the platform does not bill.
		if enabled || blocked != "" {
			billing = billingCheck(blocked)
		}
	}
	var as []agents.Agent
	var conns []channels.Connection
	var sources map[string]string
	rep := &Report{Slack: s.opts.Platform.Slack, WhatsApp: s.opts.Platform.WhatsApp}
	err = s.store().WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		// The agents, the connections and the providers with a tenant key,
		// from their owners, in one round trip.
		var b store.Batch
		var tenantKeys []string
		agents.QueueSummaries(&b, &as)
		channels.QueueInUse(&b, &conns)
		llmkeys.QueueActiveProviders(&b, &tenantKeys)
		err := tx.Send(ctx, &b)
		if err != nil {
			return err
		}
		sources = keySources(tenantKeys, s.opts.Platform.LLM)
		firstActive := firstActiveAgent(as)
		for i := range conns {
			c := &conns[i]
			cr := ConnectionReport{ID: c.ID, Type: c.Type, DisplayName: c.DisplayName, Status: c.Status,
				Receives: s.opts.Platform.Receives[c.Type], Test: testState(c)}
			if cr.AgentID = c.AgentID; cr.AgentID == nil {
				cr.AgentID = firstActive
			}
			if c.Status == channels.StatusActive {
				if cr.RoundTrip, err = roundTrip(ctx, tx, c, cr.Test); err != nil {
					return err
				}
			} else {
				cr.RoundTrip = RoundTrip{Status: TripNotStarted}
			}
			rep.Connections = append(rep.Connections, cr)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	known := map[string]Model{}
	for _, m := range catalog {
		known[m.ID] = m
	}
	best := -1
	for i := range as {
		ar := s.agentReport(&as[i], rep.Connections, known, sources, billing)
		rep.Agents = append(rep.Agents, ar)
		rep.Live = rep.Live || ar.Live
		if best < 0 || passes(ar.Checks) > passes(rep.Agents[best].Checks) {
			best = i
		}
	}
	if !rep.Live {
		rep.Next = s.next(rep, best)
	}
	return rep, nil
}

func (s *Service) store() *store.Store { return s.opts.Store }

// firstActiveAgent is who answers on a connection without a chosen agent
// (the agent turn's own rule: the oldest active agent).
func firstActiveAgent(as []agents.Agent) *uuid.UUID {
	for i := range as {
		if as[i].IsActive {
			return &as[i].ID
		}
	}
	return nil
}

func passes(cs []Check) int {
	n := 0
	for _, c := range cs {
		if c.Status != Fail {
			n++
		}
	}
	return n
}

// next is the first failing check of the agent closest to live; without
// agents, connecting a channel (the wizard's first step) or creating one.
func (s *Service) next(rep *Report, best int) *Check {
	if best >= 0 {
		for _, c := range rep.Agents[best].Checks {
			if c.Status == Fail {
				return &c
			}
		}
		return nil
	}
	for _, c := range rep.Connections {
		if c.Status == channels.StatusActive {
			return &Check{Name: CheckAgentActive, Status: Fail, Message: "No agent answers yet: design your AI employee.",
				Action: &Action{Label: "Create an agent", Path: "/agents/new?next=onboarding"}}
		}
	}
	return s.connectCheck()
}

func (s *Service) connectCheck() *Check {
	c := &Check{Name: CheckChannelConnected, Status: Fail, Message: "No channel is connected: nobody can write to your AI employee yet.",
		Action: &Action{Label: "Connect Slack or WhatsApp", Path: "/onboarding?step=1"}}
	switch p := s.opts.Platform; {
	case p.Slack.Available && !p.WhatsApp.Available:
		c.Action.Label = "Connect Slack"
	case p.WhatsApp.Available && !p.Slack.Available:
		c.Action.Label = "Connect WhatsApp"
	case !p.Slack.Available && !p.WhatsApp.Available:
		c.Message, c.Action = "No channel can be connected on this Konstruct installation: its administrator has not configured Slack or WhatsApp.", nil
	}
	return c
}

func (s *Service) agentReport(a *agents.Agent, conns []ConnectionReport, known map[string]Model, sources map[string]string, billing *Check) AgentReport {
	ar := AgentReport{AgentID: a.ID, Name: a.Name}
	edit := &Action{Label: "Open " + a.Name + " in the Agent Designer", Path: "/agents/" + a.ID.String()}

	// 1–2: a connection answers with this agent, and can receive.
	var answering, receiving []ConnectionReport
	activeElsewhere := 0
	for _, c := range conns {
		if c.Status != channels.StatusActive {
			continue
		}
		if c.AgentID == nil || *c.AgentID != a.ID {
			activeElsewhere++
			continue
		}
		answering = append(answering, c)
		if c.Receives.Available {
			receiving = append(receiving, c)
		}
	}
	switch {
	case len(answering) > 0:
		ar.Checks = append(ar.Checks, Check{Name: CheckChannelConnected, Status: Pass, Message: a.Name + " answers on " + names(answering) + "."})
	case activeElsewhere > 0 && a.IsActive:
		ar.Checks = append(ar.Checks, Check{Name: CheckChannelConnected, Status: Fail,
			Message: "Your connected channels answer with another agent.",
			Action:  &Action{Label: "Choose " + a.Name + " for a channel", Path: "/settings/channels"}})
	case activeElsewhere > 0:
		ar.Checks = append(ar.Checks, Check{Name: CheckChannelConnected, Status: Fail,
			Message: a.Name + " is switched off, so no channel answers with it.", Action: &Action{Label: "Switch " + a.Name + " on", Path: edit.Path}})
	default:
		ar.Checks = append(ar.Checks, *s.connectCheck())
	}
	switch {
	case len(receiving) > 0:
		ar.Checks = append(ar.Checks, Check{Name: CheckChannelReceives, Status: Pass, Message: "Messages to " + names(receiving) + " reach Konstruct."})
	case len(answering) > 0:
		ar.Checks = append(ar.Checks, s.cannotReceive(answering[0]))
	default:
		ar.Checks = append(ar.Checks, Check{Name: CheckChannelReceives, Status: Fail, Message: "Waits for a connected channel."})
	}

	// 3–4: switched on, with a model it can call.
	if a.IsActive {
		ar.Checks = append(ar.Checks, Check{Name: CheckAgentActive, Status: Pass, Message: a.Name + " is switched on."})
	} else {
		ar.Checks = append(ar.Checks, Check{Name: CheckAgentActive, Status: Fail, Message: a.Name + " is switched off.",
			Action: &Action{Label: "Switch " + a.Name + " on", Path: edit.Path}})
	}
	ar.Models = modelStates(a, known, sources)
	ar.Checks = append(ar.Checks, modelCheck(a, ar.Models, sources, edit))
	if billing != nil {
		ar.Checks = append(ar.Checks, *billing)
	}

	// 5–6: the test went out, and the loop came back, on a connection that
	// can receive.
	ar.Checks = append(ar.Checks, testCheck(receiving), tripCheck(receiving))
	ar.Live = passes(ar.Checks) == len(ar.Checks)
	return ar
}

// billingReasons say why billing stops agents, in the operator's words.
var billingReasons = map[string]string{
	"no_subscription":                 "Agents answer only with a subscription, and there is none yet.",
	"trial_ended":                     "The free trial has ended: agents answer again once you subscribe.",
	"subscription_canceled":           "The subscription was canceled, so agents do not answer.",
	"subscription_unpaid":             "The subscription is unpaid, so agents do not answer.",
	"subscription_incomplete":         "The first payment has not gone through, so agents do not answer yet.",
	"subscription_incomplete_expired": "The first payment never went through and the subscription expired.",
	"subscription_paused":             "The subscription is paused, so agents do not answer.",
	"payment_overdue":                 "A payment is overdue and the grace period has ended, so agents do not answer.",
	"budget_exceeded":                 "This month's LLM budget is spent and set to stop agents.",
}

func billingCheck(blocked string) *Check {
	if blocked == "" {
		return &Check{Name: CheckBilling, Status: Pass, Message: "Billing lets your agents answer."}
	}
	msg, ok := billingReasons[blocked]
	if !ok {
		msg = "Billing stops your agents (" + strings.ReplaceAll(blocked, "_", " ") + ")."
	}
	action := &Action{Label: "Subscribe in Billing", Path: "/billing"}
	switch blocked {
	case "budget_exceeded":
		action = &Action{Label: "Raise the budget in Usage", Path: "/usage"}
	case "payment_overdue", "subscription_unpaid", "subscription_incomplete", "subscription_paused":
		action = &Action{Label: "Fix the payment in Billing", Path: "/billing"}
	}
	return &Check{Name: CheckBilling, Status: Fail, Message: msg, Action: action}
}

func (s *Service) cannotReceive(c ConnectionReport) Check {
	ch := Check{Name: CheckChannelReceives, Status: Fail, Message: c.Receives.Reason}
	// The tenant cannot fix the platform; the other channel may work.
	switch {
	case c.Type == channels.WhatsApp && s.opts.Platform.Slack.Available:
		ch.Action = &Action{Label: "Connect Slack instead", Path: "/onboarding?step=1"}
	case c.Type == channels.Slack && s.opts.Platform.WhatsApp.Available:
		ch.Action = &Action{Label: "Connect WhatsApp instead", Path: "/onboarding?step=1"}
	}
	return ch
}

func modelStates(a *agents.Agent, known map[string]Model, sources map[string]string) []ModelState {
	ids := append([]string{a.Model}, a.FallbackModels...)
	out := make([]ModelState, 0, len(ids))
	for _, id := range ids {
		st := ModelState{ID: id}
		provider, _, err := llm.SplitModel(id)
		m, listed := known[id]
		switch {
		case err != nil:
			st.Reason = id + " is not a model id Konstruct knows (provider/model)."
		case sources[provider] == "":
			st.Reason = llm.NoKeyReason(provider)
		case listed && !m.Available:
			st.Reason = m.Reason
		case !listed && provider != llm.Custom:
			st.Reason = id + " is not a model " + llm.ProviderName(provider) + " offers."
		default:
			st.Callable = true
		}
		out = append(out, st)
	}
	return out
}

func modelCheck(a *agents.Agent, ms []ModelState, sources map[string]string, edit *Action) Check {
	primary := ms[0]
	provider, _, _ := llm.SplitModel(primary.ID)
	whose := "the platform’s key"
	if sources[provider] == SourceTenant {
		whose = "your " + llm.ProviderName(provider) + " key"
	}
	if primary.Callable {
		return Check{Name: CheckModelCallable, Status: Pass, Message: primary.ID + " answers, with " + whose + "."}
	}
	fix := &Action{Label: "Choose another model", Path: edit.Path}
	if provider != "" && sources[provider] == "" {
		fix = &Action{Label: "Add " + article(llm.KeyNoun(provider)), Path: "/settings/api-keys?add=" + provider}
	}
	for _, m := range ms[1:] {
		if m.Callable {
			return Check{Name: CheckModelCallable, Status: Warn, Action: fix,
				Message: primary.Reason + " Replies come from the fallback " + m.ID + " until that is fixed."}
		}
	}
	return Check{Name: CheckModelCallable, Status: Fail, Message: primary.Reason, Action: fix}
}

func testCheck(receiving []ConnectionReport) Check {
	step3 := &Action{Label: "Send a test message", Path: "/onboarding?step=3"}
	var failed *ConnectionReport
	for i, c := range receiving {
		switch c.Test.Status {
		case TestSent:
			return Check{Name: CheckTestSent, Status: Pass, Message: "The test message went out on " + title(c) + "."}
		case TestFailed:
			failed = &receiving[i]
		}
	}
	switch {
	case len(receiving) == 0:
		return Check{Name: CheckTestSent, Status: Fail, Message: "Waits for a channel that can receive."}
	case failed != nil:
		return Check{Name: CheckTestSent, Status: Fail, Message: "The last test message on " + title(*failed) + " failed: " + failed.Test.Message,
			Action: &Action{Label: "Send the test again", Path: step3.Path}}
	}
	return Check{Name: CheckTestSent, Status: Fail, Message: "No test message has gone out yet.", Action: step3}
}

func tripCheck(receiving []ConnectionReport) Check {
	step3 := &Action{Label: "Open the test step", Path: "/onboarding?step=3"}
	var tested []ConnectionReport
	for _, c := range receiving {
		if c.RoundTrip.Proven && c.Test.Status == TestSent {
			from := "a customer"
			if c.RoundTrip.Inbound != nil {
				from = c.RoundTrip.Inbound.From
			}
			return Check{Name: CheckRoundTrip, Status: Pass, Message: "A message from " + from + " on " + title(c) + " was answered by the agent."}
		}
		if c.Test.Status == TestSent {
			tested = append(tested, c)
		}
	}
	if len(tested) == 0 {
		return Check{Name: CheckRoundTrip, Status: Fail, Message: "Waits for the test message."}
	}
	c := tested[0]
	app := "Slack"
	if c.Type == channels.WhatsApp {
		app = "WhatsApp"
	}
	switch c.RoundTrip.Status {
	case TripReceived:
		return Check{Name: CheckRoundTrip, Status: Fail, Message: "Your message arrived from " + c.RoundTrip.Inbound.From + "; the agent is answering."}
	case TripFailed:
		return Check{Name: CheckRoundTrip, Status: Fail, Action: step3,
			Message: "Your message arrived, but the agent could not answer. " + strings.TrimPrefix(c.RoundTrip.Reply.Error, "The agent could not answer. ")}
	}
	return Check{Name: CheckRoundTrip, Status: Fail, Action: step3,
		Message: "Reply to the test message from your own " + app + ": when the agent’s answer arrives, the whole loop is proven."}
}

func title(c ConnectionReport) string {
	if c.Type == channels.WhatsApp {
		return "WhatsApp " + c.DisplayName
	}
	return "Slack " + c.DisplayName
}

func names(cs []ConnectionReport) string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, title(c))
	}
	return strings.Join(out, ", ")
}

func article(word string) string {
	if word != "" && strings.ContainsRune("AEIOU", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

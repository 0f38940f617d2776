package readiness

import (
	"github.com/konstruct/konstruct/api/channels"
	"github.com/konstruct/konstruct/api/config"
	"github.com/konstruct/konstruct/api/llm"
)

// Availability is whether something can be used, and one sentence of why
// not when it cannot.
type Availability struct {
	Available bool
	Reason    string
}

// Platform is what this installation has configured, from its environment.
type Platform struct {
	// Slack and WhatsApp: whether a tenant can connect the channel and have
	// its messages arrive.
	Slack, WhatsApp Availability
	// Receives says per channel type whether webhooks can be verified, which
	// decides whether an existing connection can receive.
	Receives map[string]Availability
	// LLM says per provider whether the platform has a key tenants may use.
	LLM map[string]bool
}

// The reasons are written for a tenant's operator, who cannot change the
// platform's environment: they say what is missing and who can fix it.
const (
	slackNotConfigured = "Slack isn’t set up on this Konstruct installation: its administrator has not configured a Slack app."
	slackNoSigning     = "Slack messages can’t reach this Konstruct installation: its administrator has not set the Slack app’s signing secret."
	whatsAppNoSecret   = "WhatsApp messages can’t reach this Konstruct installation: its administrator has not set the Meta app secret."
)

// PlatformFrom reads what the configuration offers.
func PlatformFrom(cfg *config.Config) Platform {
	p := Platform{
		Receives: map[string]Availability{},
		LLM: map[string]bool{
			llm.OpenAI:    cfg.LLM.OpenAIKey != "",
			llm.Anthropic: cfg.LLM.AnthropicKey != "",
			// The router calls the platform's custom server only with both.
			llm.Custom: cfg.LLM.CustomKey != "" && cfg.LLM.CustomURL != "",
		},
	}
	s := cfg.Slack
	switch {
	case s.SigningSecret == "":
		p.Receives[channels.Slack] = Availability{Reason: slackNoSigning}
	default:
		p.Receives[channels.Slack] = Availability{Available: true}
	}
	switch {
	case s.ClientID == "" || s.ClientSecret == "":
		p.Slack = Availability{Reason: slackNotConfigured}
	default:
		p.Slack = p.Receives[channels.Slack]
	}
	if cfg.WhatsApp.AppSecret == "" {
		p.Receives[channels.WhatsApp] = Availability{Reason: whatsAppNoSecret}
	} else {
		p.Receives[channels.WhatsApp] = Availability{Available: true}
	}
	p.WhatsApp = p.Receives[channels.WhatsApp]
	return p
}

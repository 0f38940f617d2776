// Package agents owns the AI employees a tenant designs in the Agent Designer:
// their persona and prompt, the model with its ordered fallbacks, the tools
// they may use, escalation rules and target, and whether they are active.
// Every change is validated as a whole (go-playground/validator) and audited
// with the names of the fields that changed, never their contents.
package agents

// Package readiness answers one question for the portal and the API: will a
// customer's message be answered? It is the single place that decides whether
// an agent is "live", so the onboarding wizard, the dashboard, the Agent
// Designer and integrators all say the same thing.
//
// An agent is live when every one of these holds, checked in the order an
// operator sets things up:
//
//  1. channel_connected: an active Slack workspace or WhatsApp number answers
//     with it (the connection's chosen agent, else the tenant's first active
//     agent, exactly as the agent turn picks it);
//  2. channel_receives: the platform can receive that channel's webhooks (the
//     Slack signing secret, the Meta app secret);
//  3. agent_active: it is switched on;
//  4. model_callable: at least one of its models can be called: a key for the
//     provider (the tenant's own active key, else the platform's) and a model
//     id the provider offers (the model catalog, see ModelsFunc);
//  5. test_sent: a test message went out through such a connection;
//  6. round_trip: the loop was proven on it: a message arrived and the
//     agent's reply, written by a model, was delivered. In onboarding the
//     operator answers the test message from their own Slack or WhatsApp; on
//     WhatsApp the loop must begin with their message, since a business may
//     only start a conversation with an approved template.
//
// Every failing check carries the one action that fixes it (a label and the
// portal page where it is done). The report's Next is the first failing check
// of the agent closest to live, which is what the dashboard shows.
//
// Integrations the platform has not configured (no Slack app, no Meta app
// secret) are reported as unavailable with one sentence of why, so the portal
// shows them as such instead of offering buttons that fail.
//
// Which models can be called comes from the model catalog (Opts.Models, the
// llmkeys package: the platform's price table and the models the tenant's
// own keys listed), the same one listModels answers and agent saves check.
package readiness

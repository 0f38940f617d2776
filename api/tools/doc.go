// Package tools is what an agent can do besides talking: a registry of tools
// described by JSON Schema, offered to the model, run when it asks. The
// model's arguments are validated against the tool's schema before anything
// runs; a bad call returns an error to the model (which may try again), never
// a failed turn. Built-ins:
//
//   - current_time: the date and time, in a time zone;
//   - escalate_to_human: hands the conversation to a person;
//   - the operator's HTTP endpoints (enabled by http_request): each declared
//     endpoint becomes a tool of its own, with a URL template, headers (secret
//     ones sealed by the keyring), a timeout and a response size cap, called
//     through the SSRF guard.
//
// The agent turn bounds the rounds of tool calls, records each call before
// it runs so a retried turn never runs it again (HTTP tools send the call's
// id as Idempotency-Key), and audits every call once by name, outcome,
// failure kind and duration; never arguments, results, secrets or error text.
package tools

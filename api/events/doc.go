// Package events tells integrators what happens in a tenant: an outbox of
// events recorded in the same transaction as the change each describes,
// fanned out to the tenant's webhook endpoints and delivered by River jobs
// signed by the Standard Webhooks scheme, retried for days, inspectable and
// replayable.
//
// The package is named for what integrators subscribe to (events), not for
// the transport: "webhooks" already names the inbound provider callbacks
// (/api/webhooks/{slack,whatsapp,stripe}, the contract's webhooks tag), and
// one package of each direction under one name would invite confusion.
//
// # Recording
//
// A change site calls Record(ctx, tx, payload) inside its tenant transaction
// (one INSERT; the row's tenant is the transaction's). The ingest path, where
// every round trip counts, does not call Record: its single statement
// (conversations.Receive) writes the message.received row as one more CTE,
// only when the message is new. Either way an event exists exactly when its
// change committed. An event no enabled endpoint of the tenant subscribes
// to is recorded with dispatched_at set (DispatchedAtSQL): listed, never
// fanned out, and never read or updated by the relay.
//
// # Fan-out and order
//
// The relay (Service.Relay, in every worker process) polls for tenants with
// undispatched events through a SECURITY DEFINER function and, per tenant
// and under an advisory lock, creates one delivery per subscribed endpoint.
// Each event has a subject (the conversation, agent or channel it is about);
// an endpoint receives the events of one subject in the order they were
// recorded: only the oldest unfinished delivery of an endpoint-and-subject
// chain is "pending", the others "waiting" until it finishes.
//
// # Delivery
//
// One River job (webhooks.deliver, queue "webhooks") per endpoint claims
// its due deliveries with leases and sends up to EndpointConcurrency at once
// (one while the endpoint is failing), each attempt bounded by Timeout and
// recorded before it starts and after it ends (status, latency, the first
// kilobyte of the response, the error). So a slow endpoint holds one worker
// of the queue, never the queue. Requests carry webhook-id (the event id,
// stable across retries and replays), webhook-timestamp and webhook-signature
// ("v1,<base64 HMAC-SHA256 of id.timestamp.body>", one per signing secret
// during a rotation); redirects are not followed; the client dials only what
// netguard allows. Failures are retried on Schedule (exponential backoff
// with jitter for three days); 410 Gone, or failing for the whole horizon,
// disables the endpoint with an audit event, and the portal says why.
//
// # Replay
//
// A delivery can be sent again, and everything since a time can be replayed
// to an endpoint after an outage; events keep their ids, so receivers can
// drop what they already processed. Events are kept for Retention.
package events

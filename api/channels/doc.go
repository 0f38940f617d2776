// Package channels owns the connections between a tenant and the places its
// agents talk: Slack workspaces and WhatsApp numbers. It stores each
// connection with its credential sealed by the secrets keyring, routes
// webhooks to their tenant, and defines what every channel must offer:
//
//   - Sender, the outbound interface agent turns deliver through (post,
//     update a placeholder, mark as read), with typed errors for rate limits
//     (the job snoozes for Retry-After), closed messaging windows and revoked
//     credentials;
//   - Provider, the per-channel operations the portal needs (send a test
//     message, diagnose a connection).
//
// The Slack and WhatsApp specifics live in channels/slack and
// channels/whatsapp; this package never imports them.
package channels

// Package whatsapp connects Konstruct to the WhatsApp Cloud API (Meta's Graph
// API): connecting a number with pasted credentials (checked with Meta before
// anything is stored), the webhook (Meta's verify-token handshake;
// X-Hub-Signature-256 checked in constant time over the raw body; messages
// stored once per wamid with their agent turn; status updates recorded on our
// outbound messages, only ever forward, never starting a turn; entries older
// than Meta's 7-day retry horizon ignored as replays), and outbound delivery.
//
// Tenants' numbers are connected to the platform's Meta app (the Tech
// Provider model): one app secret signs every webhook, so the connect form
// asks only for the number, its account and a system user token.
package whatsapp

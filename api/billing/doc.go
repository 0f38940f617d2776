// Package billing owns the tenant's Stripe subscription: Checkout and the
// Customer Portal for operators, the Stripe webhook that keeps the
// subscription's state on the tenant (each event applied once, never moving
// the state backwards), the seat-sync job that makes the subscription's
// quantity follow the number of active agents, and the Gate an agent turn
// asks before answering (subscription, trial, grace period, budget).
//
// With no STRIPE_SECRET_KEY billing is disabled: nothing is gated and the
// Stripe endpoints answer 503 (portal) or 404 (webhook). See docs/billing.md.
package billing

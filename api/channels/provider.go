package channels

import (
	"context"
	"fmt"
)

// Provider is what a channel type offers beyond sending: what the portal's
// test and check buttons call.
type Provider interface {
	// Sender delivers through conn using its decrypted credential.
	Sender(conn *Connection, secret string) Sender
	// SendTest sends a real test message and returns what to tell the
	// operator. to is the recipient where the channel needs one (WhatsApp).
	SendTest(ctx context.Context, conn *Connection, secret, to string) (string, error)
	// Check diagnoses the connection.
	Check(ctx context.Context, conn *Connection, secret string) []CheckResult
}

// Providers maps a channel type to its provider.
type Providers map[string]Provider

// For returns the provider of a type.
func (p Providers) For(typ string) (Provider, error) {
	if pr, ok := p[typ]; ok {
		return pr, nil
	}
	return nil, fmt.Errorf("channels: no provider for %q", typ)
}

package channels

import (
	"context"
	"fmt"

	"github.com/konstruct/konstruct/api/secrets"
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

// Providers are the process's channel providers, by channel type, with the
// keyring their connections' credentials are sealed with. The app builds
// them once; everything that talks to a provider goes through them.
type Providers struct {
	keyring *secrets.Keyring
	byType  map[string]Provider
}

// NewProviders returns the providers of byType, whose connections'
// credentials k decrypts.
func NewProviders(k *secrets.Keyring, byType map[string]Provider) *Providers {
	return &Providers{keyring: k, byType: byType}
}

// For returns the provider of a type.
func (p *Providers) For(typ string) (Provider, error) {
	if pr, ok := p.byType[typ]; ok {
		return pr, nil
	}
	return nil, fmt.Errorf("channels: no provider for %q", typ)
}

// Unlock returns conn's provider and conn's decrypted credential, for the
// provider calls that take one (SendTest, Check).
func (p *Providers) Unlock(conn *Connection) (Provider, string, error) {
	pr, err := p.For(conn.Type)
	if err != nil {
		return nil, "", err
	}
	secret, err := DecryptCredential(p.keyring, conn)
	if err != nil {
		return nil, "", err
	}
	return pr, secret, nil
}

// SenderFor returns what sends through conn: its provider's sender with its
// decrypted credential. It fails when the type has no provider or the
// credential cannot be decrypted (gone, or sealed with a retired key).
func (p *Providers) SenderFor(conn *Connection) (Sender, error) {
	pr, secret, err := p.Unlock(conn)
	if err != nil {
		return nil, err
	}
	return pr.Sender(conn, secret), nil
}

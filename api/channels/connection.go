package channels

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/events"
	"github.com/konstruct/konstruct/api/secrets"
	"github.com/konstruct/konstruct/api/store"
)

// Channel types.
const (
	Slack    = "slack"
	WhatsApp = "whatsapp"
)

// Connection statuses.
const (
	StatusActive       = "active"
	StatusRevoked      = "revoked"      // the provider withdrew our access (uninstall, revoked token)
	StatusDisconnected = "disconnected" // an operator disconnected it
)

// Connection is one Slack workspace or WhatsApp number of a tenant.
type Connection struct {
	bun.BaseModel `bun:"table:channel_connections"`

	ID               uuid.UUID         `bun:"id,pk"`
	TenantID         uuid.UUID         `bun:"tenant_id"`
	Type             string            `bun:"type"`
	ExternalID       string            `bun:"external_id"`
	DisplayName      string            `bun:"display_name"`
	AgentID          *uuid.UUID        `bun:"agent_id"`
	SecretCiphertext []byte            `bun:"secret_ciphertext"`
	SecretKeyVersion int               `bun:"secret_key_version"`
	Config           map[string]string `bun:"config,type:jsonb"`
	Status           string            `bun:"status"`
	StatusReason     string            `bun:"status_reason"`
	ConnectedAt      time.Time         `bun:"connected_at,nullzero,default:now()"`
	UpdatedAt        time.Time         `bun:"updated_at,nullzero,default:now()"`
	LastEventAt      *time.Time        `bun:"last_event_at"`
	LastTestAt       *time.Time        `bun:"last_test_at"`
	LastTestOK       *bool             `bun:"last_test_ok"`
	LastTestMessage  string            `bun:"last_test_message"`
	LastCheck        []CheckResult     `bun:"last_check,type:jsonb"`
	LastCheckAt      *time.Time        `bun:"last_check_at"`
}

// CheckResult is one diagnosis of a connection.
type CheckResult struct {
	Name   string `json:"name"`
	Status string `json:"status"` // pass, warn, fail
	Detail string `json:"detail"`
	Hint   string `json:"hint,omitempty"`
}

// Check statuses.
const (
	CheckPass = "pass"
	CheckWarn = "warn"
	CheckFail = "fail"
)

func aad(id uuid.UUID) []byte { return []byte("channel_connections:" + id.String()) }

// Seal encrypts the connection's credential (bot token, system user token).
func Seal(k *secrets.Keyring, c *Connection, plaintext string) error {
	s, err := k.Encrypt([]byte(plaintext), aad(c.ID))
	if err != nil {
		return err
	}
	c.SecretCiphertext, c.SecretKeyVersion = s.Ciphertext, s.Version
	return nil
}

// DecryptCredential decrypts the connection's credential (bot token, system
// user token). Prefer Providers.SenderFor, which also picks the provider.
func DecryptCredential(k *secrets.Keyring, c *Connection) (string, error) {
	if len(c.SecretCiphertext) == 0 {
		return "", errs.E(errs.Conflict, "This connection has no credential any more; connect it again.")
	}
	pt, err := k.Decrypt(secrets.Sealed{Version: c.SecretKeyVersion, Ciphertext: c.SecretCiphertext}, aad(c.ID))
	if err != nil {
		return "", fmt.Errorf("open %s connection %s: %w", c.Type, c.ID, err)
	}
	return string(pt), nil
}

// Route is where a webhook for an external id belongs. Routes a Router
// remembers share their Config: read-only.
type Route struct {
	TenantID     uuid.UUID
	ConnectionID uuid.UUID
	Status       string
	AgentID      *uuid.UUID
	Config       map[string]string
	LastEventAt  *time.Time

	// version is the connection row's version (xmin) the route was read
	// from; router is the Router that gave it, and remembered says it came
	// from that router's memory (then Guard checks it).
	version    string
	key        routeKey
	router     *Router
	remembered bool
}

// ErrUnrouted means no tenant has connected that workspace or number.
var ErrUnrouted = errors.New("channels: no connection for this workspace or number")

// StepIngest names the statements of a webhook's ingest (the routing, the
// message with its job: store.WithStep), so the bench reports them apart
// from the turn's and River's.
const StepIngest = "ingest"

// Lookup routes a webhook (Slack team id, WhatsApp phone number id) to its
// tenant through the route_channel SECURITY DEFINER function, fresh from
// the database (Router remembers routes). It is a parameterised pgx query
// (planned once per connection) rather than an interpolated bun one.
func Lookup(ctx context.Context, pool *pgxpool.Pool, typ, externalID string) (*Route, error) {
	r := Route{key: routeKey{typ, externalID}}
	err := pool.QueryRow(ctx, "SELECT tenant_id, connection_id, status, agent_id, config, last_event_at, version FROM route_channel($1, $2)", typ, externalID).
		Scan(&r.TenantID, &r.ConnectionID, &r.Status, &r.AgentID, &r.Config, &r.LastEventAt, &r.version)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrUnrouted
	}
	if err != nil {
		return nil, store.Classify(err) // the raw pool bypasses the store's driver
	}
	return &r, nil
}

// Load reads a connection in a tenant transaction.
func Load(ctx context.Context, tx bun.IDB, id uuid.UUID) (*Connection, error) {
	c := &Connection{}
	if err := tx.NewSelect().Model(c).Where("id = ?", id).Scan(ctx); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errs.NotFoundf("connection not found")
		}
		return nil, err
	}
	return c, nil
}

// Upsert stores a connection made by an install or connect flow: a new row,
// or the tenant's existing row for the same workspace or number (re-install).
// A workspace or number that another tenant has connected is a 409.
func Upsert(ctx context.Context, tx store.Tx, k *secrets.Keyring, c *Connection, secret string) (created bool, err error) {
	existing := &Connection{}
	err = tx.NewSelect().Model(existing).Where("type = ? AND external_id = ?", c.Type, c.ExternalID).For("UPDATE").Scan(ctx)
	switch {
	case err == nil:
		c.ID, c.TenantID, c.ConnectedAt = existing.ID, existing.TenantID, existing.ConnectedAt
		if c.AgentID == nil {
			c.AgentID = existing.AgentID
		}
	case errors.Is(err, store.ErrNotFound):
		c.ID, c.TenantID, created = uuid.Must(uuid.NewV7()), tx.TenantID, true
	default:
		return false, err
	}
	c.Status, c.StatusReason = StatusActive, ""
	if err := Seal(k, c, secret); err != nil {
		return false, err
	}
	if created {
		if _, err := tx.ExecContext(ctx, "SAVEPOINT upsert_connection"); err != nil {
			return false, err
		}
		insert := tx.NewInsert().Model(c).ExcludeColumn("connected_at", "updated_at").Returning("connected_at, updated_at")
		_, err = insert.Exec(ctx)
		if errors.Is(store.Classify(err), store.ErrConflict) {
			if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT upsert_connection"); rerr != nil {
				return false, rerr
			}
			// Another tenant's row holds the id. If its access was revoked,
			// it gives the id up; otherwise the workspace is taken.
			var released bool
			if rerr := tx.NewRaw("SELECT release_channel(?, ?)", c.Type, c.ExternalID).Scan(ctx, &released); rerr != nil {
				return false, rerr
			}
			if !released {
				return false, errs.E(errs.Conflict, "This %s is already connected to another Konstruct account. Disconnect it there first.", noun(c.Type))
			}
			_, err = insert.Exec(ctx)
		}
		return true, err
	}
	_, err = tx.NewUpdate().Model(c).WherePK().
		Column("display_name", "agent_id", "secret_ciphertext", "secret_key_version", "config", "status", "status_reason").
		Returning("updated_at").Exec(ctx)
	return false, err
}

func noun(typ string) string {
	if typ == Slack {
		return "Slack workspace"
	}
	return "WhatsApp number"
}

// MarkEvent records that a webhook arrived for a routed connection (the
// connection check reports it), at most once a minute per connection. The
// route already says when the last event was recorded, so most events cost
// no write at all; the condition in the UPDATE still holds when processes
// race or the clocks of the database and this process disagree. The write
// makes a new version of the connection's row, so a router that remembered
// the route forgets it: the next event reads the new one. The UPDATE rides
// tx's next round trip (store.Tx.Defer), so it never costs one of its own.
func MarkEvent(tx store.Tx, r *Route) error {
	if r.LastEventAt != nil && time.Since(*r.LastEventAt) < markEventEvery {
		return nil
	}
	if r.router != nil {
		r.router.forget(r.key)
	}
	var b store.Batch
	b.Queue(markEventSQL, r.ConnectionID)
	return tx.Defer(&b)
}

const markEventSQL = `UPDATE channel_connections SET last_event_at = now()
	WHERE tenant_id = app_current_tenant() AND id = $1 AND (last_event_at IS NULL OR last_event_at < now() - interval '1 minute')`

// markEventEvery matches the interval in MarkEvent's UPDATE.
const markEventEvery = time.Minute

// SetStatus changes a connection's status (revoked by the provider, say).
// Becoming revoked records a channel.revoked event, once per revocation.
func SetStatus(ctx context.Context, tx bun.IDB, id uuid.UUID, status, reason string) error {
	var was string
	err := tx.NewRaw(`WITH old AS (SELECT status FROM channel_connections WHERE id = ? FOR UPDATE)
		UPDATE channel_connections SET status = ?, status_reason = ? WHERE id = ? RETURNING (SELECT status FROM old)`,
		id, status, reason, id).Scan(ctx, &was)
	if err != nil || status != StatusRevoked || was == StatusRevoked {
		return ignoreNotFound(err)
	}
	return events.Record(ctx, tx, events.ChannelRevoked{ConnectionID: id, Reason: reason})
}

func ignoreNotFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

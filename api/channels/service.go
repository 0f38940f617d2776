package channels

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/agents"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/paging"
	"github.com/konstruct/konstruct/api/secrets"
	"github.com/konstruct/konstruct/api/store"
)

// Service manages a tenant's connections.
type Service struct {
	store     *store.Store
	guard     *access.Guard
	keyring   *secrets.Keyring
	providers *Providers
}

// NewService returns a Service.
func NewService(s *store.Store, g *access.Guard, k *secrets.Keyring, p *Providers) *Service {
	return &Service{store: s, guard: g, keyring: k, providers: p}
}

// Keyring returns the keyring credentials are sealed with.
func (s *Service) Keyring() *secrets.Keyring { return s.keyring }

// List returns a page of connections, newest first (any member).
func (s *Service) List(ctx context.Context, tenantID uuid.UUID, page paging.Page) ([]Connection, *string, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleMember); err != nil {
		return nil, nil, err
	}
	var cs []Connection
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		q := tx.NewSelect().Model(&cs).OrderExpr("connected_at DESC, id DESC").Limit(int64(page.Limit + 1))
		if page.After != nil {
			q.Where("(connected_at, id) < (?, ?)", page.After.At, page.After.ID)
		}
		return q.Scan(ctx)
	})
	if err != nil {
		return nil, nil, err
	}
	cs, next := paging.Trim(cs, page.Limit, func(c Connection) (time.Time, uuid.UUID) { return c.ConnectedAt, c.ID })
	return cs, next, nil
}

// Get returns one connection (any member).
func (s *Service) Get(ctx context.Context, tenantID, id uuid.UUID) (*Connection, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleMember); err != nil {
		return nil, err
	}
	var c *Connection
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) (err error) {
		c, err = Load(ctx, tx, id)
		return err
	})
	return c, err
}

// SetAgent chooses the agent that answers on a connection; nil means the
// tenant's first active agent (owners and admins).
func (s *Service) SetAgent(ctx context.Context, tenantID, id uuid.UUID, agentID *uuid.UUID) (*Connection, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	var c *Connection
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) (err error) {
		if c, err = Load(ctx, tx, id); err != nil {
			return err
		}
		if agentID != nil {
			// Foreign keys do not see RLS: check the agent is this tenant's.
			if _, err := agents.Load(ctx, tx, *agentID, false); err != nil {
				if errs.KindOf(err) == errs.NotFound {
					return errs.Field("body.agent_id", "is not an agent of this tenant")
				}
				return err
			}
		}
		c.AgentID = agentID
		if _, err := tx.NewUpdate().Model(c).WherePK().Column("agent_id").Returning("updated_at").Exec(ctx); err != nil {
			return err
		}
		meta := map[string]any{"agent_id": nil}
		if agentID != nil {
			meta["agent_id"] = agentID.String()
		}
		return audit.Record(ctx, tx, audit.Event{Action: "channel.agent_assigned", TargetType: "channel", TargetID: c.ID.String(), Metadata: meta})
	})
	return c, err
}

// Disconnect erases a connection's credential and frees its workspace or
// number; its conversations stay readable (owners and admins).
func (s *Service) Disconnect(ctx context.Context, tenantID, id uuid.UUID) error {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return err
	}
	return s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		c, err := Load(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.Status == StatusDisconnected {
			return nil
		}
		_, err = tx.NewUpdate().Model(c).WherePK().
			Set("status = ?, status_reason = ?", StatusDisconnected, "disconnected by an operator").
			Set("secret_ciphertext = ''::bytea").
			Set("external_id = external_id || '#released:' || id::text").
			Exec(ctx)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "channel.disconnected", TargetType: "channel", TargetID: c.ID.String(),
			Metadata: map[string]any{"type": c.Type, "external_id": c.ExternalID, "display_name": c.DisplayName}})
	})
}

// SendTest sends a test message through a connection and records the result
// (owners and admins). Without connID, the tenant's newest active connection
// of channelType is used.
func (s *Service) SendTest(ctx context.Context, tenantID uuid.UUID, channelType string, connID *uuid.UUID, to string) (string, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return "", err
	}
	if channelType == WhatsApp && to == "" {
		return "", errs.Field("body.to", "is required for WhatsApp: the number the test message goes to")
	}
	conn, err := s.pickActive(ctx, tenantID, channelType, connID)
	if err != nil {
		return "", err
	}
	provider, secret, err := s.providers.Unlock(conn)
	if err != nil {
		return "", err
	}
	msg, sendErr := provider.SendTest(ctx, conn, secret, to)
	ok := sendErr == nil
	result := msg
	if !ok {
		result = operatorMessage(sendErr)
	}
	err = s.store.WithTenant(context.WithoutCancel(ctx), tenantID, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.NewUpdate().Model(conn).WherePK().Set("last_test_at = now(), last_test_ok = ?, last_test_message = ?", ok, result).Exec(ctx); err != nil {
			return err
		}
		if revoked(sendErr) {
			if err := SetStatus(ctx, tx, conn.ID, StatusRevoked, result); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Event{Action: "channel.test_sent", TargetType: "channel", TargetID: conn.ID.String(),
			Metadata: map[string]any{"type": conn.Type, "ok": ok, "result": result}})
	})
	if err != nil {
		return "", err
	}
	if sendErr != nil {
		return "", ProviderProblem(sendErr)
	}
	return msg, nil
}

// Check diagnoses a connection and keeps the result (owners and admins).
func (s *Service) Check(ctx context.Context, tenantID, id uuid.UUID) ([]CheckResult, time.Time, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, time.Time{}, err
	}
	var conn *Connection
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) (err error) {
		conn, err = Load(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	var results []CheckResult
	if conn.Status != StatusActive {
		results = []CheckResult{{Name: "connection_active", Status: CheckFail, Detail: "The connection is " + conn.Status + ": " + conn.StatusReason,
			Hint: "Connect the " + noun(conn.Type) + " again from Settings → Channels."}}
	} else {
		provider, secret, err := s.providers.Unlock(conn)
		if err != nil {
			return nil, time.Time{}, err
		}
		results = provider.Check(ctx, conn, secret)
	}
	now := time.Now().UTC()
	err = s.store.WithTenant(context.WithoutCancel(ctx), tenantID, func(ctx context.Context, tx store.Tx) error {
		conn.LastCheck, conn.LastCheckAt = results, &now
		_, err := tx.NewUpdate().Model(conn).WherePK().Column("last_check", "last_check_at").Exec(ctx)
		return err
	})
	return results, now, err
}

func (s *Service) pickActive(ctx context.Context, tenantID uuid.UUID, channelType string, connID *uuid.UUID) (*Connection, error) {
	conn := &Connection{}
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		q := tx.NewSelect().Model(conn).Where("type = ?", channelType)
		if connID != nil {
			q.Where("id = ?", *connID)
		} else {
			q.Where("status = ?", StatusActive).OrderExpr("connected_at DESC").Limit(1)
		}
		return q.Scan(ctx)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, errs.E(errs.NotFound, "No connected %s: connect one first.", noun(channelType))
	}
	if err != nil {
		return nil, err
	}
	if conn.Status != StatusActive {
		return nil, errs.E(errs.Conflict, "This %s is %s (%s); connect it again.", noun(conn.Type), conn.Status, conn.StatusReason)
	}
	return conn, nil
}

func revoked(err error) bool {
	var pe *ProviderError
	return errors.As(err, &pe) && pe.Revoked
}

// operatorMessage words a delivery failure for the portal.
func operatorMessage(err error) string {
	var pe *ProviderError
	var rl *RateLimitedError
	switch {
	case errors.As(err, &pe):
		return fmt.Sprintf("%s refused: %s", pe.Provider, pe.Message)
	case errors.As(err, &rl) && rl.RetryAfter <= 0:
		return fmt.Sprintf("%s is rate limiting us; try again shortly.", rl.Provider)
	case errors.As(err, &rl):
		return fmt.Sprintf("%s is rate limiting us; try again in %s.", rl.Provider, rl.RetryAfter.Round(time.Second))
	case errors.Is(err, ErrWindowClosed):
		return "WhatsApp only allows replies within 24 hours of the user's last message."
	}
	return "The message could not be sent: " + err.Error()
}

// ProviderProblem turns a delivery failure into the API error the operator
// sees: 502 with the provider's reason, or 429 for rate limits.
func ProviderProblem(err error) error {
	var pe *ProviderError
	var rl *RateLimitedError
	switch {
	case errors.As(err, &pe):
		return &errs.Error{Kind: errs.Upstream, Message: operatorMessage(err), Code: pe.Code, Err: err}
	case errors.As(err, &rl):
		return &errs.Error{Kind: errs.RateLimited, Message: operatorMessage(err), RetryAfter: rl.RetryAfter, Err: err}
	case errors.Is(err, ErrWindowClosed):
		return &errs.Error{Kind: errs.Upstream, Message: operatorMessage(err), Code: "whatsapp_window_closed", Err: err}
	}
	return &errs.Error{Kind: errs.Upstream, Message: "The provider could not be reached; try again.", Err: err}
}

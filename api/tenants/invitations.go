package tenants

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/config"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/mail"
	"github.com/konstruct/konstruct/api/store"
)

// InvitationTTL is how long an invitation can be accepted.
const InvitationTTL = 14 * 24 * time.Hour

// invitePrefix starts every invitation token.
const invitePrefix = "inv_"

// InvitationOpts configures how invitations reach people.
type InvitationOpts struct {
	// Keys sign invitation links (SESSION_KEYS: the first signs, all verify,
	// so links survive a key rotation until the old key is dropped).
	Keys []config.SigningKey
	// PublicURL is where the portal is; links point at its accept page.
	PublicURL string
	// Emailed says invitations are sent by email (SMTP_URL is set); each
	// one then gets an invitation.email job in its own transaction.
	Emailed bool
}

// SetInvitations configures invitation links and delivery.
func (s *Service) SetInvitations(o InvitationOpts) { s.invites = o }

// OnMemberLeft sets what runs, in the tenant transaction that removes a
// member, after the membership is gone (auth revokes the member's tokens).
func (s *Service) OnMemberLeft(fn func(ctx context.Context, tx store.Tx, userID uuid.UUID) error) {
	s.memberLeft = fn
}

// An invitation token names its tenant and invitation (so acceptance can open
// the right tenant transaction without a cross-tenant lookup) and carries a
// MAC over both and the invited email: 16 + 16 + 16 bytes, base64url.
func (o InvitationOpts) mac(key []byte, tenantID, invitationID uuid.UUID, email string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("konstruct invitation\x00"))
	h.Write(tenantID[:])
	h.Write(invitationID[:])
	h.Write([]byte(email))
	return h.Sum(nil)[:16]
}

func (o InvitationOpts) token(tenantID, invitationID uuid.UUID, email string) string {
	if len(o.Keys) == 0 {
		return ""
	}
	b := append(append(append([]byte{}, tenantID[:]...), invitationID[:]...), o.mac(o.Keys[0].Secret, tenantID, invitationID, email)...)
	return invitePrefix + base64.RawURLEncoding.EncodeToString(b)
}

// link is the portal page that accepts an invitation.
func (o InvitationOpts) link(tenantID, invitationID uuid.UUID, email string) string {
	t := o.token(tenantID, invitationID, email)
	if t == "" {
		return ""
	}
	return strings.TrimRight(o.PublicURL, "/") + "/invitations/accept?token=" + url.QueryEscape(t)
}

// parseToken splits a token; the MAC is checked once the invitation's email
// is known.
func parseToken(token string) (tenantID, invitationID uuid.UUID, mac []byte, ok bool) {
	raw, found := strings.CutPrefix(strings.TrimSpace(token), invitePrefix)
	if !found {
		return uuid.Nil, uuid.Nil, nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || len(b) != 48 {
		return uuid.Nil, uuid.Nil, nil, false
	}
	copy(tenantID[:], b[:16])
	copy(invitationID[:], b[16:32])
	return tenantID, invitationID, b[32:], tenantID != uuid.Nil
}

func (o InvitationOpts) valid(tenantID, invitationID uuid.UUID, email string, mac []byte) bool {
	for _, k := range o.Keys {
		if hmac.Equal(mac, o.mac(k.Secret, tenantID, invitationID, email)) {
			return true
		}
	}
	return false
}

var errNoInvitation = errs.NotFoundf("This invitation does not exist any more: it was accepted, withdrawn or never sent. Ask for a new one.")

// AcceptInvitation makes the signed-in user a member with the invited role,
// with the token of the invitation's link. The user's email must be the
// invited one: that, and the link only the invitee was sent, is the consent.
func (s *Service) AcceptInvitation(ctx context.Context, token string) (*Membership, error) {
	p, err := access.Require(ctx)
	if err != nil {
		return nil, err
	}
	if p.Token != nil {
		return nil, errs.E(errs.Forbidden, "An invitation is accepted by a person: sign in to the portal and open the link.")
	}
	tenantID, invitationID, mac, ok := parseToken(token)
	if !ok {
		return nil, errNoInvitation
	}
	var m *Membership
	err = s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		inv := &invitationRow{}
		if err := tx.NewSelect().Model(inv).Where("id = ?", invitationID).For("UPDATE").Scan(ctx); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return errNoInvitation
			}
			return err
		}
		if !s.invites.valid(tenantID, invitationID, inv.Email, mac) {
			return errNoInvitation
		}
		if !inv.ExpiresAt.After(time.Now()) {
			return errs.NotFoundf("This invitation expired on %s. Ask for a new one.", inv.ExpiresAt.UTC().Format("2 January 2006"))
		}
		if !strings.EqualFold(inv.Email, p.Email) {
			return errs.E(errs.Forbidden, "This invitation is for %s; sign in with that email to accept it.", inv.Email)
		}
		res, err := tx.NewInsert().Model(&membershipRow{TenantID: tenantID, UserID: p.UserID, Role: inv.Role}).On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "You are already a member of this workspace.")
		}
		if _, err := tx.NewDelete().Model(inv).WherePK().Exec(ctx); err != nil {
			return err
		}
		var t Tenant
		if err := tx.NewSelect().Model(&t).Where("id = ?", tenantID).Scan(ctx); err != nil {
			return err
		}
		m = &Membership{TenantID: tenantID, TenantName: t.Name, Role: inv.Role}
		return audit.Record(ctx, tx, audit.Event{Action: "member.joined", TargetType: "user", TargetID: p.UserID.String(),
			Metadata: map[string]any{"email": inv.Email, "role": inv.Role, "invitation_id": inv.ID.String()}})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// InvitationEmailArgs is the outbox entry of one invitation email, written in
// the transaction that creates the invitation.
type InvitationEmailArgs struct {
	TenantID     uuid.UUID `json:"tenant_id"`
	InvitationID uuid.UUID `json:"invitation_id"`
}

// Kind is the job's stable name.
func (InvitationEmailArgs) Kind() string { return "invitation.email" }

// InsertOpts gives a mail server that is down a day of retries.
func (InvitationEmailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 12} }

// InvitationEmailWorker sends invitation emails.
type InvitationEmailWorker struct {
	river.WorkerDefaults[InvitationEmailArgs]
	Store   *store.Store
	Tenants *Service
	Sender  mail.Sender // nil: mail is not configured; the job is dropped
	Log     *slog.Logger
}

// Work reads the invitation in its tenant and sends it. An invitation
// accepted or withdrawn before the job ran is not sent.
func (w *InvitationEmailWorker) Work(ctx context.Context, job *river.Job[InvitationEmailArgs]) error {
	if w.Sender == nil {
		w.Log.WarnContext(ctx, "invitation email dropped: SMTP_URL is not set", "invitation", job.Args.InvitationID)
		return nil
	}
	var msg *mail.Message
	err := w.Store.WithTenant(ctx, job.Args.TenantID, func(ctx context.Context, tx store.Tx) error {
		inv := &invitationRow{}
		if err := tx.NewSelect().Model(inv).Where("id = ?", job.Args.InvitationID).Scan(ctx); err != nil {
			return err
		}
		var tenant Tenant
		if err := tx.NewSelect().Model(&tenant).Where("id = ?", job.Args.TenantID).Scan(ctx); err != nil {
			return err
		}
		inviter := "Someone"
		if inv.InvitedBy != nil {
			var name string
			if err := tx.NewRaw("SELECT name FROM users WHERE id = ?", *inv.InvitedBy).Scan(ctx, &name); err == nil && name != "" {
				inviter = name
			}
		}
		msg = invitationMessage(inviter, tenant.Name, inv, w.Tenants.invites.link(tenant.ID, inv.ID, inv.Email))
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil // accepted or withdrawn meanwhile
	}
	if err != nil {
		return err
	}
	if err := w.Sender.Send(ctx, *msg); err != nil {
		return err
	}
	w.Log.InfoContext(ctx, "invitation emailed", "invitation", job.Args.InvitationID)
	return nil
}

func invitationMessage(inviter, tenant string, inv *invitationRow, link string) *mail.Message {
	return &mail.Message{
		To:      inv.Email,
		Subject: fmt.Sprintf("%s invited you to %s on Konstruct", inviter, tenant),
		Text: fmt.Sprintf(`%s invited you to join the workspace %q on Konstruct as %s.

Open this link to accept:

%s

You accept signed in with this email address (%s); if you have no account yet, create one with it first.
The invitation expires on %s.

If you did not expect this invitation, ignore this email: nothing happens unless you accept.
`, inviter, tenant, inv.Role, link, inv.Email, inv.ExpiresAt.UTC().Format("2 January 2006")),
	}
}

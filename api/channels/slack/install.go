package slack

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	slackapi "github.com/slack-go/slack"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/channels"
	"github.com/konstruct/konstruct/api/config"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/events"
	"github.com/konstruct/konstruct/api/secrets"
	"github.com/konstruct/konstruct/api/store"
)

// Scopes are the bot scopes Konstruct asks for: hear mentions and direct
// messages, reply, open a DM for the test message, read files users send,
// and receive the metadata of its own posts back (message_metadata_posted:
// the evidence that a post whose answer was lost went out), and name the
// people who write (users.info) in the portal.
var Scopes = []string{"app_mentions:read", "chat:write", "im:history", "im:write", "files:read", "metadata.message:read", "users:read"}

// Opts configures the Slack integration.
type Opts struct {
	Config      config.SlackConfig
	PublicURL   string // the portal; the OAuth redirect URI hangs off it
	StateKeys   []config.SigningKey
	HTTPClient  *http.Client
	Store       *store.Store
	Guard       *access.Guard
	Keyring     *secrets.Keyring
	TestMessage string
}

// Service is the Slack integration.
type Service struct {
	opts   Opts
	now    func() time.Time
	routes *channels.Router
}

// New returns the Slack integration.
func New(opts Opts) *Service {
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	s := &Service{opts: opts, now: time.Now}
	if opts.Store != nil {
		s.routes = channels.NewRouter(opts.Store.Pool)
	}
	return s
}

// RedirectURL is where Slack sends the browser back.
func (s *Service) RedirectURL() string {
	return strings.TrimRight(s.opts.PublicURL, "/") + "/api/portal/channels/slack/callback"
}

func (s *Service) enabled() error {
	c := s.opts.Config
	if c.ClientID == "" || c.ClientSecret == "" || c.SigningSecret == "" {
		return errs.E(errs.Unavailable, "Slack is not configured on this Konstruct installation (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_SIGNING_SECRET).")
	}
	return nil
}

// InstallURL starts an install for a tenant (owners and admins).
func (s *Service) InstallURL(ctx context.Context, tenantID uuid.UUID) (string, error) {
	g, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin)
	if err != nil {
		return "", err
	}
	if err := s.enabled(); err != nil {
		return "", err
	}
	st := installState{Nonce: rand.Text(), TenantID: tenantID, Actor: g.Principal.Key(), Expires: s.now().Add(stateTTL).Unix()}
	err = s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO oauth_states (nonce, tenant_id, actor, expires_at) VALUES (?, ?, ?, ?)",
			st.Nonce, tenantID, st.Actor, time.Unix(st.Expires, 0))
		return err
	})
	if err != nil {
		return "", err
	}
	q := url.Values{
		"client_id": {s.opts.Config.ClientID}, "scope": {strings.Join(Scopes, ",")},
		"redirect_uri": {s.RedirectURL()}, "state": {signState(s.opts.StateKeys, st)},
	}
	return s.opts.Config.AuthorizeURL + "?" + q.Encode(), nil
}

// Installed is the outcome of a successful callback.
type Installed struct {
	Connection *channels.Connection
}

// Callback finishes an install: it checks the state, exchanges the code and
// stores the workspace as a connection of the state's tenant.
func (s *Service) Callback(ctx context.Context, code, state, slackErr string) (*Installed, error) {
	if err := s.enabled(); err != nil {
		return nil, err
	}
	st, err := verifyState(s.opts.StateKeys, state, s.now())
	if err != nil {
		return nil, errs.Field("query.state", "%s", errBadState)
	}
	// A signed-in caller must be the one who started the install, so a link
	// cannot be used to attach a workspace to someone else's session.
	if p, ok := access.From(ctx); ok && p.Key() != st.Actor {
		return nil, errs.Field("query.state", "this install was started by someone else; start again from the portal")
	}
	var actor *access.Principal
	err = s.opts.Store.WithTenant(ctx, st.TenantID, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE oauth_states SET used_at = now() WHERE nonce = ? AND used_at IS NULL AND expires_at > now()", st.Nonce)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.Field("query.state", "this install link was already used; start again from the portal")
		}
		actor, err = s.principal(ctx, tx, st.Actor)
		return err
	})
	if err != nil {
		return nil, err
	}
	ctx = access.WithPrincipal(ctx, actor)
	if slackErr != "" {
		return nil, errs.E(errs.BadRequest, "Slack did not authorise the install (%s).", slackErr)
	}
	if code == "" {
		return nil, errs.Field("query.code", "is required")
	}

	resp, err := slackapi.GetOAuthV2ResponseContext(ctx, s.opts.HTTPClient, s.opts.Config.ClientID, s.opts.Config.ClientSecret,
		code, s.RedirectURL(), slackapi.OAuthOptionAPIURL(s.opts.Config.APIURL))
	if err != nil {
		return nil, channels.ProviderProblem(mapError(err))
	}
	conn := &channels.Connection{
		Type: channels.Slack, ExternalID: resp.Team.ID, DisplayName: resp.Team.Name,
		Config: map[string]string{
			"team_name": resp.Team.Name, "bot_user_id": resp.BotUserID, "app_id": resp.AppID, "scope": resp.Scope,
			"installer_user_id": resp.AuthedUser.ID, "enterprise_id": resp.Enterprise.ID,
		},
	}
	err = s.opts.Store.WithTenant(ctx, st.TenantID, func(ctx context.Context, tx store.Tx) error {
		created, err := channels.Upsert(ctx, tx, s.opts.Keyring, conn, resp.AccessToken)
		if err != nil {
			return err
		}
		action := "channel.reconnected"
		if created {
			action = "channel.connected"
		}
		if err := events.Record(ctx, tx, events.ChannelConnected{ConnectionID: conn.ID, ChannelType: conn.Type, DisplayName: conn.DisplayName, Reconnected: !created}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: action, TargetType: "channel", TargetID: conn.ID.String(),
			Metadata: map[string]any{"type": channels.Slack, "team_id": resp.Team.ID, "team_name": resp.Team.Name, "scope": resp.Scope}})
	})
	if err != nil {
		return nil, err
	}
	return &Installed{Connection: conn}, nil
}

// principal rebuilds who started the install, for the audit trail.
func (s *Service) principal(ctx context.Context, tx store.Tx, actor string) (*access.Principal, error) {
	kind, id, _ := strings.Cut(actor, ":")
	uid, err := uuid.Parse(id)
	if err != nil {
		return nil, errors.New("slack: bad state actor")
	}
	if kind == "token" {
		var name string
		if err := tx.NewRaw("SELECT name FROM api_tokens WHERE id = ?", uid).Scan(ctx, &name); err != nil {
			return nil, err
		}
		return &access.Principal{Token: &access.Token{ID: uid, TenantID: tx.TenantID, Name: name}}, nil
	}
	var email string
	if err := tx.NewRaw("SELECT email FROM users WHERE id = ?", uid).Scan(ctx, &email); err != nil {
		return nil, err
	}
	return &access.Principal{UserID: uid, Email: email}, nil
}

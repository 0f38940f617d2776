package whatsapp

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/channels"
	"github.com/konstruct/konstruct/api/config"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/events"
	"github.com/konstruct/konstruct/api/secrets"
	"github.com/konstruct/konstruct/api/store"
)

// Opts configures the WhatsApp integration.
type Opts struct {
	Config     config.WhatsAppConfig
	HTTPClient *http.Client
	Store      *store.Store
	Guard      *access.Guard
	Keyring    *secrets.Keyring
	// ReplayHorizon is how old a message or status may be and still be
	// acted on (zero: DefaultReplayHorizon); see Service.stale.
	ReplayHorizon time.Duration
}

// DefaultReplayHorizon is Meta's retry horizon: Meta redelivers an
// unacknowledged webhook for up to 7 days, so nothing genuine arrives later.
const DefaultReplayHorizon = 7 * 24 * time.Hour

// Service is the WhatsApp integration.
type Service struct {
	opts   Opts
	graph  graph
	routes *channels.Router
}

// New returns the WhatsApp integration.
func New(opts Opts) *Service {
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if opts.ReplayHorizon <= 0 {
		opts.ReplayHorizon = DefaultReplayHorizon
	}
	s := &Service{opts: opts, graph: graph{base: opts.Config.GraphURL, version: opts.Config.GraphVersion, http: opts.HTTPClient}}
	if opts.Store != nil {
		s.routes = channels.NewRouter(opts.Store.Pool)
	}
	return s
}

// ConnectInput is what an operator pastes.
type ConnectInput struct {
	TenantID      uuid.UUID
	PhoneNumberID string
	WABAID        string
	Token         string
}

type phoneInfo struct {
	ID                 string `json:"id"`
	DisplayPhoneNumber string `json:"display_phone_number"`
	VerifiedName       string `json:"verified_name"`
	QualityRating      string `json:"quality_rating"`
}

// Connect validates the credentials with Meta, subscribes the platform app to
// the account's webhooks, and stores the connection (owners and admins).
func (s *Service) Connect(ctx context.Context, in ConnectInput) (*channels.Connection, error) {
	if _, err := s.opts.Guard.Tenant(ctx, in.TenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	in.Token = strings.TrimSpace(in.Token)
	var phone phoneInfo
	err := s.graph.do(ctx, http.MethodGet, in.PhoneNumberID, in.Token,
		url.Values{"fields": {"id,display_phone_number,verified_name,quality_rating"}}, nil, &phone)
	if err != nil {
		return nil, connectError(err, "body.phone_number_id", "Meta has no phone number with this ID that the token can use")
	}
	numbers, err := s.graph.accountNumbers(ctx, in.WABAID, in.Token)
	if err != nil {
		return nil, connectError(err, "body.waba_id", "Meta has no WhatsApp Business Account with this ID that the token can use")
	}
	if !slices.Contains(numbers, in.PhoneNumberID) {
		return nil, errs.Field("body.phone_number_id", "this number does not belong to WhatsApp Business Account %s", in.WABAID)
	}
	if err := s.graph.do(ctx, http.MethodPost, in.WABAID+"/subscribed_apps", in.Token, nil, nil, nil); err != nil {
		return nil, connectError(err, "body.waba_id", "Konstruct could not subscribe to this account's webhooks")
	}

	conn := &channels.Connection{
		Type: channels.WhatsApp, ExternalID: in.PhoneNumberID, DisplayName: phone.DisplayPhoneNumber,
		Config: map[string]string{"waba_id": in.WABAID, "display_phone_number": phone.DisplayPhoneNumber,
			"verified_name": phone.VerifiedName, "quality_rating": phone.QualityRating},
	}
	err = s.opts.Store.WithTenant(ctx, in.TenantID, func(ctx context.Context, tx store.Tx) error {
		created, err := channels.Upsert(ctx, tx, s.opts.Keyring, conn, in.Token)
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
			Metadata: map[string]any{"type": channels.WhatsApp, "phone_number_id": in.PhoneNumberID, "waba_id": in.WABAID,
				"display_phone_number": phone.DisplayPhoneNumber}})
	})
	return conn, err
}

// connectError explains a Graph refusal in terms of the form's fields.
func connectError(err error, field, notFound string) error {
	var ge *GraphError
	if !errors.As(err, &ge) {
		return errs.Wrap(errs.Upstream, err, "Meta's Graph API could not be reached; try again.")
	}
	switch {
	case ge.Code == 190 || ge.Status == http.StatusUnauthorized:
		return errs.Field("body.system_user_token", "Meta rejected the token (%s); create a System User token with the whatsapp_business_messaging and whatsapp_business_management permissions", ge.Message)
	case ge.Code == 100 || ge.Code == 803:
		return errs.Field(field, "%s", notFound)
	case ge.Code == 10 || (ge.Code >= 200 && ge.Code <= 299):
		return errs.Field("body.system_user_token", "the token lacks a permission Meta requires (%s)", ge.Message)
	case ge.Status >= 500:
		return errs.Wrap(errs.Upstream, err, "Meta's Graph API failed; try again.")
	}
	return &errs.Error{Kind: errs.Upstream, Message: "Meta refused: " + ge.Message, Code: "graph_" + strconv.Itoa(ge.Code), Err: err}
}

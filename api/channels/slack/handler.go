package slack

import (
	"context"
	"log/slog"
	"net/url"

	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/obs"
)

// Handler serves the Slack install operations of the contract.
type Handler struct{ svc *Service }

// NewHandler returns a Handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

func (h *Handler) GetSlackInstallURL(ctx context.Context, req apigen.GetSlackInstallURLRequestObject) (apigen.GetSlackInstallURLResponseObject, error) {
	u, err := h.svc.InstallURL(ctx, req.Params.TenantId)
	if err != nil {
		return nil, err
	}
	return apigen.GetSlackInstallURL200JSONResponse{AuthorizeUrl: u}, nil
}

func (h *Handler) SlackOAuthCallback(ctx context.Context, req apigen.SlackOAuthCallbackRequestObject) (apigen.SlackOAuthCallbackResponseObject, error) {
	res, err := h.svc.Callback(ctx, deref(req.Params.Code), deref(req.Params.State), deref(req.Params.Error))
	if obs.WantsHTML(ctx) {
		// A browser gets the portal back, never a JSON error page.
		q := url.Values{"step": {"2"}, "channel": {"slack"}, "connected": {"true"}}
		if err != nil {
			slog.WarnContext(ctx, "slack install failed", "err", err)
			q = url.Values{"step": {"1"}, "error": {"slack_auth_failed"}}
			if e, ok := errs.As(err); ok && e.Kind == errs.Conflict {
				q.Set("error", "slack_workspace_taken")
			}
		}
		location := h.svc.opts.PublicURL + "/onboarding?" + q.Encode()
		return apigen.SlackOAuthCallback302Response{Headers: apigen.SlackOAuthCallback302ResponseHeaders{Location: &location}}, nil
	}
	if err != nil {
		return nil, err
	}
	return apigen.SlackOAuthCallback200JSONResponse{Success: true, WorkspaceName: res.Connection.DisplayName, ConnectionId: res.Connection.ID}, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

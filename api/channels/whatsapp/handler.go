package whatsapp

import (
	"context"

	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/channels"
)

// Handler serves the WhatsApp connect operation of the contract.
type Handler struct{ svc *Service }

// NewHandler returns a Handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

func (h *Handler) ConnectWhatsApp(ctx context.Context, req apigen.ConnectWhatsAppRequestObject) (apigen.ConnectWhatsAppResponseObject, error) {
	conn, err := h.svc.Connect(ctx, ConnectInput{TenantID: req.Body.TenantId, PhoneNumberID: req.Body.PhoneNumberId,
		WABAID: req.Body.WabaId, Token: req.Body.SystemUserToken})
	if err != nil {
		return nil, err
	}
	return apigen.ConnectWhatsApp201JSONResponse(channels.Out(conn)), nil
}

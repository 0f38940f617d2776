package escalation

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/store"
)

// Topics reads a tenant's topics inside its transaction: its own when it
// edited them, else the defaults.
func Topics(ctx context.Context, tx bun.IDB, tenantID uuid.UUID) (map[string][]string, bool, error) {
	var raw []byte
	if err := tx.NewRaw("SELECT escalation_topics FROM tenants WHERE id = ?", tenantID).Scan(ctx, &raw); err != nil {
		return nil, false, err
	}
	if raw == nil {
		return maps.Clone(DefaultTopics), false, nil
	}
	var t map[string][]string
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, false, err
	}
	return t, true, nil
}

// TopicsService serves the topics API.
type TopicsService struct {
	store *store.Store
	guard *access.Guard
}

// NewTopicsService returns a TopicsService.
func NewTopicsService(s *store.Store, g *access.Guard) *TopicsService {
	return &TopicsService{store: s, guard: g}
}

func (s *TopicsService) get(ctx context.Context, tenantID uuid.UUID, need access.Role) (map[string][]string, bool, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, need); err != nil {
		return nil, false, err
	}
	var t map[string][]string
	var custom bool
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) (err error) {
		t, custom, err = Topics(ctx, tx, tenantID)
		return err
	})
	return t, custom, err
}

// Set replaces a tenant's topics (owners and admins); reset returns to the defaults.
func (s *TopicsService) Set(ctx context.Context, tenantID uuid.UUID, topics map[string][]string, reset bool) (map[string][]string, bool, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, false, err
	}
	var value any
	if !reset {
		clean := map[string][]string{}
		for name, kws := range topics {
			name = strings.ToLower(strings.TrimSpace(name))
			if !ValidTopicName(name) {
				return nil, false, errs.Field("body.topics."+name, "a topic name is lowercase letters, digits, _ or -, starts with a letter, and is not and/or/not/count")
			}
			for i, kw := range kws {
				if normalize(kw) == "" {
					return nil, false, errs.Field(fmt.Sprintf("body.topics.%s[%d]", name, i), "a keyword needs a letter or a digit")
				}
			}
			clean[name] = kws
		}
		data, _ := json.Marshal(clean)
		value = string(data)
	}
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE tenants SET escalation_topics = ?::jsonb WHERE id = ?", value, tenantID); err != nil {
			return err
		}
		names := make([]string, 0, len(topics))
		for n := range topics {
			names = append(names, n)
		}
		sort.Strings(names)
		return audit.Record(ctx, tx, audit.Event{Action: "escalation_topics.updated", TargetType: "tenant", TargetID: tenantID.String(),
			Metadata: map[string]any{"reset": reset, "topics": names}})
	})
	if err != nil {
		return nil, false, err
	}
	return s.get(ctx, tenantID, access.RoleAdmin)
}

// TopicsHandler serves the escalation-topics operations of the contract.
type TopicsHandler struct{ svc *TopicsService }

// NewTopicsHandler returns a TopicsHandler.
func NewTopicsHandler(svc *TopicsService) *TopicsHandler { return &TopicsHandler{svc: svc} }

func (h *TopicsHandler) GetEscalationTopics(ctx context.Context, req apigen.GetEscalationTopicsRequestObject) (apigen.GetEscalationTopicsResponseObject, error) {
	t, custom, err := h.svc.get(ctx, req.TenantId, access.RoleMember)
	if err != nil {
		return nil, err
	}
	return apigen.GetEscalationTopics200JSONResponse{Topics: t, Customized: custom}, nil
}

func (h *TopicsHandler) SetEscalationTopics(ctx context.Context, req apigen.SetEscalationTopicsRequestObject) (apigen.SetEscalationTopicsResponseObject, error) {
	var topics map[string][]string
	if req.Body.Topics != nil {
		topics = *req.Body.Topics
	}
	reset := req.Body.Reset != nil && *req.Body.Reset
	if !reset && topics == nil {
		return nil, errs.Field("body.topics", "is required unless reset is true")
	}
	t, custom, err := h.svc.Set(ctx, req.TenantId, topics, reset)
	if err != nil {
		return nil, err
	}
	return apigen.SetEscalationTopics200JSONResponse{Topics: t, Customized: custom}, nil
}

package agents

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/escalation"
	"github.com/konstruct/konstruct/api/events"
	"github.com/konstruct/konstruct/api/llmkeys"
	"github.com/konstruct/konstruct/api/netguard"
	"github.com/konstruct/konstruct/api/paging"
	"github.com/konstruct/konstruct/api/secrets"
	"github.com/konstruct/konstruct/api/store"
	"github.com/konstruct/konstruct/api/tools"
	"github.com/konstruct/konstruct/api/validate"
)

// EscalationTarget is who hears about a hand-over.
type EscalationTarget struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Agent is an AI employee.
type Agent struct {
	bun.BaseModel `bun:"table:agents"`

	ID               uuid.UUID            `bun:"id,pk" json:"-"`
	TenantID         uuid.UUID            `bun:"tenant_id" json:"-"`
	Name             string               `bun:"name" json:"name"`
	RoleTitle        string               `bun:"role_title" json:"role_title"`
	Persona          string               `bun:"persona" json:"persona"`
	SystemPrompt     string               `bun:"system_prompt" json:"system_prompt"`
	Model            string               `bun:"model" json:"model" validate:"required,model"`
	FallbackModels   []string             `bun:"fallback_models,array" json:"fallback_models"`
	Temperature      float32              `bun:"temperature" json:"temperature"`
	MaxReplyChars    int                  `bun:"max_reply_chars" json:"max_reply_chars"`
	WindowSize       int                  `bun:"window_size" json:"window_size"`
	Tools            []string             `bun:"tools,array" json:"tools"`
	EscalationRules  []string             `bun:"escalation_rules,array" json:"escalation_rules"`
	EscalationTarget *EscalationTarget    `bun:"escalation_target,type:jsonb" json:"escalation_target"`
	PinnedKeys       map[string]uuid.UUID `bun:"pinned_keys,type:jsonb" json:"pinned_keys"`
	// MemoryRetentionDays is how long memories are kept; nil keeps them.
	MemoryRetentionDays *int                    `bun:"memory_retention_days" json:"memory_retention_days"`
	HTTPTools           []tools.HTTPTool        `bun:"http_tools,type:jsonb" json:"http_tools"`
	HTTPToolSecrets     map[string]tools.Sealed `bun:"http_tool_secrets,type:jsonb" json:"-"`
	IsActive            bool                    `bun:"is_active" json:"is_active"`
	CreatedAt           time.Time               `bun:"created_at,nullzero,default:now()" json:"-"`
	UpdatedAt           time.Time               `bun:"updated_at,nullzero,default:now()" json:"-"`
}

// Defaults for fields a create leaves out.
const (
	DefaultTemperature   = 0.7
	DefaultMaxReplyChars = 2000
	DefaultWindowSize    = 20
)

// New returns an agent with the defaults filled in.
func New(name, model string) *Agent {
	return &Agent{Name: name, Model: model, Temperature: DefaultTemperature, MaxReplyChars: DefaultMaxReplyChars,
		WindowSize: DefaultWindowSize, FallbackModels: []string{}, Tools: []string{}, EscalationRules: []string{},
		PinnedKeys: map[string]uuid.UUID{}, MemoryRetentionDays: ptr(DefaultRetentionDays), HTTPTools: []tools.HTTPTool{},
		HTTPToolSecrets: map[string]tools.Sealed{}, IsActive: true}
}

// DefaultRetentionDays is how long a new agent remembers.
const DefaultRetentionDays = 365

func ptr[T any](v T) *T { return &v }

// SecretHeaders are new secret header values, by tool and header name; a
// masked value (as responses show it) keeps what is stored.
type SecretHeaders map[string]map[string]string

// ToolPatch replaces an agent's HTTP tools.
type ToolPatch struct {
	Tools   []tools.HTTPTool
	Secrets SecretHeaders
}

// Patch is a partial change: nil fields are left alone. ClearTarget removes
// the escalation target.
type Patch struct {
	Name, RoleTitle, Persona, SystemPrompt, Model *string
	FallbackModels, Tools, EscalationRules        *[]string
	PinnedKeys                                    *map[string]uuid.UUID
	MemoryRetentionDays                           *int
	ClearRetention                                bool
	HTTPTools                                     *ToolPatch
	Temperature                                   *float32
	MaxReplyChars, WindowSize                     *int
	EscalationTarget                              *EscalationTarget
	ClearTarget                                   bool
	IsActive                                      *bool
}

// apply changes a and returns the names of the fields that changed.
func (p Patch) apply(a *Agent) []string {
	var changed []string
	set := func(name string, dst *string, v *string) {
		if v != nil && *dst != *v {
			*dst = *v
			changed = append(changed, name)
		}
	}
	setList := func(name string, dst *[]string, v *[]string) {
		if v != nil && !slices.Equal(*dst, *v) {
			*dst = append([]string{}, (*v)...)
			changed = append(changed, name)
		}
	}
	set("name", &a.Name, p.Name)
	set("role_title", &a.RoleTitle, p.RoleTitle)
	set("persona", &a.Persona, p.Persona)
	set("system_prompt", &a.SystemPrompt, p.SystemPrompt)
	set("model", &a.Model, p.Model)
	setList("fallback_models", &a.FallbackModels, p.FallbackModels)
	setList("tools", &a.Tools, p.Tools)
	setList("escalation_rules", &a.EscalationRules, p.EscalationRules)
	if p.Temperature != nil && *p.Temperature != a.Temperature {
		a.Temperature = *p.Temperature
		changed = append(changed, "temperature")
	}
	if p.MaxReplyChars != nil && *p.MaxReplyChars != a.MaxReplyChars {
		a.MaxReplyChars = *p.MaxReplyChars
		changed = append(changed, "max_reply_chars")
	}
	if p.WindowSize != nil && *p.WindowSize != a.WindowSize {
		a.WindowSize = *p.WindowSize
		changed = append(changed, "window_size")
	}
	switch {
	case p.ClearTarget && a.EscalationTarget != nil:
		a.EscalationTarget = nil
		changed = append(changed, "escalation_target")
	case p.EscalationTarget != nil && (a.EscalationTarget == nil || *a.EscalationTarget != *p.EscalationTarget):
		t := *p.EscalationTarget
		a.EscalationTarget = &t
		changed = append(changed, "escalation_target")
	}
	if p.PinnedKeys != nil && !maps.Equal(a.PinnedKeys, *p.PinnedKeys) {
		a.PinnedKeys = maps.Clone(*p.PinnedKeys)
		changed = append(changed, "pinned_keys")
	}
	switch {
	case p.ClearRetention && a.MemoryRetentionDays != nil:
		a.MemoryRetentionDays = nil
		changed = append(changed, "memory_retention_days")
	case p.MemoryRetentionDays != nil && (a.MemoryRetentionDays == nil || *a.MemoryRetentionDays != *p.MemoryRetentionDays):
		a.MemoryRetentionDays = ptr(*p.MemoryRetentionDays)
		changed = append(changed, "memory_retention_days")
	}
	if p.HTTPTools != nil {
		changed = append(changed, "http_tools") // secrets make equality unknowable here; say it changed
	}
	if p.IsActive != nil && *p.IsActive != a.IsActive {
		a.IsActive = *p.IsActive
		changed = append(changed, "is_active")
	}
	return changed
}

// check validates what openapi.yaml cannot say about the whole agent (the
// contract checks each field's shape, length, range and pattern before a
// handler runs, and the portal's form is generated from the same rules):
// names are stored trimmed, the model id's own rule, fallbacks must not
// repeat the primary model, and escalation rules must parse.
func check(a *Agent) error {
	a.Name = strings.TrimSpace(a.Name)
	a.RoleTitle = strings.TrimSpace(a.RoleTitle)
	if err := validate.Struct(a, "body"); err != nil {
		return err
	}
	if slices.Contains(a.FallbackModels, a.Model) {
		return errs.Field("body.fallback_models", "must not repeat the primary model %s", a.Model)
	}
	var fields []errs.FieldError
	for i, rule := range a.EscalationRules {
		if _, err := escalation.Parse(rule); err != nil {
			fields = append(fields, errs.FieldError{Location: fmt.Sprintf("body.escalation_rules[%d]", i), Message: err.Error()})
		}
	}
	if len(fields) > 0 {
		return errs.Fields(fields...)
	}
	return nil
}

// applyTools replaces the agent's HTTP tools, sealing new secret header
// values and keeping the stored ones a masked value refers to — unless the
// tool now points at another origin (scheme, host or port): a stored secret
// only ever goes where it was first sent, so such a header is dropped unless
// its value is sent again. It returns the dropped headers ("tool:header").
func (s *Service) applyTools(ctx context.Context, a *Agent, p *ToolPatch) ([]string, error) {
	if p == nil {
		return nil, nil
	}
	if err := tools.Check(ctx, p.Tools, s.policy, "body.http_tools"); err != nil {
		return nil, err
	}
	oldOrigin := map[string]string{}
	for _, t := range a.HTTPTools {
		oldOrigin[t.Name] = tools.Origin(t.URL)
	}
	var dropped []string
	sealed := map[string]tools.Sealed{}
	for i := range p.Tools {
		t := &p.Tools[i]
		t.SecretHeaderNames = nil
		moved := oldOrigin[t.Name] != tools.Origin(t.URL)
		for header, value := range p.Secrets[t.Name] {
			key := tools.SecretKey(t.Name, header)
			if tools.IsMasked(value) {
				old, ok := a.HTTPToolSecrets[key]
				if !ok {
					return nil, errs.Field(fmt.Sprintf("body.http_tools[%d].secret_headers", i), "%s has no stored value to keep; send the value", header)
				}
				if moved {
					dropped = append(dropped, t.Name+":"+header)
					continue
				}
				sealed[key] = old
			} else {
				v, err := tools.SealHeader(s.keyring, a.ID, t.Name, header, value)
				if err != nil {
					return nil, err
				}
				sealed[key] = v
			}
			t.SecretHeaderNames = append(t.SecretHeaderNames, header)
		}
		slices.Sort(t.SecretHeaderNames)
	}
	slices.Sort(dropped)
	a.HTTPTools, a.HTTPToolSecrets = p.Tools, sealed
	return dropped, nil
}

// Service manages agents.
type Service struct {
	store   *store.Store
	guard   *access.Guard
	keyring *secrets.Keyring
	policy  netguard.Policy
	// seatsChanged runs in the transaction that activates, deactivates,
	// creates active or deletes active agents (billing's seat sync).
	seatsChanged func(ctx context.Context, tx store.Tx) error
	models       ModelValidator
}

// ModelValidator checks that the models an agent names exist, by location
// in the request (llmkeys: the tenant's key's model list, else the
// platform's table).
type ModelValidator interface {
	ValidateModels(ctx context.Context, tenantID uuid.UUID, models map[string]string) error
}

// SetModelValidator sets what checks agents' models.
func (s *Service) SetModelValidator(v ModelValidator) { s.models = v }

// checkModels validates the given primary and fallback models; nil skips
// a field, and ids in keep (already saved on the agent) are not re-checked.
func (s *Service) checkModels(ctx context.Context, tenantID uuid.UUID, model *string, fallbacks *[]string, keep []string) error {
	if s.models == nil {
		return nil
	}
	ids := map[string]string{}
	if model != nil && !slices.Contains(keep, *model) {
		ids["body.model"] = *model
	}
	if fallbacks != nil {
		for i, id := range *fallbacks {
			if !slices.Contains(keep, id) {
				ids[fmt.Sprintf("body.fallback_models[%d]", i)] = id
			}
		}
	}
	return s.models.ValidateModels(ctx, tenantID, ids)
}

// OnSeatsChanged sets what runs, in the same transaction, when the number
// of active agents changes.
func (s *Service) OnSeatsChanged(fn func(ctx context.Context, tx store.Tx) error) {
	s.seatsChanged = fn
}

func (s *Service) seats(ctx context.Context, tx store.Tx, changed bool) error {
	if !changed || s.seatsChanged == nil {
		return nil
	}
	return s.seatsChanged(ctx, tx)
}

// NewService returns a Service. The keyring seals tools' secret headers; the
// policy checks their endpoints.
func NewService(s *store.Store, g *access.Guard, k *secrets.Keyring, p netguard.Policy) *Service {
	return &Service{store: s, guard: g, keyring: k, policy: p}
}

// Create adds an agent (owners and admins).
func (s *Service) Create(ctx context.Context, tenantID uuid.UUID, a *Agent, toolPatch *ToolPatch) (*Agent, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	if err := check(a); err != nil {
		return nil, err
	}
	if err := s.checkModels(ctx, tenantID, &a.Model, &a.FallbackModels, nil); err != nil {
		return nil, err
	}
	a.ID, a.TenantID = uuid.Must(uuid.NewV7()), tenantID
	if _, err := s.applyTools(ctx, a, toolPatch); err != nil {
		return nil, err
	}
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		if err := checkPinned(ctx, tx, a); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(a).Returning("created_at, updated_at").Exec(ctx); err != nil {
			return err
		}
		if err := s.seats(ctx, tx, a.IsActive); err != nil {
			return err
		}
		if err := events.Record(ctx, tx, events.Agent{Type: events.TypeAgentCreated, AgentID: a.ID, Name: a.Name, Model: a.Model, IsActive: a.IsActive}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "agent.created", TargetType: "agent", TargetID: a.ID.String(),
			Metadata: map[string]any{"name": a.Name, "model": a.Model, "is_active": a.IsActive}})
	})
	return a, err
}

// List returns a page of agents, oldest first (any member).
func (s *Service) List(ctx context.Context, tenantID uuid.UUID, page paging.Page) ([]Agent, *string, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleMember); err != nil {
		return nil, nil, err
	}
	var as []Agent
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		q := tx.NewSelect().Model(&as).OrderExpr("created_at, id").Limit(int64(page.Limit + 1))
		if page.After != nil {
			q.Where("(created_at, id) > (?, ?)", page.After.At, page.After.ID)
		}
		return q.Scan(ctx)
	})
	if err != nil {
		return nil, nil, err
	}
	as, next := paging.Trim(as, page.Limit, func(a Agent) (time.Time, uuid.UUID) { return a.CreatedAt, a.ID })
	return as, next, nil
}

// Get returns one agent (any member).
func (s *Service) Get(ctx context.Context, tenantID, id uuid.UUID) (*Agent, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleMember); err != nil {
		return nil, err
	}
	var a *Agent
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) (err error) {
		a, err = Load(ctx, tx, id, false)
		return err
	})
	return a, err
}

// Load reads an agent inside a tenant transaction, optionally locking it.
func Load(ctx context.Context, tx store.Tx, id uuid.UUID, forUpdate bool) (*Agent, error) {
	a := &Agent{}
	q := tx.NewSelect().Model(a).Where("id = ?", id)
	if forUpdate {
		q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errs.NotFoundf("agent not found")
		}
		return nil, err
	}
	return a, nil
}

// Update applies a patch (owners and admins).
func (s *Service) Update(ctx context.Context, tenantID, id uuid.UUID, p Patch) (*Agent, error) {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	if p.Model != nil || p.FallbackModels != nil {
		// Models are checked before the transaction: a key whose model list
		// was never fetched is asked its provider, which may take a while.
		// Models the agent already has are not checked again.
		var saved []string
		err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
			cur, err := Load(ctx, tx, id, false)
			if err == nil {
				saved = append([]string{cur.Model}, cur.FallbackModels...)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if err := s.checkModels(ctx, tenantID, p.Model, p.FallbackModels, saved); err != nil {
			return nil, err
		}
	}
	var a *Agent
	err := s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) (err error) {
		if a, err = Load(ctx, tx, id, true); err != nil {
			return err
		}
		changed := p.apply(a)
		if len(changed) == 0 {
			return nil
		}
		if err := check(a); err != nil {
			return err
		}
		dropped, err := s.applyTools(ctx, a, p.HTTPTools)
		if err != nil {
			return err
		}
		if err := checkPinned(ctx, tx, a); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model(a).WherePK().ExcludeColumn("id", "tenant_id", "created_at", "updated_at").
			Returning("updated_at").Exec(ctx); err != nil {
			return err
		}
		if err := s.seats(ctx, tx, slices.Contains(changed, "is_active")); err != nil {
			return err
		}
		if err := events.Record(ctx, tx, events.Agent{Type: events.TypeAgentUpdated, AgentID: a.ID, Name: a.Name, Model: a.Model, IsActive: a.IsActive, Changed: changed}); err != nil {
			return err
		}
		meta := map[string]any{"name": a.Name, "changed": changed, "is_active": a.IsActive}
		if len(dropped) > 0 {
			meta["secret_headers_dropped"] = dropped
		}
		return audit.Record(ctx, tx, audit.Event{Action: "agent.updated", TargetType: "agent", TargetID: a.ID.String(), Metadata: meta})
	})
	return a, err
}

// Delete removes an agent (owners and admins).
func (s *Service) Delete(ctx context.Context, tenantID, id uuid.UUID) error {
	if _, err := s.guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return err
	}
	return s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		a, err := Load(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model(a).WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := s.seats(ctx, tx, a.IsActive); err != nil {
			return err
		}
		if err := events.Record(ctx, tx, events.Agent{Type: events.TypeAgentDeleted, AgentID: a.ID, Name: a.Name, Model: a.Model, IsActive: a.IsActive}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "agent.deleted", TargetType: "agent", TargetID: a.ID.String(),
			Metadata: map[string]any{"name": a.Name}})
	})
}

// checkPinned makes sure each pinned key is a key of this tenant for that
// provider (a foreign key could not say so: it lives in jsonb).
func checkPinned(ctx context.Context, tx store.Tx, a *Agent) error {
	for provider, id := range a.PinnedKeys {
		if err := llmkeys.Belongs(ctx, tx, id, provider); err != nil {
			return errs.Field("body.pinned_keys."+provider, "%s", err)
		}
	}
	return nil
}

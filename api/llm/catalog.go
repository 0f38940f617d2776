package llm

import (
	"fmt"
	"slices"
	"strings"
)

// Catalog decides which models a tenant's agents can use, from the
// platform's price table and keys and the tenant's own keys. The router
// follows the same rules when it picks a key.
type Catalog struct {
	Pricing      Pricing
	PlatformKeys map[string]bool // provider -> the platform has a key
}

// KeyInfo is what the catalogue needs to know of one of the tenant's keys.
type KeyInfo struct {
	Provider  string
	Active    bool     // failing keys are skipped by the router
	Models    []string // "provider/model" ids the provider listed; nil: never checked
	LastError string
}

// ModelInfo is one model as the tenant can (or cannot) use it.
type ModelInfo struct {
	ID, Provider string
	Available    bool
	Reason       string // when unavailable: why, and what fixes it
	KeySource    string // "tenant", "platform" or "" (none)
	Priced       bool
}

// Models lists every model the tenant may name: the platform's priced
// models and those its keys listed, priced first, then by id.
func (c Catalog) Models(keys []KeyInfo) []ModelInfo {
	seen := map[string]bool{}
	var ids []string
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, id := range c.Pricing.IDs() {
		if !isEmbedding(id) {
			add(id)
		}
	}
	for _, k := range keys {
		for _, id := range k.Models {
			add(id)
		}
	}
	out := make([]ModelInfo, 0, len(ids))
	for _, id := range ids {
		out = append(out, c.Model(id, keys))
	}
	slices.SortStableFunc(out, func(a, b ModelInfo) int {
		if a.Priced != b.Priced {
			if a.Priced {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// isEmbedding keeps embedding models, which price memory, out of the
// models agents choose from.
func isEmbedding(id string) bool { return strings.Contains(id, "embedding") }

// Model says whether a call to id would find a key: the tenant's key for its
// provider (which must list it, when its list is known), else the platform's
// key, which serves only priced and allowed models.
func (c Catalog) Model(id string, keys []KeyInfo) ModelInfo {
	provider, _, err := SplitModel(id)
	m := ModelInfo{ID: id, Provider: provider, Priced: c.Pricing.Priced(id)}
	if err != nil {
		m.Reason = err.Error()
		return m
	}
	name := ProviderName(provider)
	var active, failing []KeyInfo
	for _, k := range keys {
		if k.Provider != provider {
			continue
		}
		if k.Active {
			active = append(active, k)
		} else {
			failing = append(failing, k)
		}
	}
	platform := c.PlatformKeys[provider] && c.Pricing.OnPlatform(id)
	switch {
	case len(active) > 0:
		if listed, known := listedBy(id, active); listed || !known {
			m.Available, m.KeySource = true, "tenant"
			return m
		}
		m.Reason = fmt.Sprintf("Your %s key does not offer %s; choose one of the models it lists.", name, id)
	case platform:
		m.Available, m.KeySource = true, "platform"
	case len(failing) > 0:
		m.Reason = fmt.Sprintf("Your %s key is failing (%s); check or replace it under Settings → LLM API keys.", name, oneLine(failing[0].LastError))
	case c.PlatformKeys[provider]:
		m.Reason = fmt.Sprintf("The platform's %s key does not serve %s; add your own %s key under Settings → LLM API keys to use it.", name, id, name)
	default:
		m.Reason = NoKeyReason(provider)
	}
	return m
}

// listedBy reports whether any of keys lists id, and whether any list is
// known at all.
func listedBy(id string, keys []KeyInfo) (listed, known bool) {
	for _, k := range keys {
		if k.Models == nil {
			continue
		}
		known = true
		if slices.Contains(k.Models, id) {
			return true, true
		}
	}
	return false, known
}

// Known checks that a model id exists, for an agent that names it: against
// the model lists of the tenant's keys for its provider when one is known,
// else against the platform's table. The error says what to do.
func (c Catalog) Known(id string, keys []KeyInfo) error {
	provider, _, err := SplitModel(id)
	if err != nil {
		return fmt.Errorf("is not provider/model with provider openai, anthropic or custom")
	}
	var own []KeyInfo
	for _, k := range keys {
		if k.Provider == provider {
			own = append(own, k)
		}
	}
	if listed, known := listedBy(id, own); known {
		if listed {
			return nil
		}
		return fmt.Errorf("%s is not a model your %s key offers; choose one it lists (see the models list)", id, ProviderName(provider))
	}
	if c.Pricing.Priced(id) {
		return nil
	}
	return fmt.Errorf("%s is not a model the platform knows; choose a listed model, or add your own %s key that offers it", id, ProviderName(provider))
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 160 {
		s = string(r[:160]) + "…"
	}
	if s == "" {
		s = "refused by the provider"
	}
	return s
}

package llm

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
)

//go:embed pricing.json
var defaultPricing []byte

// Price is USD per million tokens, and whether the platform's own keys
// serve the model.
type Price struct {
	Input  float64 `json:"input"`
	Output float64 `json:"output"`
	// Platform false keeps a priced model off the platform's keys: tenants
	// may use it with their own key only. Absent means true.
	Platform *bool `json:"platform,omitempty"`
}

// Pricing maps "provider/model" to its price. It is also the platform's
// catalogue: the platform's keys serve only the models it lists and allows,
// so every call on the platform's money has a price.
type Pricing map[string]Price

// LoadPricing returns the embedded table, changed entry by entry by the JSON
// file at path (if any): an entry adds or replaces a model, `null` removes
// one, and `"platform": false` keeps a model off the platform's keys.
func LoadPricing(path string) (Pricing, error) {
	p, err := parsePricing(defaultPricing)
	if err != nil {
		return nil, err
	}
	if path == "" {
		return p, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read pricing file: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("pricing file %s: %w", path, err)
	}
	for k, v := range raw {
		if string(v) == "null" {
			delete(p, k)
			delete(raw, k)
		}
	}
	over, err := parsePricingMap(raw)
	if err != nil {
		return nil, fmt.Errorf("pricing file %s: %w", path, err)
	}
	for k, v := range over {
		p[k] = v
	}
	return p, nil
}

func parsePricing(data []byte) (Pricing, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	return parsePricingMap(raw)
}

func parsePricingMap(raw map[string]json.RawMessage) (Pricing, error) {
	p := Pricing{}
	for k, v := range raw {
		if strings.HasPrefix(k, "_") {
			continue
		}
		if _, _, err := SplitModel(k); err != nil {
			return nil, fmt.Errorf("%s: not provider/model with provider openai, anthropic or custom", k)
		}
		var price Price
		if err := json.Unmarshal(v, &price); err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		if price.Input < 0 || price.Output < 0 {
			return nil, fmt.Errorf("%s: prices must not be negative", k)
		}
		// A listed model is a priced model: a price of nothing would let a
		// call on the platform's key cost nothing and no budget ever stop it.
		if price.Input == 0 && price.Output == 0 {
			return nil, fmt.Errorf("%s: a listed model needs a price above zero (remove it with null instead)", k)
		}
		p[k] = price
	}
	return p, nil
}

// Priced reports whether the table prices a model.
func (p Pricing) Priced(model string) bool {
	_, ok := p[model]
	return ok
}

// OnPlatform reports whether the platform's keys may serve a model: it is
// priced and not kept off them.
func (p Pricing) OnPlatform(model string) bool {
	price, ok := p[model]
	return ok && (price.Platform == nil || *price.Platform)
}

// IDs lists the priced models, sorted.
func (p Pricing) IDs() []string {
	ids := make([]string, 0, len(p))
	for id := range p {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Cost prices usage of a model; ok is false for a model not in the table.
func (p Pricing) Cost(model string, u Usage) (usd float64, ok bool) {
	price, ok := p[model]
	if !ok {
		return 0, false
	}
	return float64(u.InputTokens)/1e6*price.Input + float64(u.OutputTokens)/1e6*price.Output, true
}

// estimateUsage counts tokens for a call whose provider reported none (some
// OpenAI-compatible servers omit usage): about four characters a token, at
// least one each way, so a priced call is never recorded at no cost.
func estimateUsage(req Request, resp *Response) Usage {
	in := len(req.System)
	for _, m := range req.Messages {
		in += len(m.Text) + 1000*len(m.Images)
		for _, c := range m.ToolCalls {
			in += len(c.Name) + len(c.Arguments)
		}
	}
	for _, t := range req.Tools {
		in += len(t.Name) + len(t.Description) + 200
	}
	out := len(resp.Text)
	for _, c := range resp.ToolCalls {
		out += len(c.Name) + len(c.Arguments)
	}
	return Usage{InputTokens: int64(max(in/4, 1)), OutputTokens: int64(max(out/4, 1))}
}

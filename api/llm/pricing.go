package llm

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

//go:embed pricing.json
var defaultPricing []byte

// Price is USD per million tokens.
type Price struct {
	Input  float64 `json:"input"`
	Output float64 `json:"output"`
}

// Pricing maps "provider/model" to its price.
type Pricing map[string]Price

// LoadPricing returns the embedded table, overridden entry by entry by the
// JSON file at path (if any).
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
	over, err := parsePricing(data)
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
	p := Pricing{}
	for k, v := range raw {
		if strings.HasPrefix(k, "_") {
			continue
		}
		var price Price
		if err := json.Unmarshal(v, &price); err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		if price.Input < 0 || price.Output < 0 {
			return nil, fmt.Errorf("%s: prices must not be negative", k)
		}
		p[k] = price
	}
	return p, nil
}

// Cost prices usage of a model; ok is false for a model not in the table.
func (p Pricing) Cost(model string, u Usage) (usd float64, ok bool) {
	price, ok := p[model]
	if !ok {
		return 0, false
	}
	return float64(u.InputTokens)/1e6*price.Input + float64(u.OutputTokens)/1e6*price.Output, true
}

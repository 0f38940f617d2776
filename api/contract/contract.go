package contract

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"
)

//go:embed openapi.yaml
var document []byte

// YAML is the contract exactly as the repository's openapi.yaml has it.
func YAML() []byte { return document }

var loaded = sync.OnceValues(func() (*openapi3.T, error) { return Parse(document) })

// Load returns the embedded contract, parsed and validated strictly (once per
// process; callers must not modify it).
func Load() (*openapi3.T, error) { return loaded() }

// Parse loads an OpenAPI document and validates it strictly: no fields
// outside the specification (kin-openapi's "extra sibling fields"), formats,
// patterns, defaults and examples checked, and no external references.
func Parse(data []byte) (*openapi3.T, error) {
	tree, err := Tree(data)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml is not YAML: %w", err)
	}
	if err := nullableNeedsType(tree, "#"); err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml does not load: %w", err)
	}
	err = doc.Validate(context.Background(),
		openapi3.EnableSchemaFormatValidation(),
		openapi3.EnableSchemaPatternValidation(),
		openapi3.EnableSchemaDefaultsValidation(),
		openapi3.EnableExamplesValidation(),
	)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml is not a valid OpenAPI document: %w", err)
	}
	return doc, nil
}

// nullableNeedsType refuses `nullable` without a sibling `type`: OpenAPI 3.0
// ignores such a nullable (so generated clients cannot send null), though
// kin-openapi accepts it.
func nullableNeedsType(v any, at string) error {
	switch v := v.(type) {
	case map[string]any:
		if _, ok := v["nullable"]; ok {
			if _, typed := v["type"]; !typed {
				return fmt.Errorf("openapi.yaml: %s: nullable needs a sibling type (OpenAPI 3.0 ignores it otherwise)", at)
			}
		}
		for k, x := range v {
			if err := nullableNeedsType(x, at+"/"+k); err != nil {
				return err
			}
		}
	case []any:
		for i, x := range v {
			if err := nullableNeedsType(x, fmt.Sprintf("%s/%d", at, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// JSON is the contract as JSON: the same tree as the YAML (key order aside),
// not kin-openapi's re-serialisation of it, so nothing is added or dropped.
func JSON() ([]byte, error) {
	tree, err := Tree(document)
	if err != nil {
		return nil, err
	}
	return json.Marshal(tree)
}

// Tree decodes a YAML (or JSON) document into plain maps, slices and scalars
// with string keys, the form in which two documents compare semantically.
func Tree(data []byte) (any, error) {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return stringKeys(v)
}

func stringKeys(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			y, err := stringKeys(x)
			if err != nil {
				return nil, err
			}
			v[k] = y
		}
		return v, nil
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			y, err := stringKeys(x)
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k)] = y
		}
		return out, nil
	case []any:
		for i, x := range v {
			y, err := stringKeys(x)
			if err != nil {
				return nil, err
			}
			v[i] = y
		}
		return v, nil
	}
	return v, nil
}

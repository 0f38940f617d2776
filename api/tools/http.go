package tools

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/netguard"
	"github.com/konstruct/konstruct/api/secrets"
)

// HTTPTool is an endpoint an operator declared on an agent.
type HTTPTool struct {
	Name              string            `json:"name"`
	Description       string            `json:"description"`
	Method            string            `json:"method"`
	URL               string            `json:"url"`
	Parameters        map[string]any    `json:"parameters,omitempty"`
	Headers           map[string]string `json:"headers,omitempty"`
	SecretHeaderNames []string          `json:"secret_header_names,omitempty"`
	TimeoutMS         int               `json:"timeout_ms,omitempty"`
	MaxResponseBytes  int               `json:"max_response_bytes,omitempty"`
}

// Defaults for a declared endpoint.
const (
	DefaultTimeoutMS        = 5000
	DefaultMaxResponseBytes = 64 << 10
)

// Sealed is a secret header value at rest.
type Sealed struct {
	Version    int    `json:"v"`
	Ciphertext []byte `json:"c"`
	Hint       string `json:"h"`
}

// Builtins can not be used as names of declared endpoints.
var Builtins = []string{"current_time", "escalate_to_human", "http_request"}

var placeholder = regexp.MustCompile(`\{([a-z_][a-z0-9_]*)\}`)

// Check validates declared endpoints (names, URLs against the SSRF policy,
// parameter schemas, that every URL placeholder is a required parameter).
// prefix is where the tools sit in the request ("body.http_tools").
func Check(ctx context.Context, ts []HTTPTool, policy netguard.Policy, prefix string) error {
	seen := map[string]bool{}
	var fields []errs.FieldError
	add := func(i int, field, format string, args ...any) {
		fields = append(fields, errs.FieldError{Location: fmt.Sprintf("%s[%d].%s", prefix, i, field), Message: fmt.Sprintf(format, args...)})
	}
	for i, t := range ts {
		for _, b := range Builtins {
			if t.Name == b {
				add(i, "name", "%q is a built-in tool; choose another name", t.Name)
			}
		}
		if seen[t.Name] {
			add(i, "name", "%q is used twice", t.Name)
		}
		seen[t.Name] = true
		probe := placeholder.ReplaceAllString(t.URL, "x")
		if err := policy.CheckURL(ctx, probe); err != nil {
			add(i, "url", "%s", err)
		}
		if _, err := compile(t.Name, t.Parameters); err != nil {
			add(i, "parameters", "is not a usable JSON Schema: %s", err)
			continue
		}
		required := map[string]bool{}
		for _, r := range stringList(t.Parameters["required"]) {
			required[r] = true
		}
		props, _ := t.Parameters["properties"].(map[string]any)
		for _, m := range placeholder.FindAllStringSubmatch(t.URL, -1) {
			if _, ok := props[m[1]]; !ok || !required[m[1]] {
				add(i, "url", "the placeholder {%s} must be a required parameter", m[1])
			}
		}
		for h := range t.Headers {
			if strings.EqualFold(h, "host") || strings.EqualFold(h, "content-length") {
				add(i, "headers", "%s cannot be set", h)
			}
			if strings.EqualFold(h, "idempotency-key") {
				add(i, "headers", "%s is set by Konstruct, one per tool call", h)
			}
		}
	}
	if len(fields) > 0 {
		return errs.Fields(fields...)
	}
	return nil
}

// SealHeader encrypts a secret header value for an agent's tool.
func SealHeader(k *secrets.Keyring, agentID uuid.UUID, tool, header, value string) (Sealed, error) {
	s, err := k.Encrypt([]byte(value), headerAAD(agentID, tool, header))
	if err != nil {
		return Sealed{}, err
	}
	h := value
	if r := []rune(value); len(r) > 4 {
		h = string(r[len(r)-4:])
	}
	return Sealed{Version: s.Version, Ciphertext: s.Ciphertext, Hint: h}, nil
}

func headerAAD(agentID uuid.UUID, tool, header string) []byte {
	return []byte("agents:" + agentID.String() + ":http_tool_secret:" + tool + ":" + strings.ToLower(header))
}

// SecretKey is the key of a sealed header in an agent's secret map.
func SecretKey(tool, header string) string { return tool + ":" + strings.ToLower(header) }

// Masked is how a secret header value is shown once stored.
func Masked(hint string) string { return "••••" + hint }

// IsMasked reports whether a value sent back is the masked form (keep the
// stored secret).
func IsMasked(v string) bool { return strings.HasPrefix(v, "••••") }

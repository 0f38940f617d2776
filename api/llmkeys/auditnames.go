package llmkeys

import "github.com/konstruct/konstruct/api/audit"

// The audit trail names this package's rows by these queries (audit.NameTargets).
func init() {
	audit.NameTargets("llm_key", `SELECT id::text, label || ' (…' || key_hint || ')' FROM llm_keys WHERE id = ANY($1)`)
}

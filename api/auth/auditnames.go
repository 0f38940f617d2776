package auth

import "github.com/konstruct/konstruct/api/audit"

// The audit trail names this package's rows by these queries (audit.NameTargets).
func init() {
	audit.NameTargets("api_token", `SELECT id::text, name FROM api_tokens WHERE id = ANY($1)`)
	audit.NameTargets("user", `SELECT id::text, coalesce(nullif(name, ''), email) FROM users WHERE id = ANY($1)`)
}

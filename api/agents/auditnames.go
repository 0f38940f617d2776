package agents

import "github.com/konstruct/konstruct/api/audit"

// The audit trail names this package's rows by these queries (audit.NameTargets).
func init() {
	audit.NameTargets("agent", `SELECT id::text, name FROM agents WHERE id = ANY($1)`)
}

package tenants

import "github.com/konstruct/konstruct/api/audit"

// The audit trail names this package's rows by these queries (audit.NameTargets).
func init() {
	audit.NameTargets("invitation", `SELECT id::text, email FROM invitations WHERE id = ANY($1)`)
	audit.NameTargets("tenant", `SELECT id::text, name FROM tenants WHERE id = ANY($1)`)
}

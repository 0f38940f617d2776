package conversations

import "github.com/konstruct/konstruct/api/audit"

// The audit trail names this package's rows by these queries (audit.NameTargets).
func init() {
	audit.NameTargets("conversation", `SELECT id::text, coalesce(nullif(participant_name, ''), nullif(participant_phone, ''), participant_id) FROM conversations WHERE id = ANY($1)`)
}

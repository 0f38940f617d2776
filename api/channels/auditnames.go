package channels

import "github.com/konstruct/konstruct/api/audit"

// The audit trail names this package's rows by these queries (audit.NameTargets).
func init() {
	audit.NameTargets("channel", `SELECT id::text, (CASE type WHEN 'slack' THEN 'Slack ' ELSE 'WhatsApp ' END) || display_name FROM channel_connections WHERE id = ANY($1)`)
}

// Package escalation decides when a conversation must go to a human. Rules are
// written per agent in a small language, parsed into a tree (never evaluated
// as code) and checked when the agent is saved, with errors that point at the
// character where the rule goes wrong.
//
// Grammar (keywords are case-insensitive):
//
//	rule       = or
//	or         = and { "OR" and }
//	and        = not { "AND" not }
//	not        = "NOT" not | primary
//	primary    = "(" or ")" | comparison | term
//	comparison = "count" op number         op: > >= < <= = !=
//	term       = word | "quoted phrase"
//
// A word that names a topic (a named keyword set such as billing, which the
// tenant can edit) matches any of the topic's keywords; any other word matches
// itself as a whole word. A quoted phrase matches anywhere. Matching ignores
// case and runs of whitespace. count is the number of messages the chat user
// has sent in the conversation, the new ones included.
//
// Examples: `billing AND count > 2`, `"speak to a human" OR refund`,
// `(complaint OR legal) AND NOT "just kidding"`.
package escalation

package memory

// remembered is the rule, over a message aliased m, of what becomes a memory.
// A turn's delivery (QueueRemember), the embedding job and the backfill all
// apply it, so they agree:
//
//   - a message belongs to one person (messages.participant_id: a user
//     message's speaker, or the one person a reply answers) and has text;
//   - an agent reply is remembered once delivered, unless it is a notice
//     (kind 'notice', conversations.KindNotice: a hand-over or budget notice,
//     the fallback for a model that gave no answer); the apology of a failed
//     turn is never a delivered reply;
//   - what a user said is remembered once it is answered: by a delivered
//     agent reply (a hand-over notice included) or by a person during a
//     hand-over. The question of a turn that failed is not: its answer was an
//     apology. Its first answer decides: the earliest reply whose reach (an
//     agent reply's answers_seq, a person's own position) covers it.
const remembered = `(m.participant_id IS NOT NULL AND m.body <> '' AND (
	(m.role = 'assistant' AND m.delivery_state = 'delivered' AND m.kind <> 'notice')
	OR (m.role = 'user' AND coalesce((
		SELECT a.role = 'human' OR a.delivery_state = 'delivered' FROM messages a
		 WHERE a.conversation_id = m.conversation_id
		   AND ((a.role = 'assistant' AND a.answers_seq >= m.seq) OR (a.role = 'human' AND a.seq > m.seq))
		 ORDER BY CASE WHEN a.role = 'human' THEN a.seq ELSE a.answers_seq END, a.seq LIMIT 1), false))))`

package memory

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/store"
)

// BackfillProgress is told how many messages are done of how many.
type BackfillProgress func(done, total int)

// unembedded lists the messages the turn path would have remembered (the
// rule remembered) that have no memory from the embedder (?), with the agent
// that owns them: the conversation's agent, else the agent that last answered
// in the conversation. Messages no agent ever handled are left out: there is
// no agent whose memory they could belong to.
const unembedded = `SELECT * FROM (
	SELECT m.id, m.seq, m.conversation_id, m.connection_id, m.role, m.body, m.created_at, m.participant_id,
	       coalesce(c.agent_id, (SELECT a.author_id::uuid FROM messages a WHERE a.conversation_id = c.id AND a.role = 'assistant'
	                 AND a.author_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' ORDER BY a.seq DESC LIMIT 1)) AS agent_id
	  FROM messages m JOIN conversations c ON c.id = m.conversation_id
	  LEFT JOIN memories mem ON mem.message_id = m.id AND mem.embedder = ?
	 WHERE m.role IN ('user', 'assistant') AND mem.id IS NULL AND ` + remembered + `
) todo WHERE agent_id IS NOT NULL AND EXISTS (SELECT FROM agents WHERE agents.id = todo.agent_id)`

type pending struct {
	ID             uuid.UUID `bun:"id"`
	Seq            int64     `bun:"seq"`
	ConversationID uuid.UUID `bun:"conversation_id"`
	ConnectionID   uuid.UUID `bun:"connection_id"`
	Role           string    `bun:"role"`
	Body           string    `bun:"body"`
	CreatedAt      time.Time `bun:"created_at"`
	Participant    string    `bun:"participant_id"`
	AgentID        uuid.UUID `bun:"agent_id"`
}

// Backfill embeds every message the turn path remembers that has no memory
// from the configured embedder (after the embedder changed, say), tenant by
// tenant, in batches of 100, and returns how many it embedded.
func (s *Service) Backfill(ctx context.Context, progress BackfillProgress) (int, error) {
	var tenants []uuid.UUID
	if err := s.store.DB.NewRaw("SELECT id FROM platform_tenants(NULL, NULL, 1000000)").Scan(ctx, &tenants); err != nil {
		return 0, err
	}
	total := 0
	for _, t := range tenants {
		var n int
		err := s.store.WithTenant(ctx, t, func(ctx context.Context, tx store.Tx) error {
			return tx.NewRaw("SELECT count(*) FROM ("+unembedded+") x", s.embedder.ID()).Scan(ctx, &n)
		})
		if err != nil {
			return 0, err
		}
		total += n
	}
	done := 0
	if progress != nil {
		progress(0, total)
	}
	for _, t := range tenants {
		for {
			var batch []pending
			err := s.store.WithTenant(ctx, t, func(ctx context.Context, tx store.Tx) error {
				if err := tx.NewRaw(unembedded+" ORDER BY seq LIMIT 100", s.embedder.ID()).Scan(ctx, &batch); err != nil {
					return err
				}
				for _, m := range batch {
					if err := s.Save(ctx, tx, m.AgentID, ParticipantKey(m.ConnectionID, m.Participant), m.ID, m.ConversationID, m.Role, m.Body, m.CreatedAt); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return done, err
			}
			done += len(batch)
			if progress != nil && len(batch) > 0 {
				progress(done, total)
			}
			if len(batch) < 100 {
				break
			}
		}
	}
	return done, nil
}

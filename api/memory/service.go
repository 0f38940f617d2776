package memory

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/store"
)

// Service owns memory for the process: the configured embedder and whether
// PostgreSQL can search vectors itself.
type Service struct {
	store    *store.Store
	guard    *access.Guard
	embedder Embedder
	pgvector bool
}

// New returns the memory service, checking once whether the pgvector column
// exists (created by the migration only where the extension is installed).
func New(ctx context.Context, st *store.Store, g *access.Guard, e Embedder, log *slog.Logger) (*Service, error) {
	s := &Service{store: st, guard: g, embedder: e}
	err := st.DB.NewRaw(`SELECT EXISTS (SELECT FROM information_schema.columns
		WHERE table_name = 'memories' AND column_name = 'embedding_vec')`).Scan(ctx, &s.pgvector)
	if err != nil {
		return nil, fmt.Errorf("memory: detect pgvector: %w", err)
	}
	if s.pgvector {
		log.Info("memory search uses pgvector")
	}
	return s, nil
}

// Embedder is the configured embedder.
func (s *Service) Embedder() Embedder { return s.embedder }

// rank picks the search: pgvector's distance in PostgreSQL when it is set up
// and the embedder's dimensions are indexed, else the exact scan. Both return
// the same thing: the k best cosine scores above MinScore, best first.
func (s *Service) rank(ctx context.Context, tx store.Tx, scope Scope, query []float32, k int, exclude []uuid.UUID) ([]scored, error) {
	if !s.pgvector || !strings.HasSuffix(s.embedder.ID(), "/"+strconv.Itoa(len(query))) {
		return exactRank(ctx, tx, s.embedder.ID(), scope, query, k, exclude)
	}
	dims := len(query)
	q := vectorLiteral(query)
	var rows []struct {
		ID    uuid.UUID `bun:"message_id"`
		Score float32   `bun:"score"`
	}
	if exclude == nil {
		exclude = []uuid.UUID{}
	}
	err := tx.NewRaw(fmt.Sprintf(`SELECT message_id, 1 - ((embedding_vec::vector(%d)) <=> ?::vector(%d)) AS score FROM memories
		WHERE agent_id = ? AND participant_key = ? AND embedder = ? AND NOT (message_id = ANY(?::uuid[]))
		ORDER BY (embedding_vec::vector(%d)) <=> ?::vector(%d) LIMIT ?`, dims, dims, dims, dims),
		q, scope.AgentID, scope.ParticipantKey, s.embedder.ID(), uuidArray(exclude), q, k).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make([]scored, 0, len(rows))
	for _, r := range rows {
		if r.Score >= MinScore {
			out = append(out, scored{r.ID, r.Score})
		}
	}
	return out, nil
}

// vectorLiteral writes a vector in pgvector's text form.
func vectorLiteral(v []float32) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, x := range v {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatFloat(float64(x), 'g', -1, 32))
	}
	b.WriteByte(']')
	return b.String()
}

func uuidArray(ids []uuid.UUID) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id.String()
	}
	return "{" + strings.Join(parts, ",") + "}"
}

package memory

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

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

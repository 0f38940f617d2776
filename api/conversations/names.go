package conversations

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/konstruct/konstruct/api/channels"
	"github.com/konstruct/konstruct/api/store"
)

// Naming people: WhatsApp sends a profile name with every message (ingest
// stores it); Slack sends only a user id, so the portal's list looks the
// name up with users.info the first time it shows the conversation and keeps
// it in participant_name, the cache every later read uses. A lookup that
// fails (no users:read scope on an old install, a deleted user, Slack down)
// is not retried for a while, and never holds a page up for long.
const (
	nameLookupTimeout  = 2 * time.Second
	nameLookupsPerRead = 20
	nameMissTTL        = 10 * time.Minute
)

type nameKey struct {
	connection uuid.UUID
	user       string
}

// nameMisses remembers failed lookups until they may be tried again.
type nameMisses struct {
	mu    sync.Mutex
	until map[nameKey]time.Time
}

func (m *nameMisses) skip(k nameKey, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.until[k]
	if ok && now.After(t) {
		delete(m.until, k)
		return false
	}
	return ok
}

func (m *nameMisses) add(k nameKey, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.until == nil {
		m.until = map[nameKey]time.Time{}
	}
	m.until[k] = now.Add(nameMissTTL)
}

// nameSlackParticipants fills in the names of Slack people the page shows
// without one, storing what it learns.
func (s *Service) nameSlackParticipants(ctx context.Context, tenantID uuid.UUID, cs []Conversation) {
	now := time.Now()
	want := map[nameKey][]int{}
	for i := range cs {
		c := &cs[i]
		k := nameKey{c.ConnectionID, c.ParticipantID}
		if c.ChannelType != channels.Slack || c.ParticipantName != "" || c.ParticipantID == "" || s.misses.skip(k, now) {
			continue
		}
		if _, ok := want[k]; !ok && len(want) >= nameLookupsPerRead {
			continue
		}
		want[k] = append(want[k], i)
	}
	if len(want) == 0 {
		return
	}
	conns := map[uuid.UUID]channels.Profiler{}
	_ = s.store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		for k := range want {
			if _, seen := conns[k.connection]; seen {
				continue
			}
			conns[k.connection] = nil
			conn, err := channels.Load(ctx, tx, k.connection)
			if err != nil || conn.Status != channels.StatusActive {
				continue
			}
			sender, err := s.providers.SenderFor(conn)
			if err != nil {
				continue
			}
			if p, ok := sender.(channels.Profiler); ok {
				conns[k.connection] = p
			}
		}
		return nil
	})

	lookupCtx, cancel := context.WithTimeout(ctx, nameLookupTimeout)
	defer cancel()
	var mu sync.Mutex
	found := map[nameKey]string{}
	g, gctx := errgroup.WithContext(lookupCtx)
	g.SetLimit(4)
	for k := range want {
		p := conns[k.connection]
		if p == nil {
			continue
		}
		g.Go(func() error {
			name, err := p.UserName(gctx, k.user)
			mu.Lock()
			defer mu.Unlock()
			if err != nil || name == "" {
				s.misses.add(k, now)
				return nil
			}
			found[k] = name
			return nil
		})
	}
	_ = g.Wait()
	if len(found) == 0 {
		return
	}
	for k, name := range found {
		for _, i := range want[k] {
			cs[i].ParticipantName = name
		}
	}
	// Kept for every conversation with the person on that workspace; a
	// failure here only means the next read looks them up again.
	_ = s.store.WithTenant(context.WithoutCancel(ctx), tenantID, func(ctx context.Context, tx store.Tx) error {
		for k, name := range found {
			_, err := tx.ExecContext(ctx, `UPDATE conversations SET participant_name = ? WHERE connection_id = ? AND participant_id = ? AND participant_name = ''`,
				storableText(name), k.connection, k.user)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

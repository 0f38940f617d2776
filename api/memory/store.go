package memory

import (
	"container/heap"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/store"
)

// Memory is one embedded message.
type Memory struct {
	bun.BaseModel `bun:"table:memories"`

	ID             uuid.UUID `bun:"id,pk"`
	TenantID       uuid.UUID `bun:"tenant_id"`
	AgentID        uuid.UUID `bun:"agent_id"`
	ParticipantKey string    `bun:"participant_key"`
	MessageID      uuid.UUID `bun:"message_id"`
	ConversationID uuid.UUID `bun:"conversation_id"`
	Role           string    `bun:"role"`
	Embedder       string    `bun:"embedder"`
	Embedding      []byte    `bun:"embedding"`
	SaidAt         time.Time `bun:"said_at"`
	EmbeddedAt     time.Time `bun:"embedded_at,nullzero,default:now()"`
}

// ParticipantKey names one person on one connection.
func ParticipantKey(connectionID uuid.UUID, participantID string) string {
	return connectionID.String() + ":" + participantID
}

// Scope is whose memories a search looks at: one person with one agent.
type Scope struct {
	AgentID        uuid.UUID
	ParticipantKey string
}

// Recalled is a remembered message.
type Recalled struct {
	MessageID uuid.UUID `bun:"id"`
	Role      string    `bun:"role"`
	Text      string    `bun:"body"`
	SaidAt    time.Time `bun:"created_at"`
	Score     float32   `bun:"-"`
}

// MinScore keeps weak matches out of the prompt: an unrelated memory is
// worse than none.
const MinScore = 0.15

// Search returns the k memories of scope most similar to query (a unit vector
// from the service's embedder), best first, leaving out the messages in
// exclude (those the model already sees in the conversation window): the
// rank statement, and the texts statement when memories are found.
func (s *Service) Search(ctx context.Context, tx store.Tx, scope Scope, query []float32, k int, exclude []uuid.UUID) ([]Recalled, error) {
	var b store.Batch
	ranked := s.QueueRank(&b, scope, query, k, len(exclude))
	if err := tx.Send(ctx, &b); err != nil {
		return nil, err
	}
	return ranked.Recall(ctx, tx, exclude)
}

// Ranked is a recall's rank statement queued in a caller's batch (QueueRank):
// after the batch is sent it holds the k+extra best memories of the scope;
// Recall leaves out the excluded ones and loads the best k's messages.
type Ranked struct {
	k    int
	best []scored // best first, at least MinScore
}

// QueueRank queues the rank statement of a recall of the k memories of scope
// most similar to query, in the caller's batch, for when the messages to
// leave out are not known yet (they are read in the same batch): it keeps
// the k+extra best, so that leaving out up to extra messages afterwards
// (Recall) still leaves the k best of the others. Without pgvector (or for
// an embedder whose vectors it does not index) every memory of the scope is
// read and scored in the application; with it, the index returns the
// k+extra nearest.
func (s *Service) QueueRank(b *store.Batch, scope Scope, query []float32, k, extra int) *Ranked {
	r := &Ranked{k: k}
	n := k + max(extra, 0)
	if !s.pgvector || !strings.HasSuffix(s.embedder.ID(), "/"+strconv.Itoa(len(query))) {
		queueExactRank(b, s.embedder.ID(), scope, query, n, r)
		return r
	}
	dims := len(query)
	b.Queue(fmt.Sprintf(`SELECT message_id, 1 - ((embedding_vec::vector(%d)) <=> $1::vector(%d)) AS score FROM memories
		WHERE agent_id = $2 AND participant_key = $3 AND embedder = $4
		ORDER BY (embedding_vec::vector(%d)) <=> $1::vector(%d) LIMIT $5`, dims, dims, dims, dims),
		vectorLiteral(query), scope.AgentID, scope.ParticipantKey, s.embedder.ID(), int64(n)).Query(func(rows pgx.Rows) error {
		defer rows.Close()
		var id uuid.UUID
		var score float64
		for rows.Next() {
			if err := rows.Scan(&id, &score); err != nil {
				return err
			}
			if float32(score) >= MinScore {
				r.best = append(r.best, scored{id, float32(score)})
			}
		}
		return rows.Err()
	})
	return r
}

// Recall is the k best ranked memories whose messages are not in exclude,
// with their messages (one more statement, only when there are any), best
// first.
func (r *Ranked) Recall(ctx context.Context, tx store.Tx, exclude []uuid.UUID) ([]Recalled, error) {
	skip := make(map[uuid.UUID]bool, len(exclude))
	for _, id := range exclude {
		skip[id] = true
	}
	best := make([]scored, 0, r.k)
	for _, s := range r.best {
		if len(best) == r.k {
			break
		}
		if !skip[s.id] {
			best = append(best, s)
		}
	}
	if len(best) == 0 {
		return nil, nil
	}
	return texts(ctx, tx, best)
}

// queueExactRank scores every memory of the scope in the application, keeping
// the n best. It reads through pgx: the binary protocol sends vectors as raw
// bytes, where bun's simple protocol would send them as hex text (twice the
// bytes, plus decoding).
func queueExactRank(b *store.Batch, embedder string, scope Scope, query []float32, n int, into *Ranked) {
	b.Queue(`SELECT message_id, embedding FROM memories
		WHERE agent_id = $1 AND participant_key = $2 AND embedder = $3`, scope.AgentID, scope.ParticipantKey, embedder).Query(func(rows pgx.Rows) error {
		defer rows.Close()
		top := &topK{k: n}
		var id uuid.UUID
		var raw []byte
		for rows.Next() {
			if err := rows.Scan(&id, &raw); err != nil {
				return err
			}
			if len(raw) != 4*len(query) {
				continue
			}
			if s := dot(query, raw); s >= MinScore {
				top.push(scored{id, s})
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		into.best = top.sorted()
		return nil
	})
}

// dot is the cosine of a unit vector with a stored one, read in place.
func dot(q []float32, raw []byte) float32 {
	var s float32
	for i, x := range q {
		s += x * math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return s
}

// texts loads the messages of ranked memories, keeping the rank order.
func texts(ctx context.Context, tx store.Tx, best []scored) ([]Recalled, error) {
	ids := make([]uuid.UUID, len(best))
	for i, b := range best {
		ids[i] = b.id
	}
	var msgs []Recalled
	if err := tx.NewRaw("SELECT id, role, body, created_at FROM messages WHERE id IN (?)", bun.In(ids)).Scan(ctx, &msgs); err != nil {
		return nil, err
	}
	byID := make(map[uuid.UUID]Recalled, len(msgs))
	for _, m := range msgs {
		byID[m.MessageID] = m
	}
	out := make([]Recalled, 0, len(best))
	for _, b := range best {
		if m, ok := byID[b.id]; ok {
			m.Score = b.score
			out = append(out, m)
		}
	}
	return out, nil
}

type scored struct {
	id    uuid.UUID
	score float32
}

// topK keeps the k best scores in a min-heap.
type topK struct {
	k int
	h scoreHeap
}

func (t *topK) push(s scored) {
	if len(t.h) < t.k {
		heap.Push(&t.h, s)
	} else if t.k > 0 && s.score > t.h[0].score {
		t.h[0] = s
		heap.Fix(&t.h, 0)
	}
}

func (t *topK) sorted() []scored {
	out := make([]scored, len(t.h))
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(&t.h).(scored)
	}
	return out
}

type scoreHeap []scored

func (h scoreHeap) Len() int           { return len(h) }
func (h scoreHeap) Less(i, j int) bool { return h[i].score < h[j].score }
func (h scoreHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *scoreHeap) Push(x any)        { *h = append(*h, x.(scored)) }
func (h *scoreHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// EmbedArgs embeds messages into an agent's memory: a turn queues one job
// for what the user said and what the agent answered (one job, not one per
// message: each job is an insert, a fetch and a completion for River). It is
// unique per set of messages and embedder, and storing is an upsert, so a
// redelivered or backfilled message is embedded once.
type EmbedArgs struct {
	TenantID   uuid.UUID   `json:"tenant_id"`
	MessageIDs []uuid.UUID `json:"message_ids,omitempty" river:"unique"`
	// MessageID is the single message of jobs queued before MessageIDs.
	MessageID uuid.UUID `json:"message_id" river:"unique"`
	AgentID   uuid.UUID `json:"agent_id"`
	// Embedder is the embedder the job was queued for ("": whichever the
	// worker has).
	Embedder string `json:"embedder" river:"unique"`
}

// Kind is the job's stable name.
func (EmbedArgs) Kind() string { return "memory.embed" }

// InsertOpts makes the job unique and patient (embedding services hiccup).
func (EmbedArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Enqueue schedules embedding of messages in tx (fire-and-forget for a turn).
func (s *Service) Enqueue(ctx context.Context, tx store.Tx, agentID uuid.UUID, messageIDs ...uuid.UUID) error {
	return enqueue(ctx, tx, agentID, s.embedder.ID(), messageIDs)
}

// Enqueue schedules embedding of messages in tx with whatever embedder the
// worker has, for callers without the memory service (a person's reply
// during a hand-over). Messages the rule remembered excludes are skipped by
// the job.
func Enqueue(ctx context.Context, tx store.Tx, agentID uuid.UUID, messageIDs ...uuid.UUID) error {
	return enqueue(ctx, tx, agentID, "", messageIDs)
}

func enqueue(ctx context.Context, tx store.Tx, agentID uuid.UUID, embedder string, messageIDs []uuid.UUID) error {
	if len(messageIDs) == 0 {
		return nil
	}
	if _, err := tx.InsertJob(ctx, EmbedArgs{TenantID: tx.TenantID, MessageIDs: messageIDs, AgentID: agentID, Embedder: embedder}, nil); err != nil {
		return fmt.Errorf("enqueue embedding: %w", err)
	}
	return nil
}

// EmbedWorker stores embeddings.
type EmbedWorker struct {
	river.WorkerDefaults[EmbedArgs]
	Memory *Service
}

// Work embeds the messages that still exist and have text, in one call to
// the embedder, and stores them.
func (w *EmbedWorker) Work(ctx context.Context, job *river.Job[EmbedArgs]) error {
	if job.Args.Embedder != "" && job.Args.Embedder != w.Memory.embedder.ID() {
		return nil // configured embedder changed since: backfill handles it
	}
	ids := job.Args.MessageIDs
	if job.Args.MessageID != uuid.Nil {
		ids = append(ids, job.Args.MessageID)
	}
	if len(ids) == 0 {
		return nil
	}
	// Two round trips: the messages (the transaction's BEGIN and tenant
	// ride with them), then their memories with the COMMIT.
	return w.Memory.store.WithTenant(ctx, job.Args.TenantID, func(ctx context.Context, tx store.Tx) error {
		// Erased messages are simply not found; what the rule leaves out
		// (notices, replies to several people, empty ones) is skipped.
		var msgs []embedSource
		var b store.Batch
		b.Queue(`SELECT m.id, m.conversation_id, m.connection_id, m.role, m.body, m.created_at, m.participant_id
			FROM messages m WHERE m.id = ANY($1) AND `+remembered+` ORDER BY m.seq`, ids).Query(store.All(&msgs))
		if err := tx.Send(ctx, &b); err != nil || len(msgs) == 0 {
			return err
		}
		texts := make([]string, len(msgs))
		for i, m := range msgs {
			texts[i] = m.Body
		}
		vs, err := w.Memory.embedder.Embed(ctx, texts)
		if err != nil {
			return err
		}
		var up store.Batch
		for i, m := range msgs {
			w.Memory.queueUpsert(&up, tx.TenantID, job.Args.AgentID, ParticipantKey(m.ConnectionID, m.Participant), m.ID, m.ConversationID, m.Role, m.CreatedAt, vs[i])
		}
		return tx.SendAndCommit(ctx, &up)
	})
}

// embedSource is a message the embed job reads.
type embedSource struct {
	ID             uuid.UUID `bun:"id"`
	ConversationID uuid.UUID `bun:"conversation_id"`
	ConnectionID   uuid.UUID `bun:"connection_id"`
	Role           string    `bun:"role"`
	Body           string    `bun:"body"`
	CreatedAt      time.Time `bun:"created_at"`
	Participant    string    `bun:"participant_id"`
}

// Save embeds one message and upserts its memory.
func (s *Service) Save(ctx context.Context, tx store.Tx, agentID uuid.UUID, participantKey string, messageID, convID uuid.UUID, role, text string, saidAt time.Time) error {
	vs, err := s.embedder.Embed(ctx, []string{text})
	if err != nil {
		return err
	}
	var b store.Batch
	s.queueUpsert(&b, tx.TenantID, agentID, participantKey, messageID, convID, role, saidAt, vs[0])
	return tx.Send(ctx, &b)
}

const upsertSQL = `INSERT INTO memories AS memory (id, tenant_id, agent_id, participant_key, message_id, conversation_id, role, embedder, embedding, said_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
	ON CONFLICT (message_id) DO UPDATE SET embedder = EXCLUDED.embedder, embedding = EXCLUDED.embedding, agent_id = EXCLUDED.agent_id,
		participant_key = EXCLUDED.participant_key, embedded_at = now()`

// queueUpsert queues the upsert of one message's memory from its embedding
// (and its pgvector column, where there is one) into b.
func (s *Service) queueUpsert(b *store.Batch, tenantID, agentID uuid.UUID, participantKey string, messageID, convID uuid.UUID, role string, saidAt time.Time, v []float32) {
	b.Queue(upsertSQL, uuid.Must(uuid.NewV7()), tenantID, agentID, participantKey, messageID, convID, role, s.embedder.ID(), encode(v), saidAt)
	if s.pgvector {
		b.Queue("UPDATE memories SET embedding_vec = $1::text::vector WHERE message_id = $2", vectorLiteral(v), messageID)
	}
}

// Said is a message of a turn to remember: its id and its text.
type Said struct {
	ID   uuid.UUID
	Text string
}

// inProcess reports whether e embeds in this process (no service to call,
// nothing to wait for or retry).
func inProcess(e Embedder) bool {
	switch e.(type) {
	case Offline, *Offline, *Semantic:
		return true
	}
	return false
}

// rememberSQL stores one message's memory, if the rule remembered keeps it,
// in the statement that reads it: the message's person, conversation, role
// and time come from its row, so only what the rule says is stored.
const rememberSQL = `INSERT INTO memories AS memory (id, tenant_id, agent_id, participant_key, message_id, conversation_id, role, embedder, embedding, said_at)
	SELECT $1, m.tenant_id, $2, m.connection_id::text || ':' || m.participant_id, m.id, m.conversation_id, m.role, $3, $4, m.created_at
	FROM messages m WHERE m.id = $5 AND ` + remembered + `
	ON CONFLICT (message_id) DO UPDATE SET embedder = EXCLUDED.embedder, embedding = EXCLUDED.embedding, agent_id = EXCLUDED.agent_id,
		participant_key = EXCLUDED.participant_key, embedded_at = now()`

// QueueRemember stores the memories of a turn's messages with the turn's
// last write. With an in-process embedder they are embedded now and stored by
// statements queued into b, which the caller sends with its COMMIT after the
// statements that deliver the reply: the rule remembered is applied in that
// transaction, seeing the reply delivered, exactly as the embed job would
// after it. This saves the turn a River job (its insert, fetch, completion and
// two transactions). With an embedding service (a network call that may fail
// and is retried), or if embedding fails, it enqueues the embed job in tx as
// Enqueue does.
func (s *Service) QueueRemember(ctx context.Context, tx store.Tx, b *store.Batch, agentID uuid.UUID, msgs []Said) error {
	ids := make([]uuid.UUID, 0, len(msgs))
	texts := make([]string, 0, len(msgs))
	for _, m := range msgs {
		if m.Text != "" { // the rule never keeps an empty message
			ids, texts = append(ids, m.ID), append(texts, m.Text)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if !inProcess(s.embedder) {
		return s.Enqueue(ctx, tx, agentID, ids...)
	}
	vs, err := s.embedder.Embed(ctx, texts)
	if err != nil || len(vs) != len(ids) {
		return s.Enqueue(ctx, tx, agentID, ids...)
	}
	for i, id := range ids {
		b.Queue(rememberSQL, uuid.Must(uuid.NewV7()), agentID, s.embedder.ID(), encode(vs[i]), id)
		if s.pgvector {
			b.Queue("UPDATE memories SET embedding_vec = $1::text::vector WHERE message_id = $2", vectorLiteral(vs[i]), id)
		}
	}
	return nil
}

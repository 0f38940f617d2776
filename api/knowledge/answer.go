package knowledge

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/agents"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/paging"
	"github.com/konstruct/konstruct/api/store"
)

// SearchResult is the retrieval tester's answer.
type SearchResult struct {
	Hits     []Hit
	Embedder string
	Relevant bool
}

// Search ranks chunks for query as a turn would (any member): with agentID,
// within the agent's sources and budget; without, over every source.
func (s *Service) Search(ctx context.Context, tenantID uuid.UUID, agentID *uuid.UUID, query string, limit int) (*SearchResult, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleMember); err != nil {
		return nil, err
	}
	out := &SearchResult{Embedder: s.opts.Embedder.ID()}
	q, err := s.embedQuery(ctx, query)
	if err != nil {
		return nil, err
	}
	err = s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		r := request{scope: Scope{All: true}, query: query, q: q}
		if agentID != nil {
			if _, err := agents.Load(ctx, tx, *agentID, false); err != nil {
				return errs.Field("body.agent_id", "is not an agent of this tenant")
			}
			r.agent = agentID
		}
		hits, res, err := s.search(ctx, tx, r, limit, false)
		if err != nil {
			return err
		}
		budget(hits, res.settings.TokenBudget)
		out.Hits = hits
		return nil
	})
	for _, h := range out.Hits {
		out.Relevant = out.Relevant || h.InBudget
	}
	return out, err
}

// Knowledge is what a turn gets: the chunks for its prompt, or, when the
// agent has sources but none is relevant, what to do instead.
type Knowledge struct {
	// Enabled is false when the agent has no sources: nothing to add.
	Enabled bool
	// Chunks go into the prompt, best first, numbered [1], [2]… for citing.
	Chunks []Chunk
	// WhenUnknown applies when Enabled and Chunks is empty: SayUnknown or Handover.
	WhenUnknown string
}

// Retrieve finds what an agent may answer question from, inside the turn's
// tenant transaction (db): the agent's settings, BM25 and the vector side,
// fused and cut to the agent's token budget. One statement in the common
// case (settings, keyword ranking and vector candidates together); a second
// when a chunk only the vector side found makes the budget, or the process's
// copy of the tenant's vector index is stale. The question is embedded first
// unless this process saw the agent without sources last time (then an agent
// given sources since costs one more statement, once). It is QueueRetrieve,
// the batch sent, and Finish.
func (s *Service) Retrieve(ctx context.Context, db bun.IDB, agentID uuid.UUID, question string) (*Knowledge, error) {
	tx, ok := asTx(db)
	if !ok {
		return nil, fmt.Errorf("knowledge: retrieval needs a tenant transaction, not %T", db)
	}
	var b store.Batch
	p, err := s.QueueRetrieve(ctx, &b, tx.TenantID, agentID, question)
	if err != nil {
		return nil, err
	}
	if err := tx.Send(ctx, &b); err != nil {
		return nil, err
	}
	return p.Finish(ctx, tx)
}

// PendingRetrieval is a retrieval queued in a caller's batch
// (QueueRetrieve); Finish completes it once the batch was sent.
type PendingRetrieval struct {
	s        *Service
	agentID  uuid.UUID
	question string
	ask      bool
	r        request
	rt       *retrieval
}

// QueueRetrieve queues Retrieve's statement for agentID of tenantID (the
// transaction's tenant) in b, so a turn reads its knowledge in the same round
// trip as its window: the question is embedded now (when the agent may have
// sources), the ranking is done by Finish after the batch was sent.
func (s *Service) QueueRetrieve(ctx context.Context, b *store.Batch, tenantID, agentID uuid.UUID, question string) (*PendingRetrieval, error) {
	p := &PendingRetrieval{s: s, agentID: agentID, question: question, r: request{agent: &agentID}}
	p.ask = strings.TrimSpace(question) != ""
	if p.ask {
		p.r.query = question
		if mayHaveSources(agentID) {
			q, err := s.embedQuery(ctx, question)
			if err != nil {
				return nil, err
			}
			p.r.q = q
		}
	}
	p.rt = queueRetrieve(b, tenantID, true, s.prepare(p.r))
	return p, nil
}

// Finish ranks what the queued statement returned and cuts it to the
// agent's budget, in the transaction the batch was sent in (db): more
// statements only when needed (see Retrieve).
func (p *PendingRetrieval) Finish(ctx context.Context, db bun.IDB) (*Knowledge, error) {
	s, r := p.s, p.r
	res, err := p.rt.finish(ctx, db)
	if err != nil {
		return nil, err
	}
	hits, err := s.rank(ctx, db, res, 20, true)
	if err != nil {
		return nil, err
	}
	rememberSources(p.agentID, res.sources > 0)
	out := &Knowledge{Enabled: res.sources > 0, WhenUnknown: res.settings.WhenUnknown}
	if !out.Enabled || !p.ask {
		return out, nil
	}
	if r.q == nil { // sources assigned since this process last looked
		if r.q, err = s.embedQuery(ctx, p.question); err != nil {
			return nil, err
		}
		if hits, res, err = s.search(ctx, db, r, 20, true); err != nil {
			return nil, err
		}
	}
	budget(hits, res.settings.TokenBudget)
	for _, h := range hits {
		if h.InBudget {
			out.Chunks = append(out.Chunks, h.Chunk)
		}
	}
	return out, nil
}

// agentSources remembers, per agent, whether the last retrieval found
// sources: the question is embedded (maybe a network call) only for agents
// that may use it. A wrong guess costs a statement, never a wrong answer.
var agentSources sync.Map // uuid.UUID → bool

func mayHaveSources(agent uuid.UUID) bool {
	v, ok := agentSources.Load(agent)
	return !ok || v.(bool)
}

func rememberSources(agent uuid.UUID, has bool) { agentSources.Store(agent, has) }

// PromptSection renders chunks for the model: numbered, with title and
// heading path, and how to cite them.
func PromptSection(chunks []Chunk) string {
	if len(chunks) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("Answer from the knowledge below when it is relevant. Cite what you use with its number in brackets, like [1]. " +
		"If the knowledge does not answer the question, say you do not know rather than guessing.\n")
	for i, c := range chunks {
		fmt.Fprintf(&b, "\n[%d] %s\n%s\n", i+1, strings.Join(append([]string{c.Title}, c.HeadingPath...), " › "), c.Text)
	}
	return b.String()
}

// UnknownReply is what the agent says when nothing relevant was found and the
// operator chose SayUnknown.
const UnknownReply = "I'm sorry, I don't know the answer to that from the information I have. Could you rephrase, or ask something else?"

var citeMarker = regexp.MustCompile(`\[(\d{1,2})\]`)

// Cite renders the references an answer used, in the channel's idiom:
// Slack links each [n] to its source and lists linked titles; WhatsApp lists
// numbered references with URLs; the portal (anything else) uses Markdown
// links. Only the chunks the answer cites are listed, each source once.
func Cite(channel, answer string, chunks []Chunk) string {
	used := map[int]bool{}
	for _, m := range citeMarker.FindAllStringSubmatch(answer, -1) {
		if n, _ := strconv.Atoi(m[1]); n >= 1 && n <= len(chunks) {
			used[n] = true
		}
	}
	if len(used) == 0 {
		return answer
	}
	type ref struct {
		n          int
		title, url string
	}
	var refs []ref
	seen := map[string]bool{}
	for i, c := range chunks {
		if !used[i+1] {
			continue
		}
		title := c.Title
		if len(c.HeadingPath) > 0 {
			title += " › " + c.HeadingPath[len(c.HeadingPath)-1]
		}
		key := title + "\x00" + c.URL
		if seen[key] {
			continue
		}
		seen[key] = true
		refs = append(refs, ref{i + 1, title, c.URL})
	}
	var b strings.Builder
	switch channel {
	case "slack":
		b.WriteString(citeMarker.ReplaceAllStringFunc(answer, func(m string) string {
			n, _ := strconv.Atoi(m[1 : len(m)-1])
			if n >= 1 && n <= len(chunks) && chunks[n-1].URL != "" {
				return "<" + chunks[n-1].URL + "|[" + strconv.Itoa(n) + "]>"
			}
			return m
		}))
		b.WriteString("\n\n*Sources:* ")
		for i, r := range refs {
			if i > 0 {
				b.WriteString(" · ")
			}
			if r.url != "" {
				b.WriteString("<" + r.url + "|" + slackEscape(r.title) + ">")
			} else {
				b.WriteString(slackEscape(r.title))
			}
		}
	case "whatsapp":
		b.WriteString(answer)
		b.WriteString("\n\nSources:")
		for _, r := range refs {
			fmt.Fprintf(&b, "\n[%d] %s", r.n, r.title)
			if r.url != "" {
				b.WriteString(" — " + r.url)
			}
		}
	default:
		b.WriteString(answer)
		b.WriteString("\n\nSources:")
		for _, r := range refs {
			if r.url != "" {
				fmt.Fprintf(&b, "\n[%d] [%s](%s)", r.n, r.title, r.url)
			} else {
				fmt.Fprintf(&b, "\n[%d] %s", r.n, r.title)
			}
		}
	}
	return b.String()
}

func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "|", "¦").Replace(s)
}

// Ask identifies a question nothing answered.
type Ask struct {
	AgentID        uuid.UUID
	ConversationID *uuid.UUID
	MessageID      *uuid.UUID
	Question       string
}

// RecordGap records an unanswered question inside the turn's transaction,
// grouped with earlier ones that have the same words (one statement).
func RecordGap(ctx context.Context, db bun.IDB, tenantID uuid.UUID, a Ask) error {
	key := strings.Join(sortedTerms(a.Question), " ")
	if key == "" {
		return nil
	}
	q := firstWords(a.Question, 500)
	_, err := db.ExecContext(ctx, `WITH gap AS (
		INSERT INTO knowledge_gaps (id, tenant_id, norm_key, question, agent_id) VALUES (?0, ?1, ?2, ?3, ?4)
		ON CONFLICT (tenant_id, norm_key) DO UPDATE SET question = EXCLUDED.question, last_asked_at = now(), agent_id = EXCLUDED.agent_id,
			status = CASE WHEN knowledge_gaps.status = 'answered' THEN 'answered' ELSE 'open' END
		RETURNING id)
		INSERT INTO knowledge_gap_asks (id, tenant_id, gap_id, conversation_id, message_id, question)
		SELECT ?5, ?1, gap.id, ?6, ?7, ?3 FROM gap`,
		uuid.New(), tenantID, key, q, a.AgentID, uuid.New(), a.ConversationID, a.MessageID)
	return err
}

func sortedTerms(q string) []string {
	t := queryTerms(q)
	if len(t) > 16 {
		t = t[:16]
	}
	out := append([]string(nil), t...)
	sortStrings(out)
	return out
}

// Gap is a group of unanswered questions.
type Gap struct {
	ID            uuid.UUID  `bun:"id"`
	Question      string     `bun:"question"`
	Asked         int        `bun:"asked"`
	Conversations int        `bun:"conversations"`
	Status        string     `bun:"status"`
	AgentID       *uuid.UUID `bun:"agent_id"`
	SourceID      *uuid.UUID `bun:"source_id"`
	FirstAskedAt  time.Time  `bun:"first_asked_at"`
	LastAskedAt   time.Time  `bun:"last_asked_at"`
}

// Gaps lists gaps of a status, most recently asked first (any member).
func (s *Service) Gaps(ctx context.Context, tenantID uuid.UUID, status string, page paging.Page) ([]Gap, *string, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleMember); err != nil {
		return nil, nil, err
	}
	var out []Gap
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		q := tx.NewSelect().TableExpr("knowledge_gaps AS g").ColumnExpr(`g.id, g.question, g.status, g.agent_id, g.source_id,
			g.first_asked_at, g.last_asked_at,
			(SELECT count(*) FROM knowledge_gap_asks a WHERE a.gap_id = g.id) AS asked,
			(SELECT count(DISTINCT a.conversation_id) FROM knowledge_gap_asks a WHERE a.gap_id = g.id) AS conversations`).
			Where("g.status = ?", status).OrderExpr("g.last_asked_at DESC, g.id DESC").Limit(int64(page.Limit + 1))
		if c := page.After; c != nil {
			q.Where("(g.last_asked_at, g.id) < (?, ?)", c.At, c.ID)
		}
		return q.Scan(ctx, &out)
	})
	if err != nil {
		return nil, nil, err
	}
	out, next := paging.Trim(out, page.Limit, func(g Gap) (time.Time, uuid.UUID) { return g.LastAskedAt, g.ID })
	return out, next, nil
}

// AnswerGap turns an answer into a snippet source and marks the gap answered
// (owners and admins).
func (s *Service) AnswerGap(ctx context.Context, tenantID, gapID uuid.UUID, answer, title string) (*Source, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	var id uuid.UUID
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		var question string
		if err := tx.NewRaw("SELECT question FROM knowledge_gaps WHERE id = ? FOR UPDATE", gapID).Scan(ctx, &question); err != nil {
			if err == store.ErrNotFound {
				return errs.NotFoundf("knowledge gap not found")
			}
			return err
		}
		src, err := s.check(NewSource{Kind: KindSnippet, Title: title, Text: answer, Question: question})
		if err != nil {
			return err
		}
		if err := s.insert(ctx, tx, src); err != nil {
			return err
		}
		id = src.ID
		_, err = tx.ExecContext(ctx, "UPDATE knowledge_gaps SET status = 'answered', source_id = ? WHERE id = ?", src.ID, gapID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, tenantID, id)
}

// DismissGap marks a gap dismissed (owners and admins).
func (s *Service) DismissGap(ctx context.Context, tenantID, gapID uuid.UUID) error {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return err
	}
	return s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE knowledge_gaps SET status = 'dismissed' WHERE id = ?", gapID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("knowledge gap not found")
		}
		return audit.Record(ctx, tx, audit.Event{Action: "knowledge_gap.dismissed", TargetType: "knowledge_gap", TargetID: gapID.String()})
	})
}

var questionWords = map[string]bool{"what": true, "when": true, "where": true, "which": true, "who": true, "whom": true, "whose": true,
	"why": true, "how": true, "can": true, "could": true, "do": true, "does": true, "did": true, "is": true, "are": true, "was": true,
	"were": true, "will": true, "would": true, "should": true, "may": true, "have": true, "has": true}

// IsQuestion reports whether text asks something the knowledge could answer:
// a question mark or a question word first, and at least two content words
// ("hi?" and "thanks" are not).
func IsQuestion(text string) bool {
	if len(queryTerms(text)) < 2 {
		return false
	}
	if strings.Contains(text, "?") {
		return true
	}
	first := strings.ToLower(strings.TrimLeft(strings.Fields(text + " x")[0], "¿¡\"'("))
	return questionWords[first]
}

package knowledge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/access"
	"github.com/konstruct/konstruct/api/agents"
	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/knowledge/extract"
	"github.com/konstruct/konstruct/api/memory"
	"github.com/konstruct/konstruct/api/netguard"
	"github.com/konstruct/konstruct/api/paging"
	"github.com/konstruct/konstruct/api/store"
)

// Opts are the service's collaborators and limits.
type Opts struct {
	Store     *store.Store
	Guard     *access.Guard
	Embedder  memory.Embedder
	Extractor Extractor // nil: Library with the file limit
	Policy    netguard.Policy
	// FileMaxBytes bounds one file or fetched page; TenantMaxBytes all of a
	// tenant's sources.
	FileMaxBytes, TenantMaxBytes int64
	// FetchTimeout bounds one HTTP fetch (default 20 s).
	FetchTimeout time.Duration
	Log          *slog.Logger
}

// Service owns knowledge sources, their ingestion and retrieval.
type Service struct {
	opts Opts
}

// New returns the service.
func New(o Opts) *Service {
	if o.FileMaxBytes <= 0 {
		o.FileMaxBytes = 20 << 20
	}
	if o.Extractor == nil {
		o.Extractor = Library{Limits: extract.Limits{MaxBytes: o.FileMaxBytes}}
	}
	if o.TenantMaxBytes <= 0 {
		o.TenantMaxBytes = 500 << 20
	}
	if o.FetchTimeout <= 0 {
		o.FetchTimeout = 20 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Service{opts: o}
}

// Embedder is the embedder chunks are embedded with.
func (s *Service) Embedder() memory.Embedder { return s.opts.Embedder }

// Source is a knowledge source as stored.
type Source struct {
	bun.BaseModel `bun:"table:knowledge_sources"`
	ID            uuid.UUID  `bun:"id,pk"`
	TenantID      uuid.UUID  `bun:"tenant_id"`
	Kind          string     `bun:"kind"`
	Title         string     `bun:"title"`
	Status        string     `bun:"status"`
	Error         string     `bun:"error"`
	URL           string     `bun:"url"`
	FileName      string     `bun:"file_name"`
	ContentType   string     `bun:"content_type"`
	FileBody      []byte     `bun:"file_body"`
	Question      string     `bun:"question"`
	Text          string     `bun:"body_text"`
	MaxPages      *int       `bun:"max_pages"`
	MaxDepth      *int       `bun:"max_depth"`
	ResyncHours   int        `bun:"resync_hours"`
	Bytes         int64      `bun:"bytes"`
	ContentHash   string     `bun:"content_hash"`
	ProgressDone  int        `bun:"progress_done"`
	ProgressTotal int        `bun:"progress_total"`
	Documents     int        `bun:"documents,scanonly"`
	Chunks        int        `bun:"chunks,scanonly"`
	LastSyncedAt  *time.Time `bun:"last_synced_at"`
	NextSyncAt    *time.Time `bun:"next_sync_at"`
	CreatedAt     time.Time  `bun:"created_at"`
	UpdatedAt     time.Time  `bun:"updated_at"`
}

// Source kinds and statuses.
const (
	KindFile, KindURL, KindSite, KindSnippet = "file", "url", "site", "snippet"

	StatusQueued, StatusFetching, StatusIndexing, StatusReady, StatusFailed = "queued", "fetching", "indexing", "ready", "failed"
)

// columns lists a source with its counts, never the file's bytes.
const columns = `s.id, s.tenant_id, s.kind, s.title, s.status, s.error, s.url, s.file_name, s.content_type, s.question, s.body_text,
	s.max_pages, s.max_depth, s.resync_hours, s.bytes, s.content_hash, s.progress_done, s.progress_total, s.last_synced_at,
	s.next_sync_at, s.created_at, s.updated_at,
	(SELECT count(*) FROM knowledge_documents d WHERE d.source_id = s.id) AS documents,
	(SELECT count(*) FROM knowledge_chunks c WHERE c.source_id = s.id) AS chunks`

// NewSource is what createKnowledgeSource and answering a gap give.
type NewSource struct {
	Kind, Title, URL, Text, Question string
	MaxPages, MaxDepth, ResyncHours  *int
}

// Create adds a URL, site or snippet source and queues its sync (owners and admins).
func (s *Service) Create(ctx context.Context, tenantID uuid.UUID, n NewSource) (*Source, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	src, err := s.check(n)
	if err != nil {
		return nil, err
	}
	err = s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		return s.insert(ctx, tx, src)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, tenantID, src.ID)
}

func (s *Service) check(n NewSource) (*Source, error) {
	src := &Source{ID: uuid.New(), Kind: n.Kind, Title: strings.TrimSpace(n.Title), Status: StatusQueued,
		Text: strings.TrimSpace(n.Text), Question: strings.TrimSpace(n.Question)}
	if n.ResyncHours != nil {
		src.ResyncHours = *n.ResyncHours
	}
	var fields []errs.FieldError
	switch n.Kind {
	case KindURL, KindSite:
		u, err := url.Parse(strings.TrimSpace(n.URL))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fields = append(fields, errs.FieldError{Location: "body.url", Message: "must be an http or https URL"})
		} else {
			u.Fragment = ""
			src.URL = u.String()
		}
		if src.Title == "" {
			src.Title = src.URL
		}
		if n.Kind == KindSite {
			pages, depth := 100, 3
			if n.MaxPages != nil {
				pages = *n.MaxPages
			}
			if n.MaxDepth != nil {
				depth = *n.MaxDepth
			}
			src.MaxPages, src.MaxDepth = &pages, &depth
		}
	case KindSnippet:
		if src.Text == "" {
			fields = append(fields, errs.FieldError{Location: "body.text", Message: "is required for a snippet"})
		}
		if src.Title == "" {
			src.Title = firstWords(coalesce(src.Question, src.Text), 80)
		}
		src.Bytes = int64(len(src.Text) + len(src.Question))
	default:
		fields = append(fields, errs.FieldError{Location: "body.kind", Message: "must be url, site or snippet (files are uploaded)"})
	}
	if len(fields) > 0 {
		return nil, errs.Fields(fields...)
	}
	return src, nil
}

func coalesce(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func firstWords(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return strings.TrimSpace(string(r[:n-1])) + "…"
	}
	return s
}

// insert stores a new source and queues its sync in the same transaction,
// refusing one that would take the tenant past its byte limit.
func (s *Service) insert(ctx context.Context, tx store.Tx, src *Source) error {
	var used int64
	if err := tx.NewRaw("SELECT coalesce(sum(bytes), 0) FROM knowledge_sources").Scan(ctx, &used); err != nil {
		return err
	}
	if used+src.Bytes > s.opts.TenantMaxBytes {
		return errs.E(errs.TooLarge, "This would take the tenant's knowledge to %d bytes; the limit (KNOWLEDGE_TENANT_MAX_BYTES) is %d bytes.",
			used+src.Bytes, s.opts.TenantMaxBytes)
	}
	src.TenantID = tx.TenantID
	if _, err := tx.NewInsert().Model(src).ExcludeColumn("created_at", "updated_at").Exec(ctx); err != nil {
		return err
	}
	if err := enqueueSync(ctx, tx, src.ID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Event{Action: "knowledge_source.created", TargetType: "knowledge_source", TargetID: src.ID.String(),
		Metadata: map[string]any{"kind": src.Kind}})
}

func enqueueSync(ctx context.Context, tx store.Tx, id uuid.UUID) error {
	_, err := tx.InsertJob(ctx, SyncArgs{TenantID: tx.TenantID, SourceID: id}, nil)
	return err
}

// Upload is a file to add as a source.
type Upload struct {
	Name, ContentType, Title string
	Body                     []byte
}

// AddFile stores an uploaded file and queues its sync (owners and admins).
// The same bytes uploaded again return the existing source and false.
func (s *Service) AddFile(ctx context.Context, tenantID uuid.UUID, up Upload) (*Source, bool, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, false, err
	}
	if int64(len(up.Body)) > s.opts.FileMaxBytes {
		return nil, false, errs.E(errs.TooLarge, "The file is %d bytes; the limit (KNOWLEDGE_FILE_MAX_BYTES) is %d bytes.", len(up.Body), s.opts.FileMaxBytes)
	}
	if len(up.Body) == 0 {
		return nil, false, errs.Field("body.file", "is empty")
	}
	if err := s.opts.Extractor.Detect(up.Name, up.ContentType, up.Body); err != nil {
		return nil, false, refusalError(err)
	}
	sum := sha256.Sum256(up.Body)
	hash := hex.EncodeToString(sum[:])
	title := strings.TrimSpace(up.Title)
	if title == "" {
		title = firstWords(up.Name, 200)
	}
	if title == "" {
		title = "Untitled file"
	}
	src := &Source{ID: uuid.New(), Kind: KindFile, Title: title, Status: StatusQueued, FileName: firstWords(up.Name, 300),
		ContentType: up.ContentType, FileBody: up.Body, Bytes: int64(len(up.Body)), ContentHash: hash}
	created := true
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		var existing uuid.UUID
		err := tx.NewRaw("SELECT id FROM knowledge_sources WHERE kind = 'file' AND content_hash = ? LIMIT 1", hash).Scan(ctx, &existing)
		if err == nil {
			src.ID, created = existing, false
			return nil
		}
		if err != store.ErrNotFound {
			return err
		}
		return s.insert(ctx, tx, src)
	})
	if err != nil {
		return nil, false, err
	}
	out, err := s.Get(ctx, tenantID, src.ID)
	return out, created, err
}

func refusalError(err error) error {
	r, ok := err.(*Refusal)
	if !ok {
		return err
	}
	switch r.Kind {
	case Unsupported:
		return errs.E(errs.Unsupported, "%s", r.Message)
	case TooLarge:
		return errs.E(errs.TooLarge, "%s", r.Message)
	}
	return errs.Field("body.file", "%s", r.Message)
}

// Get returns one source (any member).
func (s *Service) Get(ctx context.Context, tenantID, id uuid.UUID) (*Source, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleMember); err != nil {
		return nil, err
	}
	var out Source
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		return tx.NewRaw("SELECT "+columns+" FROM knowledge_sources s WHERE s.id = ?", id).Scan(ctx, &out)
	})
	if err == store.ErrNotFound {
		return nil, errs.NotFoundf("knowledge source not found")
	}
	return &out, err
}

// List returns a page of sources, newest first (any member).
func (s *Service) List(ctx context.Context, tenantID uuid.UUID, status, kind string, page paging.Page) ([]Source, *string, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleMember); err != nil {
		return nil, nil, err
	}
	var out []Source
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		q := tx.NewSelect().TableExpr("knowledge_sources AS s").ColumnExpr(columns).
			OrderExpr("s.created_at DESC, s.id DESC").Limit(int64(page.Limit + 1))
		if status != "" {
			q.Where("s.status = ?", status)
		}
		if kind != "" {
			q.Where("s.kind = ?", kind)
		}
		if c := page.After; c != nil {
			q.Where("(s.created_at, s.id) < (?, ?)", c.At, c.ID)
		}
		return q.Scan(ctx, &out)
	})
	if err != nil {
		return nil, nil, err
	}
	out, next := paging.Trim(out, page.Limit, func(s Source) (time.Time, uuid.UUID) { return s.CreatedAt, s.ID })
	return out, next, nil
}

// SourcePatch is a change to a source; nil fields stay.
type SourcePatch struct {
	Title, Text, Question *string
	ResyncHours           *int
}

// Update changes a source (owners and admins); a snippet whose text changed is re-indexed.
func (s *Service) Update(ctx context.Context, tenantID, id uuid.UUID, p SourcePatch) (*Source, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		var src Source
		if err := tx.NewSelect().Model(&src).ExcludeColumn("file_body").Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
			if err == store.ErrNotFound {
				return errs.NotFoundf("knowledge source not found")
			}
			return err
		}
		if (p.Text != nil || p.Question != nil) && src.Kind != KindSnippet {
			loc := "body.text"
			if p.Text == nil {
				loc = "body.question"
			}
			return errs.Field(loc, "only a snippet's text can be changed")
		}
		reindex := false
		if p.Title != nil {
			src.Title = strings.TrimSpace(*p.Title)
		}
		if p.Text != nil && strings.TrimSpace(*p.Text) != src.Text {
			src.Text, reindex = strings.TrimSpace(*p.Text), true
		}
		if p.Question != nil && strings.TrimSpace(*p.Question) != src.Question {
			src.Question, reindex = strings.TrimSpace(*p.Question), true
		}
		if p.ResyncHours != nil {
			src.ResyncHours = *p.ResyncHours
			src.NextSyncAt = nextSync(src.Kind, src.ResyncHours, src.LastSyncedAt)
		}
		if reindex {
			src.Status, src.Bytes = StatusQueued, int64(len(src.Text)+len(src.Question))
		}
		if _, err := tx.NewUpdate().Model(&src).Column("title", "body_text", "question", "resync_hours", "next_sync_at", "status", "bytes").
			Set("updated_at = now()").WherePK().Exec(ctx); err != nil {
			return err
		}
		if reindex {
			if err := enqueueSync(ctx, tx, id); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Event{Action: "knowledge_source.updated", TargetType: "knowledge_source", TargetID: id.String()})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, tenantID, id)
}

func nextSync(kind string, hours int, last *time.Time) *time.Time {
	if hours <= 0 || (kind != KindURL && kind != KindSite) {
		return nil
	}
	from := time.Now()
	if last != nil {
		from = *last
	}
	t := from.Add(time.Duration(hours) * time.Hour)
	return &t
}

// Delete removes a source with its documents and chunks (owners and admins).
func (s *Service) Delete(ctx context.Context, tenantID, id uuid.UUID) error {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return err
	}
	return s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM knowledge_sources WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("knowledge source not found")
		}
		return audit.Record(ctx, tx, audit.Event{Action: "knowledge_source.deleted", TargetType: "knowledge_source", TargetID: id.String()})
	})
}

// Sync queues a sync now (owners and admins); 409 while one is under way.
func (s *Service) Sync(ctx context.Context, tenantID, id uuid.UUID) (*Source, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		var status string
		if err := tx.NewRaw("SELECT status FROM knowledge_sources WHERE id = ? FOR UPDATE", id).Scan(ctx, &status); err != nil {
			if err == store.ErrNotFound {
				return errs.NotFoundf("knowledge source not found")
			}
			return err
		}
		if status != StatusReady && status != StatusFailed {
			return errs.E(errs.Conflict, "The source is already being synced (%s).", status)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE knowledge_sources SET status = 'queued', error = '', updated_at = now() WHERE id = ?", id); err != nil {
			return err
		}
		return enqueueSync(ctx, tx, id)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, tenantID, id)
}

// Chunk is a stored chunk as listed and cited.
type Chunk struct {
	ID          uuid.UUID `bun:"id"`
	SourceID    uuid.UUID `bun:"source_id"`
	DocumentID  uuid.UUID `bun:"document_id"`
	Ordinal     int       `bun:"ordinal"`
	Title       string    `bun:"title"`
	HeadingPath []string  `bun:"heading_path,array"`
	Text        string    `bun:"body"`
	Tokens      int       `bun:"tokens"`
	Page        *int      `bun:"page"`
	Anchor      string    `bun:"anchor"`
	URL         string    `bun:"url"`
}

const chunkColumns = "c.id, c.source_id, c.document_id, c.ordinal, c.title, c.heading_path, c.body, c.tokens, c.page, c.anchor, c.url"

// Chunks lists a source's chunks in document order (any member).
func (s *Service) Chunks(ctx context.Context, tenantID, sourceID uuid.UUID, page paging.Page) ([]Chunk, *string, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleMember); err != nil {
		return nil, nil, err
	}
	var out []Chunk
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		ok, err := tx.NewSelect().Table("knowledge_sources").Where("id = ?", sourceID).Exists(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return errs.NotFoundf("knowledge source not found")
		}
		q := tx.NewSelect().TableExpr("knowledge_chunks AS c").ColumnExpr(chunkColumns).Where("c.source_id = ?", sourceID).
			OrderExpr("c.document_id, c.ordinal").Limit(int64(page.Limit + 1))
		if c := page.After; c != nil {
			q.Where("(c.document_id, c.ordinal) > (SELECT document_id, ordinal FROM knowledge_chunks WHERE id = ?)", c.ID)
		}
		return q.Scan(ctx, &out)
	})
	if err != nil {
		return nil, nil, err
	}
	// The cursor names the last chunk; its position is looked up again.
	out, next := paging.Trim(out, page.Limit, func(c Chunk) (time.Time, uuid.UUID) { return time.Unix(int64(c.Ordinal), 0).UTC(), c.ID })
	return out, next, nil
}

// Settings are an agent's knowledge settings.
type Settings struct {
	SourceIDs   []uuid.UUID
	TokenBudget int
	WhenUnknown string
}

// Defaults for an agent that has no settings row.
const (
	DefaultTokenBudget = 1500
	SayUnknown         = "say_unknown"
	Handover           = "handover"
)

// AgentSettings returns an agent's knowledge settings (any member).
func (s *Service) AgentSettings(ctx context.Context, tenantID, agentID uuid.UUID) (*Settings, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleMember); err != nil {
		return nil, err
	}
	var out *Settings
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		if _, err := agents.Load(ctx, tx, agentID, false); err != nil {
			return err
		}
		var err error
		out, err = loadSettings(ctx, tx, agentID)
		return err
	})
	return out, err
}

func loadSettings(ctx context.Context, db bun.IDB, agentID uuid.UUID) (*Settings, error) {
	out := &Settings{TokenBudget: DefaultTokenBudget, WhenUnknown: SayUnknown, SourceIDs: []uuid.UUID{}}
	var row struct {
		TokenBudget int         `bun:"token_budget"`
		WhenUnknown string      `bun:"when_unknown"`
		SourceIDs   []uuid.UUID `bun:"source_ids,array"`
	}
	err := db.NewRaw(`SELECT coalesce(k.token_budget, ?1) AS token_budget, coalesce(k.when_unknown, ?2) AS when_unknown,
		coalesce((SELECT array_agg(source_id ORDER BY source_id) FROM agent_knowledge_sources WHERE agent_id = ?0), '{}') AS source_ids
		FROM (SELECT 1) one LEFT JOIN agent_knowledge k ON k.agent_id = ?0`, agentID, DefaultTokenBudget, SayUnknown).Scan(ctx, &row)
	if err != nil {
		return nil, err
	}
	out.TokenBudget, out.WhenUnknown = row.TokenBudget, row.WhenUnknown
	if row.SourceIDs != nil {
		out.SourceIDs = row.SourceIDs
	}
	return out, nil
}

// SetAgentSettings replaces an agent's sources, budget and "don't know" behaviour (owners and admins).
func (s *Service) SetAgentSettings(ctx context.Context, tenantID, agentID uuid.UUID, in Settings) (*Settings, error) {
	if _, err := s.opts.Guard.Tenant(ctx, tenantID, access.RoleAdmin); err != nil {
		return nil, err
	}
	var out *Settings
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		if _, err := agents.Load(ctx, tx, agentID, true); err != nil {
			return err
		}
		var known int
		if err := tx.NewRaw("SELECT count(*) FROM knowledge_sources WHERE id = ANY(?::uuid[])", uuidArray(in.SourceIDs)).Scan(ctx, &known); err != nil {
			return err
		}
		if known != len(in.SourceIDs) {
			return errs.Field("body.source_ids", "names a source that does not exist")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO agent_knowledge (tenant_id, agent_id, token_budget, when_unknown) VALUES (?, ?, ?, ?)
			ON CONFLICT (tenant_id, agent_id) DO UPDATE SET token_budget = EXCLUDED.token_budget, when_unknown = EXCLUDED.when_unknown`,
			tx.TenantID, agentID, in.TokenBudget, in.WhenUnknown); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM agent_knowledge_sources WHERE agent_id = ?", agentID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO agent_knowledge_sources (tenant_id, agent_id, source_id)
			SELECT ?, ?, unnest(?::uuid[])`, tx.TenantID, agentID, uuidArray(in.SourceIDs)); err != nil {
			return err
		}
		var err error
		if out, err = loadSettings(ctx, tx, agentID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "agent.knowledge_changed", TargetType: "agent", TargetID: agentID.String(),
			Metadata: map[string]any{"sources": len(in.SourceIDs), "token_budget": in.TokenBudget, "when_unknown": in.WhenUnknown}})
	})
	return out, err
}

// uuidArray is a uuid[] literal ({…}), since the pgx stdlib driver does not
// bind Go slices as arrays.
func uuidArray(ids []uuid.UUID) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id.String()
	}
	return "{" + strings.Join(parts, ",") + "}"
}

package knowledge

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"

	"github.com/oapi-codegen/nullable"

	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/paging"
)

// Handler serves the knowledge operations of the contract.
type Handler struct{ svc *Service }

// NewHandler returns a Handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

func nstr(s string) nullable.Nullable[string] {
	if s == "" {
		return nullable.NewNullNullable[string]()
	}
	return nullable.NewNullableWithValue(s)
}

func nptr[T any](p *T) nullable.Nullable[T] {
	if p == nil {
		return nullable.NewNullNullable[T]()
	}
	return nullable.NewNullableWithValue(*p)
}

func toSource(s *Source) apigen.KnowledgeSource {
	return apigen.KnowledgeSource{Id: s.ID, Kind: apigen.KnowledgeSourceKind(s.Kind), Title: s.Title,
		Status: apigen.KnowledgeSourceStatus(s.Status), Error: nstr(s.Error), Url: nstr(s.URL), FileName: nstr(s.FileName),
		ContentType: nstr(s.ContentType), Question: nstr(s.Question), Text: nstr(s.Text), MaxPages: nptr(s.MaxPages),
		MaxDepth: nptr(s.MaxDepth), ResyncHours: s.ResyncHours, Documents: s.Documents, Chunks: s.Chunks, Bytes: s.Bytes,
		ContentHash: nstr(s.ContentHash), Progress: apigen.KnowledgeProgress{Done: s.ProgressDone, Total: s.ProgressTotal},
		LastSyncedAt: nptr(s.LastSyncedAt), NextSyncAt: nptr(s.NextSyncAt), CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

func toChunk(c Chunk) apigen.KnowledgeChunk {
	return apigen.KnowledgeChunk{Id: c.ID, SourceId: c.SourceID, DocumentId: c.DocumentID, Ordinal: c.Ordinal, Title: c.Title,
		HeadingPath: nonNil(c.HeadingPath), Text: c.Text, Tokens: c.Tokens, Page: nptr(c.Page), Anchor: nstr(c.Anchor), Url: nstr(c.URL)}
}

func next(n *string) nullable.Nullable[string] {
	if n == nil {
		return nullable.NewNullNullable[string]()
	}
	return nullable.NewNullableWithValue(*n)
}

func (h *Handler) ListKnowledgeSources(ctx context.Context, req apigen.ListKnowledgeSourcesRequestObject) (apigen.ListKnowledgeSourcesResponseObject, error) {
	page, err := paging.Parse(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	var status, kind string
	if req.Params.Status != nil {
		status = string(*req.Params.Status)
	}
	if req.Params.Kind != nil {
		kind = string(*req.Params.Kind)
	}
	list, n, err := h.svc.List(ctx, req.TenantId, status, kind, page)
	if err != nil {
		return nil, err
	}
	out := apigen.KnowledgeSourceList{Items: make([]apigen.KnowledgeSource, 0, len(list)), NextCursor: next(n)}
	for i := range list {
		out.Items = append(out.Items, toSource(&list[i]))
	}
	return apigen.ListKnowledgeSources200JSONResponse(out), nil
}

func (h *Handler) CreateKnowledgeSource(ctx context.Context, req apigen.CreateKnowledgeSourceRequestObject) (apigen.CreateKnowledgeSourceResponseObject, error) {
	b := req.Body
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	src, err := h.svc.Create(ctx, req.TenantId, NewSource{Kind: string(b.Kind), Title: deref(b.Title), URL: deref(b.Url),
		Text: deref(b.Text), Question: deref(b.Question), MaxPages: b.MaxPages, MaxDepth: b.MaxDepth, ResyncHours: b.ResyncHours})
	if err != nil {
		return nil, err
	}
	return apigen.CreateKnowledgeSource201JSONResponse(toSource(src)), nil
}

func (h *Handler) UploadKnowledgeFile(ctx context.Context, req apigen.UploadKnowledgeFileRequestObject) (apigen.UploadKnowledgeFileResponseObject, error) {
	up, err := readUpload(req.Body, h.svc.opts.FileMaxBytes)
	if err != nil {
		return nil, err
	}
	src, created, err := h.svc.AddFile(ctx, req.TenantId, up)
	if err != nil {
		return nil, err
	}
	if !created {
		return apigen.UploadKnowledgeFile200JSONResponse(toSource(src)), nil
	}
	return apigen.UploadKnowledgeFile201JSONResponse(toSource(src)), nil
}

// readUpload reads the parts `file` and `title`, refusing a file over max
// with the limit named.
func readUpload(r *multipart.Reader, max int64) (Upload, error) {
	var up Upload
	found := false
	for {
		p, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return up, errs.Field("body", "is not a readable multipart/form-data body")
		}
		switch p.FormName() {
		case "file":
			var buf bytes.Buffer
			n, err := io.Copy(&buf, io.LimitReader(p, max+1))
			if err != nil {
				return up, errs.Field("body.file", "could not be read")
			}
			if n > max {
				return up, errs.E(errs.TooLarge, "The file is larger than the limit (KNOWLEDGE_FILE_MAX_BYTES, %d bytes).", max)
			}
			up.Name, up.ContentType, up.Body, found = p.FileName(), p.Header.Get("Content-Type"), buf.Bytes(), true
		case "title":
			t, _ := io.ReadAll(io.LimitReader(p, 1000))
			up.Title = string(t)
		}
	}
	if !found {
		return up, errs.Field("body.file", "is required")
	}
	return up, nil
}

func (h *Handler) GetKnowledgeSource(ctx context.Context, req apigen.GetKnowledgeSourceRequestObject) (apigen.GetKnowledgeSourceResponseObject, error) {
	src, err := h.svc.Get(ctx, req.TenantId, req.SourceId)
	if err != nil {
		return nil, err
	}
	return apigen.GetKnowledgeSource200JSONResponse(toSource(src)), nil
}

func (h *Handler) UpdateKnowledgeSource(ctx context.Context, req apigen.UpdateKnowledgeSourceRequestObject) (apigen.UpdateKnowledgeSourceResponseObject, error) {
	b := req.Body
	src, err := h.svc.Update(ctx, req.TenantId, req.SourceId, SourcePatch{Title: b.Title, Text: b.Text, Question: b.Question, ResyncHours: b.ResyncHours})
	if err != nil {
		return nil, err
	}
	return apigen.UpdateKnowledgeSource200JSONResponse(toSource(src)), nil
}

func (h *Handler) DeleteKnowledgeSource(ctx context.Context, req apigen.DeleteKnowledgeSourceRequestObject) (apigen.DeleteKnowledgeSourceResponseObject, error) {
	if err := h.svc.Delete(ctx, req.TenantId, req.SourceId); err != nil {
		return nil, err
	}
	return apigen.DeleteKnowledgeSource204Response{}, nil
}

func (h *Handler) SyncKnowledgeSource(ctx context.Context, req apigen.SyncKnowledgeSourceRequestObject) (apigen.SyncKnowledgeSourceResponseObject, error) {
	src, err := h.svc.Sync(ctx, req.TenantId, req.SourceId)
	if err != nil {
		return nil, err
	}
	return apigen.SyncKnowledgeSource202JSONResponse(toSource(src)), nil
}

func (h *Handler) ListKnowledgeChunks(ctx context.Context, req apigen.ListKnowledgeChunksRequestObject) (apigen.ListKnowledgeChunksResponseObject, error) {
	page, err := paging.Parse(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	list, n, err := h.svc.Chunks(ctx, req.TenantId, req.SourceId, page)
	if err != nil {
		return nil, err
	}
	out := apigen.KnowledgeChunkList{Items: make([]apigen.KnowledgeChunk, 0, len(list)), NextCursor: next(n)}
	for _, c := range list {
		out.Items = append(out.Items, toChunk(c))
	}
	return apigen.ListKnowledgeChunks200JSONResponse(out), nil
}

func (h *Handler) SearchKnowledge(ctx context.Context, req apigen.SearchKnowledgeRequestObject) (apigen.SearchKnowledgeResponseObject, error) {
	limit := 10
	if req.Body.Limit != nil {
		limit = *req.Body.Limit
	}
	res, err := h.svc.Search(ctx, req.TenantId, req.Body.AgentId, req.Body.Query, limit)
	if err != nil {
		return nil, err
	}
	out := apigen.KnowledgeSearchResult{Items: make([]apigen.KnowledgeHit, 0, len(res.Hits)), Embedder: res.Embedder, Relevant: res.Relevant}
	for _, hit := range res.Hits {
		item := apigen.KnowledgeHit{Chunk: toChunk(hit.Chunk), FusedRank: hit.FusedRank, FusedScore: hit.FusedScore, InBudget: hit.InBudget,
			KeywordRank: nullable.NewNullNullable[int](), KeywordScore: nullable.NewNullNullable[float64](),
			VectorRank: nullable.NewNullNullable[int](), VectorScore: nullable.NewNullNullable[float64]()}
		if hit.KeywordRank > 0 {
			item.KeywordRank.Set(hit.KeywordRank)
			item.KeywordScore.Set(hit.KeywordScore)
		}
		if hit.VectorRank > 0 {
			item.VectorRank.Set(hit.VectorRank)
		}
		if hit.HasSimilarity {
			item.VectorScore.Set(hit.Similarity)
		}
		out.Items = append(out.Items, item)
	}
	return apigen.SearchKnowledge200JSONResponse(out), nil
}

func (h *Handler) ListKnowledgeGaps(ctx context.Context, req apigen.ListKnowledgeGapsRequestObject) (apigen.ListKnowledgeGapsResponseObject, error) {
	page, err := paging.Parse(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	status := "open"
	if req.Params.Status != nil {
		status = string(*req.Params.Status)
	}
	list, n, err := h.svc.Gaps(ctx, req.TenantId, status, page)
	if err != nil {
		return nil, err
	}
	out := apigen.KnowledgeGapList{Items: make([]apigen.KnowledgeGap, 0, len(list)), NextCursor: next(n)}
	for _, g := range list {
		out.Items = append(out.Items, apigen.KnowledgeGap{Id: g.ID, Question: g.Question, Asked: g.Asked, Conversations: g.Conversations,
			Status: apigen.KnowledgeGapStatus(g.Status), AgentId: nptr(g.AgentID), SourceId: nptr(g.SourceID),
			FirstAskedAt: g.FirstAskedAt, LastAskedAt: g.LastAskedAt})
	}
	return apigen.ListKnowledgeGaps200JSONResponse(out), nil
}

func (h *Handler) AnswerKnowledgeGap(ctx context.Context, req apigen.AnswerKnowledgeGapRequestObject) (apigen.AnswerKnowledgeGapResponseObject, error) {
	title := ""
	if req.Body.Title != nil {
		title = *req.Body.Title
	}
	src, err := h.svc.AnswerGap(ctx, req.TenantId, req.GapId, req.Body.Answer, title)
	if err != nil {
		return nil, err
	}
	return apigen.AnswerKnowledgeGap201JSONResponse(toSource(src)), nil
}

func (h *Handler) DismissKnowledgeGap(ctx context.Context, req apigen.DismissKnowledgeGapRequestObject) (apigen.DismissKnowledgeGapResponseObject, error) {
	if err := h.svc.DismissGap(ctx, req.TenantId, req.GapId); err != nil {
		return nil, err
	}
	return apigen.DismissKnowledgeGap204Response{}, nil
}

func toSettings(s *Settings) apigen.AgentKnowledge {
	return apigen.AgentKnowledge{SourceIds: s.SourceIDs, TokenBudget: s.TokenBudget, WhenUnknown: apigen.AgentKnowledgeWhenUnknown(s.WhenUnknown)}
}

func (h *Handler) GetAgentKnowledge(ctx context.Context, req apigen.GetAgentKnowledgeRequestObject) (apigen.GetAgentKnowledgeResponseObject, error) {
	s, err := h.svc.AgentSettings(ctx, req.TenantId, req.AgentId)
	if err != nil {
		return nil, err
	}
	return apigen.GetAgentKnowledge200JSONResponse(toSettings(s)), nil
}

func (h *Handler) PutAgentKnowledge(ctx context.Context, req apigen.PutAgentKnowledgeRequestObject) (apigen.PutAgentKnowledgeResponseObject, error) {
	in := Settings{SourceIDs: req.Body.SourceIds, TokenBudget: DefaultTokenBudget, WhenUnknown: SayUnknown}
	if req.Body.TokenBudget != nil {
		in.TokenBudget = *req.Body.TokenBudget
	}
	if req.Body.WhenUnknown != nil {
		in.WhenUnknown = string(*req.Body.WhenUnknown)
	}
	s, err := h.svc.SetAgentSettings(ctx, req.TenantId, req.AgentId, in)
	if err != nil {
		return nil, err
	}
	return apigen.PutAgentKnowledge200JSONResponse(toSettings(s)), nil
}

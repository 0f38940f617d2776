package knowledge

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/konstruct/konstruct/api/store"
)

// The embedding backfill: after EMBEDDER or its model changes, every chunk
// whose embedder differs is embedded again, in batches of backfillBatch, each
// batch its own transaction (so a stopped backfill resumes where it was: the
// chunks left are those still marked with another embedder). Each source
// shows the backfill's progress in progress_done/progress_total while its
// chunks are redone. The tenant's IVF lists are retrained after (MaintainIVF:
// the embedder changed).

const backfillBatch = 64

// stale is the chunks the configured embedder (?) did not make.
const stale = "(embedder <> ? OR embedding IS NULL)"

// BackfillArgs re-embeds one tenant's chunks made by another embedder.
type BackfillArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
}

// Kind names the job.
func (BackfillArgs) Kind() string { return "knowledge.backfill" }

// InsertOpts: one backfill per tenant at a time.
func (BackfillArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	}}}
}

// BackfillWorker works BackfillArgs.
type BackfillWorker struct {
	river.WorkerDefaults[BackfillArgs]
	Knowledge *Service
}

// Timeout allows a large tenant; a backfill cut short resumes on retry.
func (*BackfillWorker) Timeout(*river.Job[BackfillArgs]) time.Duration { return 30 * time.Minute }

// Work re-embeds the tenant's stale chunks.
func (w *BackfillWorker) Work(ctx context.Context, job *river.Job[BackfillArgs]) error {
	_, err := w.Knowledge.BackfillTenant(ctx, job.Args.TenantID, nil)
	return err
}

// EnqueueBackfill queues a tenant's backfill job (a no-op while one is queued
// or running).
func (s *Service) EnqueueBackfill(ctx context.Context, tenantID uuid.UUID) error {
	return s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.InsertJob(ctx, BackfillArgs{TenantID: tenantID}, nil)
		return err
	})
}

// BackfillProgress is told how many chunks are done of how many.
type BackfillProgress func(done, total int)

// StaleChunks counts a tenant's chunks the configured embedder did not make.
func (s *Service) StaleChunks(ctx context.Context, tenantID uuid.UUID) (int, error) {
	var n int
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		return tx.NewRaw("SELECT count(*) FROM knowledge_chunks WHERE "+stale, s.opts.Embedder.ID()).Scan(ctx, &n)
	})
	return n, err
}

// staleTenants lists the tenants with chunks the configured embedder did not
// make (knowledge_stale_tenants: ids only, one statement across tenants).
func (s *Service) staleTenants(ctx context.Context) ([]uuid.UUID, error) {
	var tenants []uuid.UUID
	err := s.opts.Store.DB.NewRaw("SELECT t FROM knowledge_stale_tenants(?) AS t", s.opts.Embedder.ID()).Scan(ctx, &tenants)
	return tenants, err
}

// EnqueueBackfills queues a backfill job for every tenant with stale chunks
// and returns how many.
func (s *Service) EnqueueBackfills(ctx context.Context) (int, error) {
	tenants, err := s.staleTenants(ctx)
	if err != nil {
		return 0, err
	}
	for i, t := range tenants {
		if err := s.EnqueueBackfill(ctx, t); err != nil {
			return i, err
		}
	}
	return len(tenants), nil
}

// BackfillCheckArgs queues the backfills an embedder change calls for.
type BackfillCheckArgs struct{}

// Kind names the job.
func (BackfillCheckArgs) Kind() string { return "knowledge.backfill_check" }

// BackfillCheckPeriodic runs the check when the workers start — EMBEDDER
// changes only with a restart — and then daily, in case a start's check was
// lost. Each run is one statement across tenants.
func BackfillCheckPeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return BackfillCheckArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})
}

// BackfillCheckWorker works BackfillCheckArgs.
type BackfillCheckWorker struct {
	river.WorkerDefaults[BackfillCheckArgs]
	Knowledge *Service
}

// Work queues a backfill for each tenant with stale chunks (a tenant whose
// backfill is queued or running already is not queued twice: BackfillArgs is
// unique).
func (w *BackfillCheckWorker) Work(ctx context.Context, _ *river.Job[BackfillCheckArgs]) error {
	_, err := w.Knowledge.EnqueueBackfills(ctx)
	return err
}

// Backfill re-embeds the stale chunks of every tenant (the command line),
// and returns how many it embedded.
func (s *Service) Backfill(ctx context.Context, progress BackfillProgress) (int, error) {
	tenants, err := s.staleTenants(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	todo := map[uuid.UUID]int{}
	for _, t := range tenants {
		n, err := s.StaleChunks(ctx, t)
		if err != nil {
			return 0, err
		}
		todo[t] = n
		total += n
	}
	if progress != nil {
		progress(0, total)
	}
	done := 0
	for _, t := range tenants {
		if todo[t] == 0 {
			continue
		}
		base := done
		n, err := s.BackfillTenant(ctx, t, func(d, _ int) {
			if progress != nil {
				progress(base+d, total)
			}
		})
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// BackfillTenant re-embeds a tenant's stale chunks source by source, then
// maintains its IVF lists, and returns how many chunks it embedded.
func (s *Service) BackfillTenant(ctx context.Context, tenantID uuid.UUID, progress BackfillProgress) (int, error) {
	embedder := s.opts.Embedder.ID()
	type todo struct {
		SourceID uuid.UUID `bun:"source_id"`
		N        int       `bun:"n"`
	}
	var sources []todo
	if err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		return tx.NewRaw("SELECT source_id, count(*) AS n FROM knowledge_chunks WHERE "+stale+" GROUP BY source_id ORDER BY source_id",
			embedder).Scan(ctx, &sources)
	}); err != nil {
		return 0, err
	}
	total := 0
	for _, t := range sources {
		total += t.N
	}
	done := 0
	if progress != nil {
		progress(0, total)
	}
	for _, src := range sources {
		if err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE knowledge_sources SET progress_done = 0, progress_total = ?, updated_at = now() WHERE id = ?", src.N, src.SourceID)
			return err
		}); err != nil {
			return done, err
		}
		sourceDone := 0
		for {
			n, err := s.backfillBatch(ctx, tenantID, src.SourceID, embedder, sourceDone)
			if err != nil {
				return done, err
			}
			if n == 0 {
				break
			}
			sourceDone += n
			done += n
			if progress != nil {
				progress(done, total)
			}
		}
	}
	if _, err := s.MaintainIVF(ctx, tenantID); err != nil {
		return done, err
	}
	return done, nil
}

// backfillBatch re-embeds up to backfillBatch stale chunks of one source in
// one transaction (with the source's progress), and returns how many.
func (s *Service) backfillBatch(ctx context.Context, tenantID, sourceID uuid.UUID, embedder string, doneBefore int) (int, error) {
	var rows []Chunk
	if err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		return tx.NewRaw("SELECT "+chunkColumns+" FROM knowledge_chunks c WHERE c.source_id = ? AND "+stale+" ORDER BY c.id LIMIT ?",
			sourceID, embedder, backfillBatch).Scan(ctx, &rows)
	}); err != nil || len(rows) == 0 {
		return 0, err
	}
	texts := make([]string, len(rows))
	for i, c := range rows {
		texts[i] = embedText(c.Title, Passage{Text: c.Text, HeadingPath: c.HeadingPath})
	}
	// Embedded outside any transaction (it may be a network call).
	vecs, err := s.opts.Embedder.Embed(ctx, texts)
	if err != nil {
		return 0, fmt.Errorf("knowledge: embed: %w", err)
	}
	ids := make([]uuid.UUID, len(rows))
	raw := make([][]byte, len(rows))
	entries := make([][]byte, len(rows))
	for i, c := range rows {
		ids[i], raw[i], entries[i] = c.ID, encode(vecs[i]), ivfEntry(c.ID, vecs[i])
	}
	err = s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE knowledge_chunks c SET embedder = ?, embedding = v.e
			FROM unnest(?::uuid[], ?::bytea[]) AS v(id, e) WHERE c.id = v.id`,
			embedder, uuidArray(ids), pgdialect.Array(raw)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO knowledge_vectors (tenant_id, chunk_id, source_id, embedder, entry)
			SELECT ?, v.id, ?, ?, v.q FROM unnest(?::uuid[], ?::bytea[]) AS v(id, q)
			ON CONFLICT (tenant_id, chunk_id) DO UPDATE SET embedder = EXCLUDED.embedder, entry = EXCLUDED.entry, ivf_list = -1`,
			tenantID, sourceID, embedder, uuidArray(ids), pgdialect.Array(entries)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE knowledge_sources SET progress_done = ? WHERE id = ?", doneBefore+len(rows), sourceID)
		return err
	})
	if err != nil {
		return 0, err
	}
	return len(rows), nil
}

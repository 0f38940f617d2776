package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Store is the process's database handle.
type Store struct {
	Pool *pgxpool.Pool
	DB   *bun.DB
	jobs *river.Client[pgx.Tx]
}

// OpenOpts configures Open.
type OpenOpts struct {
	MaxConns int32
	// AppName shows up in pg_stat_activity.
	AppName string
	// Tracer, when set, sees every statement of every connection (the
	// bench counts round trips with it).
	Tracer pgx.QueryTracer
}

// Open connects to PostgreSQL and checks the connection.
func Open(ctx context.Context, url string, opts OpenOpts) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.AppName != "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = opts.AppName
	}
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.AfterConnect = func(_ context.Context, conn *pgx.Conn) error {
		registerUUID(conn)
		return nil
	}
	if opts.Tracer != nil {
		cfg.ConnConfig.Tracer = opts.Tracer
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database %s@%s/%s: %w", cfg.ConnConfig.User, cfg.ConnConfig.Host, cfg.ConnConfig.Database, err)
	}
	return New(pool), nil
}

// New wraps an existing pool.
func New(pool *pgxpool.Pool) *Store {
	sqldb := openBunDB(pool)
	// Unknown columns are ignored when scanning: a migration that adds a
	// column must not break a binary of the previous version still running
	// during a rolling deploy (RETURNING *, SELECT *).
	return &Store{Pool: pool, DB: bun.NewDB(sqldb, pgDialect{pgdialect.New()}, bun.WithDiscardUnknownColumns())}
}

// AttachJobs gives tenant transactions a River client to insert jobs with.
// The client is built after the store because it needs the store's pool.
func (s *Store) AttachJobs(c *river.Client[pgx.Tx]) { s.jobs = c }

// Jobs returns the attached River client (nil before AttachJobs).
func (s *Store) Jobs() *river.Client[pgx.Tx] { return s.jobs }

// Close releases every connection.
func (s *Store) Close() {
	_ = s.DB.Close()
	s.Pool.Close()
}

// Tx is a transaction scoped to one tenant. It embeds bun.Tx, so every bun
// query builder is available, and adds job insertion in the same transaction.
type Tx struct {
	bun.Tx
	TenantID uuid.UUID
	conn     *sql.Conn
	jobs     *river.Client[pgx.Tx]
	state    *txState
}

// WithTenant runs fn in a transaction whose row-level-security tenant is
// tenantID. fn's error (or a panic) rolls everything back, jobs included.
func (s *Store) WithTenant(ctx context.Context, tenantID uuid.UUID, fn func(ctx context.Context, tx Tx) error) (err error) {
	tx, err := s.BeginTenant(ctx, tenantID)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
			return
		}
		err = tx.Commit()
	}()
	return fn(ctx, tx)
}

// BeginTenant opens a tenant transaction that the caller must end with
// Commit or Rollback (both release the connection). Prefer WithTenant; this
// form exists for tests that roll back at cleanup.
func (s *Store) BeginTenant(ctx context.Context, tenantID uuid.UUID) (Tx, error) {
	if tenantID == uuid.Nil {
		return Tx{}, errors.New("store: a tenant transaction needs a tenant id")
	}
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return Tx{}, fmt.Errorf("store: acquire connection: %w", err)
	}
	// The driver begins the transaction, with its tenant, in the round trip
	// of its first statement (lazybegin.go).
	st := &txState{}
	btx, err := conn.BeginTx(withTenantBegin(ctx, tenantID, st), nil)
	if err != nil {
		conn.Close()
		return Tx{}, fmt.Errorf("store: begin tenant transaction: %w", err)
	}
	return Tx{Tx: btx, TenantID: tenantID, conn: conn.Conn, jobs: s.jobs, state: st}, nil
}

// Commit commits the transaction and releases its connection.
func (tx Tx) Commit() error {
	defer tx.conn.Close()
	return tx.Tx.Commit()
}

// Rollback rolls the transaction back and releases its connection.
func (tx Tx) Rollback() error {
	defer tx.conn.Close()
	return tx.Tx.Rollback()
}

// InsertJob inserts a River job inside the transaction: it becomes visible to
// workers only when the transaction commits, and vanishes if it rolls back.
//
// River follows its insert with a NOTIFY to wake the workers (at most one per
// queue every fetch cooldown). A notification is delivered at commit, not
// when it is sent, so it waits for the transaction's next round trip (its
// next batch, or its COMMIT) instead of taking one of its own: what River
// runs only for its effect (pgx Exec) is deferred while it inserts. A failure
// of the deferred statement fails that round trip, and the transaction rolls
// back with the job.
func (tx Tx) InsertJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return tx.insertJob(ctx, false, args, opts)
}

// InsertJobAndCommit is InsertJob with the transaction's COMMIT sent behind
// River's insert, in the same round trip (with the begin and whatever was
// deferred in front of it): a transaction whose last write is a job costs
// one round trip in all. It must be the transaction's last statement, as
// with SendAndCommit; a statement in front of it that fails (a deferred
// one's raised error, say) skips the insert and the COMMIT, and the
// transaction rolls back as usual. River's NOTIFY, which follows the insert,
// is sent by WithTenant's commit, after the commit it would have waited for
// anyway (at most once per queue per fetch cooldown).
func (tx Tx) InsertJobAndCommit(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	if tx.state == nil {
		return nil, errors.New("store: InsertJobAndCommit needs a tenant transaction")
	}
	return tx.insertJob(ctx, true, args, opts)
}

func (tx Tx) insertJob(ctx context.Context, commit bool, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	if tx.jobs == nil {
		return nil, errors.New("store: no job client attached (AttachJobs)")
	}
	if tx.state != nil && tx.state.committed {
		return nil, errCommitted
	}
	var res *rivertype.JobInsertResult
	err := tx.pgx(true, func(ptx pgx.Tx) error {
		c := ptx.(connTx)
		c.st.commitNext = commit
		defer func() { c.st.commitNext = false }()
		var err error
		if res, err = tx.jobs.InsertTx(ctx, ptx, args, opts); err != nil || !commit {
			return err
		}
		if !c.st.committed {
			// River sent its insert in a way that cannot carry the
			// COMMIT (not as one batched statement): say so rather than
			// leave the caller believing the job committed.
			return errors.New("store: the job's insert did not carry the transaction's COMMIT")
		}
		tx.state.committed = true
		return nil
	})
	return res, err
}

// Pgx runs fn with the transaction seen as a pgx.Tx, for River calls that take
// one (InsertTx, JobCompleteTx) and pgx batches. fn must not commit or roll
// back. Its error is classified like any statement's.
func (tx Tx) Pgx(fn func(pgx.Tx) error) error { return tx.pgx(false, fn) }

// pgx is Pgx; deferExecs defers fn's pgx Exec statements to the next round
// trip (InsertJob).
func (tx Tx) pgx(deferExecs bool, fn func(pgx.Tx) error) error {
	return tx.conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(simpleQueryConn)
		if !ok {
			return fmt.Errorf("store: unexpected driver connection %T", driverConn)
		}
		if deferExecs {
			c.st.deferExecs = true
			defer func() { c.st.deferExecs = false }()
		}
		return Classify(fn(connTx{conn: c.Conn.Conn(), st: c.st}))
	})
}

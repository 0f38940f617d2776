package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/konstruct/konstruct/db"
)

// migrationLockID is the advisory lock goose holds while migrating, so two
// processes migrating the same database at once apply each step once.
const migrationLockID = 0x6b6f6e73 // "kons"

// MigrateResult says what Migrate applied.
type MigrateResult struct {
	AppVersion   int64
	RiverVersion int
	Applied      []string
}

// Migrate brings the database at ownerURL up to date: Konstruct's migrations
// (db/migrations), then River's, then the grants River's tables need for the
// application role. It is idempotent and safe to run from several processes.
func Migrate(ctx context.Context, ownerURL string, log *slog.Logger) (*MigrateResult, error) {
	cfg, err := pgxpool.ParseConfig(ownerURL)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	cfg.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect as owner: %w", err)
	}
	defer pool.Close()
	if err := pool.Ping(ctx); err != nil {
		return nil, fmt.Errorf("connect as owner %s@%s/%s: %w", cfg.ConnConfig.User, cfg.ConnConfig.Host, cfg.ConnConfig.Database, err)
	}
	sqldb := stdlib.OpenDBFromPool(pool)
	defer sqldb.Close()

	res := &MigrateResult{}
	provider, err := newGoose(sqldb, true)
	if err != nil {
		return nil, err
	}
	applied, err := provider.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("apply migrations: %w", err)
	}
	for _, r := range applied {
		res.Applied = append(res.Applied, r.Source.Path)
		log.Info("migration applied", "path", r.Source.Path, "duration", r.Duration)
	}
	if res.AppVersion, err = provider.GetDBVersion(ctx); err != nil {
		return nil, fmt.Errorf("read migration version: %w", err)
	}

	rm, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("river migrator: %w", err)
	}
	rres, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, fmt.Errorf("apply river migrations: %w", err)
	}
	for _, v := range rres.Versions {
		res.Applied = append(res.Applied, fmt.Sprintf("river/%03d_%s", v.Version, v.Name))
	}
	if all := rm.AllVersions(); len(all) > 0 {
		res.RiverVersion = all[len(all)-1].Version
	}

	// River's tables are not tenant tables: the application role works jobs
	// and so needs full DML on them — but for River's migration table, which
	// only the owner changes. Goose's version table and River's migration
	// table are readable so /readyz can tell whether migrations are current.
	if _, err := pool.Exec(ctx, grantRiverSQL); err != nil {
		return nil, fmt.Errorf("grant river tables to %s: %w", "konstruct_app", err)
	}
	return res, nil
}

const grantRiverSQL = `
DO $$
DECLARE t record;
BEGIN
  FOR t IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = current_schema() AND c.relname LIKE 'river\_%' AND c.relkind IN ('r', 'u', 'p', 'S')
  LOOP
    IF t.relkind = 'S' THEN
      EXECUTE format('GRANT USAGE, SELECT, UPDATE ON SEQUENCE %I TO konstruct_app', t.relname);
    ELSIF t.relname = 'river_migration' THEN
      -- Only the migrating owner changes River's schema; /readyz reads it.
      EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON TABLE %I FROM konstruct_app', t.relname);
      EXECUTE format('GRANT SELECT ON TABLE %I TO konstruct_app', t.relname);
    ELSE
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %I TO konstruct_app', t.relname);
    END IF;
  END LOOP;
  GRANT SELECT ON goose_db_version TO konstruct_app;
END $$`

func newGoose(sqldb *sql.DB, locking bool) (*goose.Provider, error) {
	fsys, err := fs.Sub(db.Migrations, "migrations")
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if locking {
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockID))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(goose.DialectPostgres, sqldb, fsys, opts...)
}

// ErrMigrationsPending means the database is behind the binary.
var ErrMigrationsPending = errors.New("database migrations are not current; run `konstruct migrate`")

// CheckMigrations reports whether the database has every migration this
// binary knows, both Konstruct's and River's. It runs as the application role.
func (s *Store) CheckMigrations(ctx context.Context) error {
	provider, err := newGoose(s.DB.DB, false)
	if err != nil {
		return err
	}
	sources := provider.ListSources()
	var want int64
	if len(sources) > 0 {
		want = sources[len(sources)-1].Version
	}
	var have int64
	if err := s.Pool.QueryRow(ctx, "SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied").Scan(&have); err != nil {
		return fmt.Errorf("%w: %v", ErrMigrationsPending, err)
	}
	if have < want {
		return fmt.Errorf("%w (schema at %d, binary needs %d)", ErrMigrationsPending, have, want)
	}

	rm, err := rivermigrate.New(riverpgxv5.New(s.Pool), nil)
	if err != nil {
		return err
	}
	res, err := rm.Validate(ctx, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMigrationsPending, err)
	}
	if !res.OK {
		return fmt.Errorf("%w: river: %v", ErrMigrationsPending, res.Messages)
	}
	return nil
}

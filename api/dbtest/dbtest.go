// Package dbtest gives each test package its own PostgreSQL database, cloned
// from a template that was migrated once, so packages run in parallel and stay
// isolated without mocks.
//
// A package opts in with
//
//	func TestMain(m *testing.M) { dbtest.Main(m) }
//
// and each test calls dbtest.New(t) for the package's handles. Tests inside a
// package share the database, so they create their own tenants and never
// assume a table is empty.
//
// The server is TEST_DATABASE_URL (a superuser; default
// postgres://postgres@127.0.0.1:5432/postgres). Templates are named after a
// hash of the migrations, so changing a migration builds a fresh one.
package dbtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/config"
	"github.com/konstruct/konstruct/api/store"
	"github.com/konstruct/konstruct/db"
)

// DB is a test package's database.
type DB struct {
	Name     string
	OwnerURL string // superuser: bypasses RLS, for fixtures and inspection
	AppURL   string // konstruct_app: what the product uses
	Owner    *pgxpool.Pool
	Store    *store.Store // as konstruct_app
}

var (
	pkgOnce   sync.Once
	pkgDB     *DB
	pkgErr    error
	teardowns []func()
	teardownM sync.Mutex
)

// OnTeardown registers f to run after the package's tests, before its
// database is dropped (for servers that share the database across tests).
func OnTeardown(f func()) {
	teardownM.Lock()
	defer teardownM.Unlock()
	teardowns = append(teardowns, f)
}

// Main runs the package's tests and drops the package database afterwards.
func Main(m *testing.M) {
	code := m.Run()
	for i := len(teardowns) - 1; i >= 0; i-- {
		teardowns[i]()
	}
	if pkgDB != nil {
		pkgDB.Store.Close()
		pkgDB.Owner.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_ = dropDatabase(ctx, pkgDB.Name)
		cancel()
	}
	os.Exit(code)
}

// New returns the package's database, creating it on first use.
func New(t testing.TB) *DB {
	t.Helper()
	pkgOnce.Do(func() { pkgDB, pkgErr = create(context.Background()) })
	require.NoError(t, pkgErr, "test database")
	return pkgDB
}

// Isolated returns a database of the test's own, cloned from the template
// and dropped when the test ends. Tests whose servers work River jobs need
// one: workers of servers sharing a database would take each other's jobs.
func Isolated(t testing.TB) *DB {
	t.Helper()
	New(t) // builds the template and cleans up stale databases once
	d, err := clone(context.Background())
	require.NoError(t, err, "isolated test database")
	t.Cleanup(func() {
		d.Store.Close()
		d.Owner.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = dropDatabase(ctx, d.Name)
	})
	return d
}

// AdminURL is the superuser connection tests use to create databases.
func AdminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// WithDatabase returns AdminURL pointed at another database.
func WithDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

// TenantTx opens a transaction for tenantID as the application role and rolls
// it back when the test ends.
func (d *DB) TenantTx(t testing.TB, tenantID uuid.UUID) store.Tx {
	t.Helper()
	tx, err := d.Store.BeginTenant(context.Background(), tenantID)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback() })
	return tx
}

func create(ctx context.Context) (*DB, error) {
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return nil, fmt.Errorf("connect to %s (set TEST_DATABASE_URL to a superuser URL): %w", redact(AdminURL()), err)
	}
	defer admin.Close(ctx)

	if _, err := ensureTemplate(ctx, admin); err != nil {
		return nil, err
	}
	dropStale(ctx, admin)
	return clone(ctx)
}

// clone creates a database from the current template.
func clone(ctx context.Context) (*DB, error) {
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return nil, err
	}
	defer admin.Close(ctx)
	tpl := "konstruct_tpl_" + migrationsHash()
	name := fmt.Sprintf("konstruct_test_%s_%d_%s", packageSlug(), os.Getpid(), uuid.NewString()[:6])
	var lastErr error
	for attempt := 0; attempt < 20; attempt++ {
		_, lastErr = admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", pgx.Identifier{name}.Sanitize(), pgx.Identifier{tpl}.Sanitize()))
		if lastErr == nil || !strings.Contains(lastErr.Error(), "is being accessed by other users") {
			break
		}
		time.Sleep(100 * time.Millisecond) // another package is cloning the template right now
	}
	if lastErr != nil {
		return nil, fmt.Errorf("clone template: %w", lastErr)
	}

	d := &DB{Name: name, OwnerURL: WithDatabase(AdminURL(), name)}
	if d.AppURL, err = config.DeriveAppURL(d.OwnerURL); err != nil {
		return nil, err
	}
	if d.Owner, err = pgxpool.New(ctx, d.OwnerURL); err != nil {
		return nil, err
	}
	if d.Store, err = store.Open(ctx, d.AppURL, store.OpenOpts{MaxConns: 20, AppName: "konstruct-test"}); err != nil {
		return nil, err
	}
	return d, nil
}

// ensureTemplate builds the migrated template once per migration set, under
// a cluster-wide advisory lock so parallel packages build it once.
func ensureTemplate(ctx context.Context, admin *pgx.Conn) (string, error) {
	name := "konstruct_tpl_" + migrationsHash()
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(hashtext('konstruct_test_template'))"); err != nil {
		return "", err
	}
	defer admin.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(hashtext('konstruct_test_template'))") //nolint:errcheck

	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	_ = dropDatabase(ctx, building)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{building}.Sanitize()); err != nil {
		return "", fmt.Errorf("create template: %w", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := store.Migrate(ctx, WithDatabase(AdminURL(), building), log); err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	// Renaming last means a half-built template is never used.
	if _, err := admin.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", pgx.Identifier{building}.Sanitize(), pgx.Identifier{name}.Sanitize())); err != nil {
		return "", fmt.Errorf("publish template: %w", err)
	}
	// The build time is kept as the database comment, so templates of other
	// migration sets are dropped only once they are old: another checkout of
	// the project may be testing with one right now.
	if _, err := admin.Exec(ctx, fmt.Sprintf("COMMENT ON DATABASE %s IS '%d'", pgx.Identifier{name}.Sanitize(), time.Now().Unix())); err != nil {
		return "", err
	}
	rows, err := admin.Query(ctx, `SELECT d.datname FROM pg_database d
		WHERE d.datname LIKE 'konstruct\_tpl\_%' AND d.datname <> $1
		  AND coalesce(nullif(shobj_description(d.oid, 'pg_database'), '')::bigint, 0) < $2`, name, time.Now().Add(-6*time.Hour).Unix())
	if err == nil {
		old, _ := pgx.CollectRows(rows, pgx.RowTo[string])
		for _, o := range old {
			_ = dropDatabase(ctx, o)
		}
	}
	return name, nil
}

var testDBName = regexp.MustCompile(`^konstruct_test_.+_(\d+)_[0-9a-f]{6}$`)

// dropStale removes databases left by test processes that died before Main
// could drop them (their pid no longer exists).
func dropStale(ctx context.Context, admin *pgx.Conn) {
	rows, err := admin.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'konstruct\\_test\\_%'")
	if err != nil {
		return
	}
	names, _ := pgx.CollectRows(rows, pgx.RowTo[string])
	for _, n := range names {
		m := testDBName.FindStringSubmatch(n)
		if m == nil {
			continue
		}
		pid, _ := strconv.Atoi(m[1])
		if pid > 0 && syscall.Kill(pid, 0) == syscall.ESRCH {
			_ = dropDatabase(ctx, n)
		}
	}
}

func dropDatabase(ctx context.Context, name string) error {
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}

// migrationsHash fingerprints everything that shapes the schema: our SQL
// files and the River version (its migrations are part of the template).
func migrationsHash() string {
	h := sha256.New()
	_ = fs.WalkDir(db.Migrations, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := db.Migrations.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(data))
		h.Write(data)
		return nil
	})
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if strings.HasPrefix(dep.Path, "github.com/riverqueue/river") {
				fmt.Fprintf(h, "%s@%s\x00", dep.Path, dep.Version)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func packageSlug() string {
	wd, err := os.Getwd()
	if err != nil {
		return "pkg"
	}
	slug := strings.ToLower(regexp.MustCompile(`[^a-zA-Z0-9]+`).ReplaceAllString(filepath.Base(wd), "_"))
	if len(slug) > 20 {
		slug = slug[:20]
	}
	return slug
}

func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(unparseable URL)"
}

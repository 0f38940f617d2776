package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// openBunDB opens the database/sql handle bun uses over the shared pool.
//
// bun interpolates arguments into the SQL text itself, so nearly every query
// it sends is a distinct string with no parameters. pgx's default mode
// prepares each distinct text before running it (a Parse/Describe round trip),
// caches it and later deallocates it: two round trips and two parses per
// query, for statements that never run again. Queries without parameters are
// therefore sent by the simple protocol, one round trip each. Callers that
// pass parameters (River, the pgx paths in this package) keep pgx's cached
// prepared statements. pgx already does the same for Exec without arguments;
// this extends it to queries that return rows (RETURNING, SELECT).
// Measured with `go tool task bench`: see docs/performance.md.
func openBunDB(pool *pgxpool.Pool) *sql.DB {
	db := sql.OpenDB(simpleQueryConnector{stdlib.GetPoolConnector(pool)})
	// As stdlib.OpenDBFromPool does: database/sql holds no idle
	// connections, so bun and River draw from one pool and neither can
	// starve the other.
	db.SetMaxIdleConns(0)
	return db
}

type simpleQueryConnector struct{ driver.Connector }

func (c simpleQueryConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	pc, ok := conn.(*stdlib.Conn)
	if !ok {
		_ = conn.Close()
		return nil, fmt.Errorf("store: unexpected driver connection %T", conn)
	}
	return simpleQueryConn{pc}, nil
}

// simpleQueryConn is a pgx stdlib connection whose parameterless queries use
// the simple protocol. Every other method is the stdlib connection's.
type simpleQueryConn struct{ *stdlib.Conn }

var simpleProtocol = []driver.NamedValue{{Ordinal: 1, Value: pgx.QueryExecModeSimpleProtocol}}

func (c simpleQueryConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 {
		args = simpleProtocol
	}
	return c.Conn.QueryContext(ctx, query, args)
}

type tenantKey struct{}

// withTenantBegin marks a BeginTx context: the transaction begins with the
// row-level-security tenant already set.
func withTenantBegin(ctx context.Context, tenantID uuid.UUID) context.Context {
	return context.WithValue(ctx, tenantKey{}, tenantID)
}

// BeginTx sends BEGIN and the tenant's set_config as one simple-protocol
// round trip when the context carries a tenant (BeginTenant). Every tenant
// transaction starts this way, and a turn runs several: a separate set_config
// was one more round trip each, on the path of every webhook and reply.
// The tenant is a uuid.UUID, whose text form cannot carry SQL.
func (c simpleQueryConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tenantID, ok := ctx.Value(tenantKey{}).(uuid.UUID)
	if !ok {
		return c.Conn.BeginTx(ctx, opts)
	}
	if opts.Isolation != 0 || opts.ReadOnly {
		// Never begin a tenant transaction without its tenant.
		return nil, errors.New("store: tenant transactions use the default isolation and access mode")
	}
	pc := c.Conn.Conn()
	if pc.IsClosed() {
		return nil, driver.ErrBadConn
	}
	tx, err := pc.BeginTx(ctx, pgx.TxOptions{
		BeginQuery: "BEGIN; SELECT set_config('app.current_tenant', '" + tenantID.String() + "', true)",
	})
	if err != nil {
		if pc.PgConn().TxStatus() != 'I' {
			// BEGIN ran but set_config failed: end the transaction here,
			// or the connection would go back to the pool inside it.
			_, _ = pc.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
		return nil, err
	}
	return pgxDriverTx{ctx: ctx, tx: tx}, nil
}

// pgxDriverTx is a pgx transaction seen by database/sql (as stdlib's own
// wrapper, which is unexported).
type pgxDriverTx struct {
	ctx context.Context
	tx  pgx.Tx
}

func (t pgxDriverTx) Commit() error   { return t.tx.Commit(t.ctx) }
func (t pgxDriverTx) Rollback() error { return t.tx.Rollback(t.ctx) }

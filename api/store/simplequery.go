package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"

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
// the simple protocol, and whose errors are classified (Classify) on the way
// out: every statement bun sends passes here, so no caller has to remember
// to. Every other method is the stdlib connection's.
type simpleQueryConn struct{ *stdlib.Conn }

var simpleProtocol = []driver.NamedValue{{Ordinal: 1, Value: pgx.QueryExecModeSimpleProtocol}}

func (c simpleQueryConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 {
		args = simpleProtocol
	}
	rows, err := c.Conn.QueryContext(ctx, query, args)
	if err != nil {
		return nil, Classify(err)
	}
	if r, ok := rows.(*stdlib.Rows); ok {
		return classifiedRows{r}, nil
	}
	return rows, nil
}

func (c simpleQueryConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	res, err := c.Conn.ExecContext(ctx, query, args)
	return res, Classify(err)
}

// classifiedRows classifies an error met while reading rows (the first row
// is read by QueryContext; a later one can still fail). Embedding the
// pointer keeps every optional column-type method of stdlib's rows.
type classifiedRows struct{ *stdlib.Rows }

func (r classifiedRows) Next(dest []driver.Value) error {
	err := r.Rows.Next(dest)
	if err == io.EOF {
		return err // the end of the rows, not a failure
	}
	return Classify(err)
}

type tenantKey struct{}

// tenantBegin is what BeginTenant hands the driver: the tenant, and the
// state the transaction shares with its Tx (SendAndCommit).
type tenantBegin struct {
	tenantID uuid.UUID
	state    *txState
}

// txState is shared by a tenant transaction's Tx and its driver transaction.
type txState struct {
	// committed: the transaction's last batch carried its COMMIT
	// (Tx.SendAndCommit), so database/sql's commit has nothing to send.
	committed bool
}

// withTenantBegin marks a BeginTx context: the transaction begins with the
// row-level-security tenant already set.
func withTenantBegin(ctx context.Context, tenantID uuid.UUID, st *txState) context.Context {
	return context.WithValue(ctx, tenantKey{}, tenantBegin{tenantID: tenantID, state: st})
}

// BeginTx sends BEGIN and the tenant's SET LOCAL as one simple-protocol
// round trip when the context carries a tenant (BeginTenant). Every tenant
// transaction starts this way, and a turn runs several: a separate statement
// was one more round trip each, on the path of every webhook and reply.
// The tenant is a uuid.UUID, whose text form cannot carry SQL. It is a SET
// LOCAL statement rather than set_config(…, true), which does the same here,
// because Citus propagates SET LOCAL (not a function call) to the nodes that
// evaluate the row-level-security policies (docs/scaling.md).
func (c simpleQueryConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	begin, ok := ctx.Value(tenantKey{}).(tenantBegin)
	tenantID := begin.tenantID
	if !ok {
		tx, err := c.Conn.BeginTx(ctx, opts)
		if err != nil {
			return nil, Classify(err)
		}
		return classifiedTx{tx}, nil
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
		BeginQuery: "BEGIN; SET LOCAL app.current_tenant = '" + tenantID.String() + "'",
	})
	if err != nil {
		if pc.PgConn().TxStatus() != 'I' {
			// BEGIN ran but SET LOCAL failed: end the transaction here,
			// or the connection would go back to the pool inside it.
			_, _ = pc.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
		return nil, Classify(err)
	}
	return pgxDriverTx{ctx: ctx, tx: tx, state: begin.state}, nil
}

// pgxDriverTx is a pgx transaction seen by database/sql (as stdlib's own
// wrapper, which is unexported). A commit can fail like a statement
// (serialization, deferred constraints, a lost connection).
type pgxDriverTx struct {
	ctx   context.Context
	tx    pgx.Tx
	state *txState
}

// Commit commits, unless the transaction's last batch did (SendAndCommit).
func (t pgxDriverTx) Commit() error {
	if t.state != nil && t.state.committed {
		return nil
	}
	return Classify(t.tx.Commit(t.ctx))
}

func (t pgxDriverTx) Rollback() error {
	if t.state != nil && t.state.committed {
		return nil
	}
	return Classify(t.tx.Rollback(t.ctx))
}

// classifiedTx is stdlib's transaction with classified errors.
type classifiedTx struct{ driver.Tx }

func (t classifiedTx) Commit() error   { return Classify(t.Tx.Commit()) }
func (t classifiedTx) Rollback() error { return Classify(t.Tx.Rollback()) }

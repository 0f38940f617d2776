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
	return simpleQueryConn{Conn: pc, st: &connState{}}, nil
}

// simpleQueryConn is a pgx stdlib connection whose parameterless queries use
// the simple protocol, and whose errors are classified (Classify) on the way
// out: every statement bun sends passes here, so no caller has to remember
// to. It also begins a tenant transaction on its first statement (lazyBegin).
// Every other method is the stdlib connection's.
type simpleQueryConn struct {
	*stdlib.Conn
	st *connState
}

// connState is what one connection remembers between statements: the tenant
// transaction it has begun but not yet sent (BeginTx).
type connState struct {
	// pending is the tenant of a transaction begun but not sent yet: the
	// first statement sends it (in the same round trip when it is a batch
	// or a pgx statement, see lazybegin.go).
	pending uuid.UUID
	// deferExecs: statements run for their effect only (pgx Exec) wait in
	// deferred and go with the transaction's next round trip (Tx.InsertJob:
	// River's NOTIFY, which takes effect at commit anyway).
	deferExecs bool
	deferred   []*pgx.QueuedQuery
	// commitNext: River's job insert, when it is sent, carries the
	// transaction's COMMIT behind it (Tx.InsertJobAndCommit); committed:
	// that COMMIT ran. Both belong to the transaction BeginTx begins.
	commitNext, committed bool
}

var simpleProtocol = []driver.NamedValue{{Ordinal: 1, Value: pgx.QueryExecModeSimpleProtocol}}

func (c simpleQueryConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.st.flush(ctx, c.Conn.Conn()); err != nil {
		return nil, Classify(err)
	}
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
	if err := c.st.flush(ctx, c.Conn.Conn()); err != nil {
		return nil, Classify(err)
	}
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

// BeginTx begins a tenant transaction when the context carries a tenant
// (BeginTenant) without sending anything: the transaction is begun by its
// first statement, in the same round trip (lazyBegin). A turn runs five
// tenant transactions and ingest one, each of which used to spend a round
// trip on BEGIN alone; see docs/performance.md. A transaction that sends no
// statement costs no round trip at all.
func (c simpleQueryConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	begin, ok := ctx.Value(tenantKey{}).(tenantBegin)
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
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pc := c.Conn.Conn()
	if pc.IsClosed() {
		return nil, driver.ErrBadConn
	}
	if pc.PgConn().TxStatus() != 'I' {
		return nil, errors.New("store: the connection is already in a transaction")
	}
	c.st.pending, c.st.commitNext, c.st.committed = begin.tenantID, false, false
	return pgxDriverTx{ctx: ctx, conn: pc, cs: c.st, state: begin.state}, nil
}

// pgxDriverTx is a tenant transaction seen by database/sql. A commit can fail
// like a statement (serialization, deferred constraints, a lost connection).
type pgxDriverTx struct {
	ctx   context.Context
	conn  *pgx.Conn
	cs    *connState
	state *txState
}

// Commit commits, unless nothing was sent (nothing to commit) or the
// transaction's last batch did (SendAndCommit, InsertJobAndCommit). What was
// deferred after that batch (River's NOTIFY behind its insert) is sent now,
// on its own (afterCommit).
func (t pgxDriverTx) Commit() error {
	if t.state != nil && t.state.committed {
		return Classify(t.cs.afterCommit(t.ctx, t.conn))
	}
	return Classify(t.cs.commit(t.ctx, t.conn))
}

// Rollback rolls back what was sent, if anything is still open.
func (t pgxDriverTx) Rollback() error {
	t.cs.deferred = nil
	if t.cs.pending != uuid.Nil {
		t.cs.pending = uuid.Nil
		return nil
	}
	if (t.state != nil && t.state.committed) || t.conn.PgConn().TxStatus() == 'I' {
		// Committed by its last batch, or never begun: a batch that failed
		// before it was sent (preparing a statement) sent no BEGIN.
		return nil
	}
	_, err := t.conn.Exec(t.ctx, "ROLLBACK")
	return Classify(err)
}

// classifiedTx is stdlib's transaction with classified errors.
type classifiedTx struct{ driver.Tx }

func (t classifiedTx) Commit() error   { return Classify(t.Tx.Commit()) }
func (t classifiedTx) Rollback() error { return Classify(t.Tx.Rollback()) }

package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// connTx presents the connection of an open bun transaction as a pgx.Tx, so
// River inserts its rows on the same connection and therefore inside the same
// transaction. The transaction belongs to database/sql: committing, rolling
// back or nesting through this value is refused.
//
// A tenant transaction not begun yet (lazybegin.go) is begun by the first
// statement sent here, in the same round trip.
type connTx struct {
	conn *pgx.Conn
	st   *connState
}

var errTxOwnedByStore = errors.New("store: the transaction is owned by WithTenant; it cannot be committed, rolled back or nested here")

var _ pgx.Tx = connTx{}

func (t connTx) Begin(context.Context) (pgx.Tx, error) { return nil, errTxOwnedByStore }
func (t connTx) Commit(context.Context) error          { return errTxOwnedByStore }
func (t connTx) Rollback(context.Context) error        { return errTxOwnedByStore }
func (t connTx) LargeObjects() pgx.LargeObjects        { return pgx.LargeObjects{} }
func (t connTx) Conn() *pgx.Conn                       { return t.conn }

func (t connTx) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	if err := t.st.flush(ctx, t.conn); err != nil {
		return 0, err
	}
	return t.conn.CopyFrom(ctx, table, columns, src)
}

func (t connTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return t.st.sendBatch(ctx, t.conn, b)
}

// Prepare prepares outside the transaction's statements (it runs none).
func (t connTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	return t.conn.Prepare(ctx, name, sql)
}

func (t connTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return t.st.exec(ctx, t.conn, sql, args...)
}

func (t connTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return t.st.query(ctx, t.conn, sql, args...)
}

func (t connTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return t.st.queryRow(ctx, t.conn, sql, args...)
}

package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Batch is statements sent to PostgreSQL together, in one round trip, inside
// a tenant transaction (Tx.Send, Tx.SendAndCommit). Each owner of a table
// queues its own statements (with parameters, so each connection plans them
// once) and reads its own results in the queued query's callback
// (pgx.QueuedQuery.QueryRow, Query, Exec); a caller composes them without
// naming anyone's table. This is how a turn reads or writes what several
// packages own in one round trip instead of one per statement.
//
// The statements run in order, each with its own snapshot (READ COMMITTED):
// a statement after a lock sees what the lock waited for. The first that
// fails skips the rest; the transaction is then aborted and rolls back.
type Batch struct{ b pgx.Batch }

// Queue adds a statement to the batch.
func (b *Batch) Queue(sql string, args ...any) *pgx.QueuedQuery { return b.b.Queue(sql, args...) }

// Len is the number of statements queued.
func (b *Batch) Len() int { return b.b.Len() }

var errCommitted = errors.New("store: the transaction was committed by its last batch")

// Send sends the batch in the transaction: one round trip for all its
// statements, their callbacks run in order. An empty batch sends nothing.
func (tx Tx) Send(ctx context.Context, b *Batch) error {
	if tx.state != nil && tx.state.committed {
		return errCommitted
	}
	if b.Len() == 0 {
		return nil
	}
	return tx.Pgx(func(ptx pgx.Tx) error { return ptx.SendBatch(ctx, &b.b).Close() })
}

// SendAndCommit sends the batch with the transaction's COMMIT as its last
// statement, which saves the commit its own round trip. It must be the
// transaction's last statement: WithTenant's commit then sends nothing. On
// an error nothing is committed (the transaction rolls back as usual).
func (tx Tx) SendAndCommit(ctx context.Context, b *Batch) error {
	if tx.state == nil {
		return errors.New("store: SendAndCommit needs a tenant transaction")
	}
	if tx.state.committed {
		return errCommitted
	}
	b.Queue("COMMIT")
	if err := tx.Pgx(func(ptx pgx.Tx) error { return ptx.SendBatch(ctx, &b.b).Close() }); err != nil {
		return err
	}
	tx.state.committed = true
	return nil
}

// Committed reports whether the transaction's last batch committed it.
func (tx Tx) Committed() bool { return tx.state != nil && tx.state.committed }

// Defer queues b's statements to go with the transaction's next round trip
// (its next statement or batch, or its COMMIT), in front of it; their
// callbacks run when that round trip returns. A caller that needs their
// results reads them after its next statement; when the transaction rolls
// back first they are never sent (and their callbacks never run). This lets
// a statement whose result the caller does not need yet share a round trip
// with one that follows it (ingest: the message with its River job).
func (tx Tx) Defer(b *Batch) error {
	if tx.state != nil && tx.state.committed {
		return errCommitted
	}
	return tx.conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(simpleQueryConn)
		if !ok {
			return fmt.Errorf("store: unexpected driver connection %T", driverConn)
		}
		c.st.deferred = append(c.st.deferred, b.b.QueuedQueries...)
		b.b.QueuedQueries = nil
		return nil
	})
}

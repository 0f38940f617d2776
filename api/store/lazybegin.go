package store

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// A tenant transaction is begun by its first statement, not by a round trip
// of its own (BeginTx only notes the tenant):
//
//   - a batch (Tx.Send, Tx.SendAndCommit) or a pgx statement (Tx.Pgx:
//     parameterised reads and writes, River's job insert) is sent as one batch
//     that starts with BEGIN and the tenant's set_config(…, true): one round
//     trip, as if the transaction had begun before;
//   - anything else (a bun statement, CopyFrom) first sends
//     `BEGIN; SET LOCAL app.current_tenant = '<uuid>'` by the simple protocol,
//     as every tenant transaction did before.
//
// Why set_config in batches and SET LOCAL alone: a batch is sent by the
// extended protocol, where every statement is prepared and cached by its
// text, and `SET LOCAL … = '<uuid>'` takes no parameter — its text differs
// per tenant, so each connection would prepare and cache one statement per
// tenant it serves (a round trip each time, and churn in the 512-statement
// cache River's statements live in). set_config('app.current_tenant', $1,
// true) is the same setting with a parameter: one statement, prepared once per
// connection. On Citus it would not reach the workers (Citus forwards SET
// LOCAL, not set_config; docs/scaling.md): moving there means sending the
// SET LOCAL form for every transaction again (batchBegin = false), one round
// trip per transaction more. See docs/performance.md, 2026-12-06.

// batchBegin chooses the batched begin (true) or the SET LOCAL round trip
// for every tenant transaction (false; what Citus would need).
const batchBegin = true

// setTenantSQL sets the row-level-security tenant for the transaction only.
const setTenantSQL = "SELECT set_config('app.current_tenant', $1, true)"

// begin sends the pending begin on its own (the simple-protocol form), for a
// statement that cannot carry it. A failure leaves it pending: no statement
// ever runs outside its transaction.
func (s *connState) begin(ctx context.Context, conn *pgx.Conn) error {
	if s == nil || s.pending == uuid.Nil {
		return nil
	}

	if _, err := conn.Exec(ctx, "BEGIN; SET LOCAL app.current_tenant = '"+s.pending.String()+"'"); err != nil {
		if conn.PgConn().TxStatus() != 'I' {
			// BEGIN ran but SET LOCAL failed: end the transaction here, or
			// the connection would go back to the pool inside it.
			_, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
		return err
	}
	s.pending = uuid.Nil
	return nil
}

// sendBatch sends b on conn, beginning the pending transaction and sending
// the deferred statements (deferExecs) in the same round trip, in front of
// b's, and the transaction's COMMIT behind them when it is due with this
// batch (commitNext). The results returned are b's own (the others' are
// read first, the COMMIT's when the results are closed).
func (s *connState) sendBatch(ctx context.Context, conn *pgx.Conn, b *pgx.Batch) pgx.BatchResults {
	commit := s != nil && s.commitNext && insertsJobs(b)
	if !commit && (s == nil || (s.pending == uuid.Nil && len(s.deferred) == 0)) {
		return conn.SendBatch(ctx, b)
	}
	if !batchBegin {
		if err := s.begin(ctx, conn); err != nil {
			return pgx.FailedBatchResults(b, err)
		}
	}
	tenant := s.pending
	prefix := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(b.QueuedQueries)+len(s.deferred)+2)}
	if tenant != uuid.Nil {
		prefix.Queue("BEGIN")
		prefix.Queue(setTenantSQL, tenant.String())
	}
	prefix.QueuedQueries = append(prefix.QueuedQueries, s.deferred...)
	n := len(prefix.QueuedQueries)
	prefix.QueuedQueries = append(prefix.QueuedQueries, b.QueuedQueries...)
	if commit {
		// A statement that fails before it skips the COMMIT (the server
		// ignores the rest of a failed pipeline) and leaves the
		// transaction aborted, to be rolled back as usual.
		s.commitNext = false
		prefix.Queue("COMMIT").Exec(func(tag pgconn.CommandTag) error {
			if err := commitResult(tag, nil); err != nil {
				return err
			}
			s.committed = true
			return nil
		})
	}
	// Sent: the transaction is begun, unless the batch fails before BEGIN
	// runs (Close puts the begin back then).
	s.pending, s.deferred = uuid.Nil, nil
	return &prefixedBatch{BatchResults: conn.SendBatch(ctx, prefix), conn: conn, st: s, tenant: tenant, prefix: prefix.QueuedQueries[:n], skip: n}
}

// insertsJobs reports whether b is River's job insert (Tx.InsertJobAndCommit
// sends the COMMIT behind it and behind nothing else River sends first: the
// server's version, asked once per process). River names its statements
// (sqlc): JobInsertFastMany, …
func insertsJobs(b *pgx.Batch) bool {
	n := b.Len()
	return n > 0 && strings.HasPrefix(b.QueuedQueries[n-1].SQL, "-- name: JobInsert")
}

// prefixedBatch is the results of a batch sent with statements in front of
// the caller's (the begin, deferred statements): theirs are read before the
// caller's first, and a batch that failed before BEGIN ran leaves the
// transaction pending again.
type prefixedBatch struct {
	pgx.BatchResults
	conn   *pgx.Conn
	st     *connState
	tenant uuid.UUID
	prefix []*pgx.QueuedQuery
	skip   int
	err    error
	// begun: the batch's BEGIN ran (read without error).
	begun bool
}

func (b *prefixedBatch) skipPrefix() error {
	for ; b.skip > 0 && b.err == nil; b.skip-- {
		i := len(b.prefix) - b.skip
		if fn := b.prefix[i].Fn; fn != nil {
			b.err = fn(b.BatchResults) // a deferred statement's callback (Tx.Defer)
		} else {
			_, b.err = b.BatchResults.Exec()
		}
		if i == 0 && b.tenant != uuid.Nil && b.err == nil {
			b.begun = true
		}
	}
	return b.err
}

func (b *prefixedBatch) Exec() (pgconn.CommandTag, error) {
	if err := b.skipPrefix(); err != nil {
		return pgconn.CommandTag{}, err
	}
	return b.BatchResults.Exec()
}

func (b *prefixedBatch) Query() (pgx.Rows, error) {
	if err := b.skipPrefix(); err != nil {
		return nil, err
	}
	return b.BatchResults.Query()
}

func (b *prefixedBatch) QueryRow() pgx.Row {
	if err := b.skipPrefix(); err != nil {
		return errRow{err}
	}
	return b.BatchResults.QueryRow()
}

func (b *prefixedBatch) Close() error {
	skipErr := b.skipPrefix()
	err := b.BatchResults.Close()
	if err == nil {
		err = skipErr
	}
	if err != nil && b.tenant != uuid.Nil && !b.begun && b.conn.PgConn().TxStatus() == 'I' && b.st.pending == uuid.Nil {
		// Nothing began (a statement failed to prepare, the connection
		// broke before BEGIN ran): the next statement must begin again.
		b.st.pending = b.tenant
	}
	return err
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// query runs one statement, beginning the pending transaction in the same
// round trip. Closing the rows ends the batch.
func (s *connState) query(ctx context.Context, conn *pgx.Conn, sql string, args ...any) (pgx.Rows, error) {
	if s.idle() {
		return conn.Query(ctx, sql, args...)
	}
	if hasExecMode(args) {
		if err := s.flush(ctx, conn); err != nil {
			return nil, err
		}
		return conn.Query(ctx, sql, args...)
	}
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	br := s.sendBatch(ctx, conn, b)
	rows, err := br.Query()
	if err != nil {
		if cerr := br.Close(); cerr != nil {
			err = cerr
		}
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

// hasExecMode reports whether args start with a query option a batch does not
// take (a QueryExecMode, result formats…): such a statement is sent alone.
func hasExecMode(args []any) bool {
	if len(args) == 0 {
		return false
	}
	switch args[0].(type) {
	case pgx.QueryExecMode, pgx.QueryResultFormats, pgx.QueryResultFormatsByOID:
		return true
	}
	return false
}

// batchRows is the rows of a one-statement batch: closing them closes the
// batch, whose error (the statement's, or the begin's) they report.
type batchRows struct {
	pgx.Rows
	br     pgx.BatchResults
	closed bool
	err    error
}

// Next closes the rows after the last, as pgx's own rows do: the batch's
// later results (a COMMIT behind the statement) are read then, and Err
// reports their error to a caller that checks it before closing.
func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *batchRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	r.err = r.br.Close()
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// batchRow is QueryRow over batchRows, as pgx's own row behaves.
type batchRow struct {
	rows pgx.Rows
	err  error
}

func (r batchRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	rows := r.rows
	defer rows.Close()
	if !rows.Next() {
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}

func (s *connState) queryRow(ctx context.Context, conn *pgx.Conn, sql string, args ...any) pgx.Row {
	if s.idle() {
		return conn.QueryRow(ctx, sql, args...)
	}
	rows, err := s.query(ctx, conn, sql, args...)
	return batchRow{rows: rows, err: err}
}

func (s *connState) exec(ctx context.Context, conn *pgx.Conn, sql string, args ...any) (pgconn.CommandTag, error) {
	if s != nil && s.deferExecs {
		// Sent with the next round trip (deferExecs).
		s.deferred = append(s.deferred, &pgx.QueuedQuery{SQL: sql, Arguments: args})
		return pgconn.CommandTag{}, nil
	}
	if s.idle() {
		return conn.Exec(ctx, sql, args...)
	}
	if len(args) == 0 && s.pending != uuid.Nil && len(s.deferred) == 0 {
		// pgx sends a statement without arguments by the simple protocol
		// (it may be several): the begin goes in front, in the same query.
		tenant := s.pending
		s.pending = uuid.Nil
		tag, err := conn.Exec(ctx, "BEGIN; SET LOCAL app.current_tenant = '"+tenant.String()+"';\n"+sql)
		if err != nil && conn.PgConn().TxStatus() == 'I' {
			s.pending = tenant
		}
		return tag, err
	}
	if hasExecMode(args) {
		if err := s.flush(ctx, conn); err != nil {
			return pgconn.CommandTag{}, err
		}
		return conn.Exec(ctx, sql, args...)
	}
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	br := s.sendBatch(ctx, conn, b)
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

// idle reports whether nothing waits to be sent with the next statement.
func (s *connState) idle() bool {
	return s == nil || (s.pending == uuid.Nil && len(s.deferred) == 0 && !s.commitNext)
}

// flush sends what waits (the begin, deferred statements) on its own, for a
// statement that cannot carry it.
func (s *connState) flush(ctx context.Context, conn *pgx.Conn) error {
	if s.idle() {
		return nil
	}
	if len(s.deferred) == 0 || !batchBegin {
		if err := s.begin(ctx, conn); err != nil || len(s.deferred) == 0 {
			return err
		}
	}
	return s.sendBatch(ctx, conn, &pgx.Batch{}).Close()
}

// afterCommit sends what was deferred after the transaction's COMMIT went
// (River's NOTIFY behind InsertJobAndCommit) in a transaction of its own: the
// implicit one of its round trip, which takes effect at once, as the
// notification would have at the commit. A NOTIFY takes a transaction id, so
// that transaction's commit would wait for a WAL flush of its own; it is told
// not to (synchronous_commit off, for it alone): a notification lost in a
// crash costs a worker's poll interval, nothing else.
func (s *connState) afterCommit(ctx context.Context, conn *pgx.Conn) error {
	if len(s.deferred) == 0 {
		return nil
	}
	s.deferred = append([]*pgx.QueuedQuery{{SQL: asyncCommitSQL}}, s.deferred...)
	return s.sendBatch(WithStep(ctx, StepJobNotify), conn, &pgx.Batch{}).Close()
}

const asyncCommitSQL = "SELECT set_config('synchronous_commit', 'off', true)"

// commit commits the transaction, sending what waits in the same round trip.
func (s *connState) commit(ctx context.Context, conn *pgx.Conn) error {
	if len(s.deferred) == 0 {
		if s.pending != uuid.Nil {
			s.pending = uuid.Nil // nothing was sent: nothing to commit
			return nil
		}
		tag, err := conn.Exec(ctx, "COMMIT")
		return commitResult(tag, err)
	}
	b := &pgx.Batch{}
	var tag pgconn.CommandTag
	b.Queue("COMMIT").Exec(func(t pgconn.CommandTag) error { tag = t; return nil })
	if err := s.sendBatch(ctx, conn, b).Close(); err != nil {
		return err
	}
	return commitResult(tag, nil)
}

func commitResult(tag pgconn.CommandTag, err error) error {
	if err == nil && tag.String() == "ROLLBACK" {
		// COMMIT of a failed transaction rolls back; say so, as pgx does.
		return pgx.ErrTxCommitRollback
	}
	return err
}

package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// statements reports PostgreSQL's work per statement in a phase from
// pg_stat_statements (-statements: the server must preload it, with
// pg_stat_statements.track = all to see statements run by functions and
// triggers): reset before the phase, the top statements by execution time
// after it, per operation (event or turn).
type statements struct {
	pool *pgxpool.Pool
	db   string
	top  int
}

// reset clears the counters; an error means the extension is not there.
func (s *statements) reset(ctx context.Context) error {
	if s == nil {
		return nil
	}
	_, err := s.pool.Exec(ctx, "SELECT pg_stat_statements_reset()")
	return err
}

var spaces = regexp.MustCompile(`\s+`)

// report writes the top statements of the bench's database since the last
// reset: calls, total and mean execution time per operation, rows per call.
func (s *statements) report(ctx context.Context, w io.Writer, phase string, ops int) error {
	if s == nil || ops == 0 {
		return nil
	}
	rows, err := s.pool.Query(ctx, `
		SELECT calls, total_exec_time, rows, shared_blks_hit + shared_blks_read + shared_blks_dirtied, wal_bytes, query
		FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
		WHERE d.datname = $1 ORDER BY total_exec_time DESC`, s.db)
	if err != nil {
		return err
	}
	defer rows.Close()
	type row struct {
		calls, rows, blks int64
		total, wal        float64
		query             string
	}
	var all []row
	var sumMS, sumCalls, sumWAL float64
	for rows.Next() {
		var r row
		var wal any
		if err := rows.Scan(&r.calls, &r.total, &r.rows, &r.blks, &wal, &r.query); err != nil {
			return err
		}
		fmt.Sscan(fmt.Sprint(wal), &r.wal)
		sumMS += r.total
		sumCalls += float64(r.calls)
		sumWAL += r.wal
		all = append(all, r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	n := float64(ops)
	fmt.Fprintf(w, "\n%s: statements' execution time per op %.3f ms, statements per op %.1f, WAL per op %.0f B (%d ops)\n", phase, sumMS/n, sumCalls/n, sumWAL/n, ops)
	fmt.Fprintf(w, "%8s %9s %8s %7s %7s %8s  %s\n", "calls/op", "ms/op", "mean ms", "rows/c", "blks/c", "WAL B/op", "statement")
	for i, r := range all {
		if i == s.top {
			break
		}
		q := spaces.ReplaceAllString(strings.TrimSpace(r.query), " ")
		if len(q) > 160 {
			q = q[:160] + "…"
		}
		c := float64(max(r.calls, 1))
		fmt.Fprintf(w, "%8.2f %9.3f %8.3f %7.1f %7.1f %8.0f  %s\n", float64(r.calls)/n, r.total/n, r.total/c, float64(r.rows)/c, float64(r.blks)/c, r.wal/n, q)
	}
	return nil
}

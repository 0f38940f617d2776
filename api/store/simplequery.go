package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

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

// Package db holds Konstruct's SQL migrations, embedded into the binary.
//
// Files are goose migrations (db/migrations/NNNNN_name.sql) applied in order by
// `konstruct migrate`; see api/store for the runner and docs/database.md for the
// role and row-level-security model every migration must follow.
package db

import "embed"

// Migrations is the migrations directory; paths inside it are "migrations/*.sql".
//
//go:embed migrations/*.sql
var Migrations embed.FS

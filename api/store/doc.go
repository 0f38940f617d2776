// Package store owns Konstruct's connection to PostgreSQL: one pgx pool shared
// by bun (queries) and River (jobs), tenant-scoped transactions, the
// classification of PostgreSQL errors, and the migration runner.
//
// Errors are classified by the driver under bun (simplequery.go): whatever a
// statement, a row read or a COMMIT returns carries ErrConflict, ErrReference,
// ErrInvalid, ErrRetry, ErrUnavailable or ErrPermission when PostgreSQL's code
// says so (errors.go has the table), with the *pgconn.PgError still in the
// chain. Services test errors.Is and decide what it means for their resource;
// httpapi renders what they left undecided.
//
// Every read or write of a tenant table goes through WithTenant, which opens a
// transaction and sets app.current_tenant for it; row-level security does the
// rest. A tenant transaction can insert River jobs that commit or roll back
// together with its rows (Tx.InsertJob), which is how inbound messages and
// their agent turns are written atomically.
//
// Before a tenant is known (webhook routing, sign-in, API token lookup) code
// calls the narrow SECURITY DEFINER functions defined in db/migrations through
// Store.DB outside any tenant transaction; they answer one question each.
package store

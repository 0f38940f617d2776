package store

import (
	"fmt"
	"reflect"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// modelTables is bun's knowledge of the models' columns, which ScanRow
// uses to scan pgx rows into them.
var modelTables = pgdialect.New().Tables()

// ScanRow scans the current row of rows into dest, a pointer to a struct
// with bun column tags (a bun model), so an owner can read its model in a
// Batch as bun would: columns are matched by name, a column the model lacks
// is skipped (as bun.WithDiscardUnknownColumns), and NULL leaves a
// non-pointer field at its zero value.
func ScanRow(rows pgx.Rows, dest any) error {
	v := reflect.ValueOf(dest)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("store: ScanRow needs a pointer to a struct, not %T", dest)
	}
	v = v.Elem()
	table := modelTables.Get(v.Type())
	fds := rows.FieldDescriptions()
	targets := make([]any, len(fds))
	var later []func()
	for i, fd := range fds {
		f := table.LookupField(fd.Name)
		if f == nil {
			continue // nil: pgx skips the column
		}
		fv := f.Value(v)
		if fv.Kind() == reflect.Pointer {
			targets[i] = fv.Addr().Interface()
			continue
		}
		pp := reflect.New(reflect.PointerTo(fv.Type()))
		targets[i] = pp.Interface()
		later = append(later, func() {
			if p := pp.Elem(); !p.IsNil() {
				fv.Set(p.Elem())
			} else {
				fv.Set(reflect.Zero(fv.Type()))
			}
		})
	}
	if err := rows.Scan(targets...); err != nil {
		return err
	}
	for _, set := range later {
		set()
	}
	return nil
}

// One is a pgx.QueuedQuery.Query callback that scans the first row into
// dest (ScanRow). found, when given, says whether there was a row;
// otherwise no row is ErrNotFound.
func One(dest any, found *bool) func(pgx.Rows) error {
	return func(rows pgx.Rows) error {
		defer rows.Close()
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			if found != nil {
				*found = false
				return nil
			}
			return ErrNotFound
		}
		if found != nil {
			*found = true
		}
		if err := ScanRow(rows, dest); err != nil {
			return err
		}
		rows.Close()
		return rows.Err()
	}
}

// All is a pgx.QueuedQuery.Query callback that appends every row to *dest,
// a slice of a bun model (ScanRow).
func All[T any](dest *[]T) func(pgx.Rows) error {
	return func(rows pgx.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var m T
			if err := ScanRow(rows, &m); err != nil {
				return err
			}
			*dest = append(*dest, m)
		}
		return rows.Err()
	}
}

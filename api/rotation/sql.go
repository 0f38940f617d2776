package rotation

import (
	"strings"

	"github.com/jackc/pgx/v5/pgtype"
)

// arrayOf selects key columns as one text array.
func arrayOf(cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c + "::text"
	}
	return "ARRAY[" + strings.Join(parts, ", ") + "]"
}

func keyWhere(cols, vals []string) (string, []any) {
	parts := make([]string, len(cols))
	args := make([]any, len(cols))
	for i, c := range cols {
		parts[i] = c + "::text = ?"
		args[i] = vals[i]
	}
	return strings.Join(parts, " AND "), args
}

// pgArray scans a text[] through pgx's type map.
func pgArray(dst *[]string) any { return pgtype.NewMap().SQLScanner(dst) }

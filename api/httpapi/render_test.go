package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/errs"
	"github.com/konstruct/konstruct/api/store"
)

// What the store classified and no service decided is rendered here, once;
// what a service decided wins.
func TestStoreErrorsRenderOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pg := func(code string) error {
		return fmt.Errorf("insert: %w", store.Classify(&pgconn.PgError{Code: code, Message: "refused", ConstraintName: "c"}))
	}
	cases := []struct {
		name       string
		err        error
		status     int
		retryAfter int
		undecided  bool
	}{
		{"Conflict", pg("23505"), http.StatusConflict, 0, true},
		{"Reference", pg("23503"), http.StatusConflict, 0, true},
		{"Invalid", pg("23514"), http.StatusUnprocessableEntity, 0, true},
		{"Retry", pg("40P01"), http.StatusServiceUnavailable, 1, true},
		{"Unavailable", pg("57P01"), http.StatusServiceUnavailable, 1, true},
		{"Permission", pg("42501"), http.StatusInternalServerError, 0, true},
		{"Unclassified", pg("XX000"), http.StatusInternalServerError, 0, false},
		{"NotFound", fmt.Errorf("load: %w", store.ErrNotFound), http.StatusNotFound, 0, false},
		{"ServiceDecided", errs.Wrap(errs.Conflict, pg("23505"), "An account with this email already exists."), http.StatusConflict, 0, false},
		{"ServiceCalledItInternal", errs.Wrap(errs.Internal, pg("23505"), "x"), http.StatusInternalServerError, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, retryAfter, undecided := toProblem(ctx, tc.err)
			require.Equal(t, tc.status, p.Status)
			require.Equal(t, tc.retryAfter, retryAfter)
			require.Equal(t, tc.undecided, undecided)
			require.NotContains(t, p.Detail, "refused", "the database's own text never reaches the client")
		})
	}
}

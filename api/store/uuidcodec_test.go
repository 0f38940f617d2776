package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/dbtest"
)

// uuid.UUID goes to and from PostgreSQL as its 16 bytes on the store's
// connections: in both formats, alone and in arrays, with NULL leaving the
// target as it was (as uuid.UUID's own Scan does), and as text where a
// statement asks for text.
func TestUUIDCodec(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	st := oneConnection(t, d, nil)

	a, b := uuid.New(), uuid.New()
	var got, text uuid.UUID
	var list []uuid.UUID
	var asText string
	require.NoError(t, st.Pool.QueryRow(ctx, "SELECT $1::uuid, $2::uuid[], $1::uuid::text, $1::text::uuid", a, []uuid.UUID{a, b}).
		Scan(&got, &list, &asText, &text))
	require.Equal(t, a, got)
	require.Equal(t, []uuid.UUID{a, b}, list)
	require.Equal(t, a.String(), asText)
	require.Equal(t, a, text)

	// The text format (the simple protocol) both ways.
	got = uuid.Nil
	require.NoError(t, st.Pool.QueryRow(ctx, "SELECT $1::uuid", pgx.QueryExecModeSimpleProtocol, b).Scan(&got))
	require.Equal(t, b, got)

	kept := a
	var ptr *uuid.UUID
	require.NoError(t, st.Pool.QueryRow(ctx, "SELECT NULL::uuid, NULL::uuid").Scan(&kept, &ptr))
	require.Equal(t, a, kept, "NULL leaves the target as it was")
	require.Nil(t, ptr)

	var n uuid.NullUUID
	require.NoError(t, st.Pool.QueryRow(ctx, "SELECT $1::uuid", uuid.NullUUID{UUID: b, Valid: true}).Scan(&n))
	require.Equal(t, uuid.NullUUID{UUID: b, Valid: true}, n)
}

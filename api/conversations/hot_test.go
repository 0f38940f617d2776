package conversations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/dbtest"
)

// TestReplyUpdatesChangeNoIndexedColumn holds what makes a reply's updates
// HOT (migration 00023, docs/performance.md "Reply updates made HOT"):
// PostgreSQL writes no index entry for an update only when no column that an
// index of the table uses — as a key, in an expression or in a predicate —
// changes. A turn's record (QueueSaveReply), its acknowledgement and the end
// of its delivery (QueueSaveDelivery) and a resumed turn's answers_seq change
// only these columns (the reply's participant is written with its record, the
// channel id once: that one update writes the indexes, by necessity). An
// index that names one of them makes every answered turn write a new entry in
// each index of messages again; if one is needed, weigh it against that.
func TestReplyUpdatesChangeNoIndexedColumn(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	rows, err := db.Owner.Query(context.Background(), `
		SELECT DISTINCT a.attname FROM pg_index i
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum > 0 AND NOT a.attisdropped
		WHERE i.indrelid = 'messages'::regclass AND (a.attnum = ANY (i.indkey)
			OR pg_get_expr(i.indpred, i.indrelid) ~ ('\m' || a.attname || '\M')
			OR pg_get_expr(i.indexprs, i.indrelid) ~ ('\m' || a.attname || '\M'))`)
	require.NoError(t, err)
	indexed := map[string]bool{}
	for rows.Next() {
		var col string
		require.NoError(t, rows.Scan(&col))
		indexed[col] = true
	}
	require.NoError(t, rows.Err())
	require.True(t, indexed["external_id"] && indexed["participant_id"], "the query sees the indexes: %v", indexed)
	for _, col := range []string{"body", "kind", "delivery_state", "delivery", "answers_seq"} {
		require.False(t, indexed[col], "messages.%s is used by an index: a reply's updates would not be HOT", col)
	}
}

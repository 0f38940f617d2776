package httpapi

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/contract"
)

// Every operation named in smallBodies exists and has a body to limit.
func TestSmallBodiesNameOperationsWithBodies(t *testing.T) {
	t.Parallel()
	spec, err := contract.Load()
	require.NoError(t, err)
	withBody := map[string]bool{}
	for _, op := range newRouteTable(spec) {
		withBody[op.op.OperationID] = op.op.RequestBody != nil
	}
	for id := range smallBodies {
		require.True(t, withBody[id], "%s is not an operation with a request body", id)
	}
	const def = 1 << 20
	for _, op := range newRouteTable(spec) {
		if smallBodies[op.op.OperationID] {
			require.EqualValues(t, smallBodyLimit, limitOf(op, def), op.op.OperationID)
		} else {
			require.EqualValues(t, def, limitOf(op, def), op.op.OperationID)
		}
	}
	require.EqualValues(t, 2048, limitOf(newRouteTable(spec)["POST /api/portal/auth/signin"], 2048), "HTTP_BODY_LIMIT below the fixed limits wins")
}

package httpapi

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/contract"
)

// Every operation named in smallBodies exists and has a body to limit.
func TestSmallBodiesNameOperationsWithBodies(t *testing.T) {
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
		n := limitOf(op, def)
		switch {
		case op.op.RequestBody == nil:
			require.EqualValues(t, noBodyLimit, n, op.op.OperationID)
		case smallBodies[op.op.OperationID]:
			require.EqualValues(t, smallBodyLimit, n, op.op.OperationID)
		default:
			require.EqualValues(t, def, n, op.op.OperationID)
		}
	}
	require.EqualValues(t, 2048, limitOf(newRouteTable(spec)["GET /healthz"], 2048), "HTTP_BODY_LIMIT below the fixed limits wins")
}

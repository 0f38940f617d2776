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
		switch {
		case op.op.OperationID == "uploadKnowledgeFile":
			require.EqualValues(t, 20<<20+smallBodyLimit, limitOf(op, def, 20<<20), "the file's limit and room for the multipart envelope")
		case smallBodies[op.op.OperationID]:
			require.EqualValues(t, smallBodyLimit, limitOf(op, def, 20<<20), op.op.OperationID)
		default:
			require.EqualValues(t, def, limitOf(op, def, 20<<20), op.op.OperationID)
		}
	}
	require.EqualValues(t, 2048, limitOf(newRouteTable(spec)["POST /api/portal/auth/signin"], 2048, 20<<20), "HTTP_BODY_LIMIT below the fixed limits wins")
}

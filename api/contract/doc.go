// Package contract is openapi.yaml as the binary carries it, and the tests
// that hold the server to it.
//
// openapi.yaml here is a byte-for-byte copy of the repository's contract,
// written by `go tool task gen` (go:embed cannot reach the repository root)
// and compared by `go tool task gen:check` and by TestEmbeddedCopyIsTheContract.
// The server serves these bytes at /api/openapi.yaml and /openapi.yaml (and
// the same document as JSON at /api/openapi.json), validates requests against
// the document Load returns, and routes by its operations, so what
// integrators read is what the server enforces.
//
// Load is strict: kin-openapi's full validation with no extra sibling fields
// allowed, formats, patterns and examples checked. A contract that does not
// load stops the server at start.
//
// The tests of this package are the contract's conformance suite:
//
//   - TestContractLoadsStrictly: the repository's openapi.yaml passes Load.
//   - TestDeclaredResponses: every operation declares the statuses its shape
//     implies (401 when it needs credentials, 422 when a parameter has rules,
//     413 when it has a body, …), read from the document, so operations added
//     later are held to the same rules.
//   - TestConformance: drives every operation of the contract through the real
//     server and validates every response (status declared, body against the
//     schema, declared headers) with kin-openapi.
//   - TestServedSpecIsTheContract: what /api/openapi.yaml and /api/openapi.json
//     serve equals the repository's file.
package contract

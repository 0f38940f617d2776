package contract_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/contract"
)

// The repository's openapi.yaml loads with kin-openapi's strict validation
// (no stray keys, every example valid, nullable only beside a type).
func TestContractLoadsStrictly(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../openapi.yaml")
	require.NoError(t, err)
	_, err = contract.Parse(data)
	require.NoError(t, err)
}

// The copy the binary embeds is the repository's file, byte for byte.
func TestEmbeddedCopyIsTheContract(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../openapi.yaml")
	require.NoError(t, err)
	require.True(t, string(data) == string(contract.YAML()), "api/contract/openapi.yaml is stale: run 'go tool task gen'")
	_, err = contract.Load()
	require.NoError(t, err)
}

// Strictness has teeth: a description split by an unquoted ", " in a flow
// mapping (a stray key) and nullable without a type are refused.
func TestParseRefusesWhatLintersRefuse(t *testing.T) {
	t.Parallel()
	const head = "openapi: 3.0.3\ninfo: { title: t, version: '1' }\npaths: {}\ncomponents:\n  schemas:\n"
	for name, schema := range map[string]string{
		"StrayKey":       "    A: { type: string, description: The first characters, to recognise it. }\n",
		"NullableNoType": "    A:\n      nullable: true\n      allOf: [{ type: string }]\n",
		"InvalidExample": "    A: { type: integer, example: nope }\n",
		"UnknownKeyword": "    A: { type: string, maxlength: 3 }\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := contract.Parse([]byte(head + schema))
			require.Error(t, err)
		})
	}
	_, err := contract.Parse([]byte(head + "    A: { type: string, description: \"The first characters, to recognise it.\" }\n"))
	require.NoError(t, err)
}

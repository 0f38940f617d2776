package paging_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/paging"
)

func TestSigner(t *testing.T) {
	t.Parallel()
	oldKey := paging.Key{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")}
	newKey := paging.Key{ID: "k2", Secret: []byte("fedcba9876543210fedcba9876543210")}
	raw := paging.Encode(time.Now(), uuid.New())

	signed := paging.NewSigner(oldKey).Sign("listAgents\x00tenant=a", raw)
	require.Less(t, len(signed), 200, "fits the contract's cursor maxLength")

	t.Run("OpensWhereItCameFrom", func(t *testing.T) {
		t.Parallel()
		got, err := paging.NewSigner(oldKey).Open("listAgents\x00tenant=a", signed)
		require.NoError(t, err)
		require.Equal(t, raw, got)
	})
	t.Run("SurvivesRotation", func(t *testing.T) {
		t.Parallel()
		got, err := paging.NewSigner(newKey, oldKey).Open("listAgents\x00tenant=a", signed)
		require.NoError(t, err)
		require.Equal(t, raw, got)
	})
	t.Run("RefusesOtherBindings", func(t *testing.T) {
		t.Parallel()
		_, err := paging.NewSigner(oldKey).Open("listAgents\x00tenant=b", signed)
		require.ErrorIs(t, err, paging.ErrBadCursor)
	})
	t.Run("RefusesRetiredKeys", func(t *testing.T) {
		t.Parallel()
		_, err := paging.NewSigner(newKey).Open("listAgents\x00tenant=a", signed)
		require.ErrorIs(t, err, paging.ErrBadCursor)
	})
	t.Run("RefusesGarbage", func(t *testing.T) {
		t.Parallel()
		for _, c := range []string{"", "x", raw, raw + ".k1", raw + ".k1.!!", raw + ".k1.AAAA"} {
			_, err := paging.NewSigner(oldKey).Open("listAgents\x00tenant=a", c)
			require.ErrorIs(t, err, paging.ErrBadCursor, c)
		}
	})
}

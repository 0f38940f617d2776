package secrets_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/secrets"
)

func TestKeyringRotation(t *testing.T) {
	t.Parallel()
	k1, k2 := secrets.NewKey(1), secrets.NewKey(2)
	old, err := secrets.Parse(k1)
	require.NoError(t, err)
	sealed, err := old.Encrypt([]byte("xoxb-secret"), []byte("row-1"))
	require.NoError(t, err)
	require.Equal(t, 1, sealed.Version)
	require.NotContains(t, string(sealed.Ciphertext), "xoxb-secret")

	both, err := secrets.Parse(k1 + "," + k2)
	require.NoError(t, err)
	require.Equal(t, 2, both.Current(), "the newest version encrypts")
	pt, err := both.Decrypt(sealed, []byte("row-1"))
	require.NoError(t, err, "every listed version decrypts")
	require.Equal(t, "xoxb-secret", string(pt))

	_, err = both.Decrypt(sealed, []byte("row-2"))
	require.Error(t, err, "a ciphertext moved to another row does not decrypt")

	only2, err := secrets.Parse(k2)
	require.NoError(t, err)
	_, err = only2.Decrypt(sealed, []byte("row-1"))
	require.ErrorIs(t, err, secrets.ErrUnknownVersion)

	for _, bad := range []string{"", "x:abc", "1:c2hvcnQ=", k1 + "," + k1} {
		_, err := secrets.Parse(bad)
		require.Error(t, err, bad)
	}
}

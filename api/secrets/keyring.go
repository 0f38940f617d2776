// Package secrets owns encryption at rest: a keyring of versioned AES-256-GCM
// keys from configuration, where the newest version encrypts and every listed
// version decrypts. Ciphertexts are bound to where they are stored (the
// associated data names the table, column and row), so a ciphertext copied to
// another row does not decrypt. `konstruct rotate-keys` re-encrypts every
// stored secret with the newest key (see rotate.go).
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Keyring holds the keys by version.
type Keyring struct {
	aeads   map[int]cipher.AEAD
	current int
}

// Sealed is a ciphertext and the key version that made it.
type Sealed struct {
	Version    int
	Ciphertext []byte // nonce || sealed box
}

// Parse reads "VERSION:BASE64KEY[,VERSION:BASE64KEY…]" with 32-byte keys. The
// highest version encrypts.
func Parse(spec string) (*Keyring, error) {
	k := &Keyring{aeads: map[int]cipher.AEAD{}}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		ver, b64, ok := strings.Cut(part, ":")
		n, err := strconv.Atoi(ver)
		if !ok || err != nil || n <= 0 {
			return nil, fmt.Errorf("entry %q must be VERSION:BASE64KEY with a positive whole version", redact(part))
		}
		key, err := decodeKey(b64)
		if err != nil {
			return nil, fmt.Errorf("key version %d: %w", n, err)
		}
		if _, dup := k.aeads[n]; dup {
			return nil, fmt.Errorf("key version %d is listed twice", n)
		}
		block, _ := aes.NewCipher(key)
		aead, _ := cipher.NewGCM(block)
		k.aeads[n] = aead
		k.current = max(k.current, n)
	}
	if len(k.aeads) == 0 {
		return nil, errors.New("no keys: expected VERSION:BASE64KEY entries")
	}
	return k, nil
}

func decodeKey(b64 string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(b64); err == nil {
			if len(key) != 32 {
				return nil, fmt.Errorf("must decode to 32 bytes, got %d", len(key))
			}
			return key, nil
		}
	}
	return nil, errors.New("is not base64")
}

func redact(part string) string {
	ver, _, _ := strings.Cut(part, ":")
	return ver + ":…"
}

// NewKey returns a fresh random key in the format Parse expects.
func NewKey(version int) string {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return fmt.Sprintf("%d:%s", version, base64.StdEncoding.EncodeToString(key))
}

// Current is the version new ciphertexts use.
func (k *Keyring) Current() int { return k.current }

// Encrypt seals plaintext with the newest key, bound to aad.
func (k *Keyring) Encrypt(plaintext, aad []byte) (Sealed, error) {
	aead := k.aeads[k.current]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return Sealed{}, err
	}
	return Sealed{Version: k.current, Ciphertext: aead.Seal(nonce, nonce, plaintext, aad)}, nil
}

// ErrUnknownVersion means a ciphertext was made with a key no longer listed.
var ErrUnknownVersion = errors.New("secrets: ciphertext key version is not in the keyring")

// Decrypt opens a sealed value; aad must equal the one used to encrypt.
func (k *Keyring) Decrypt(s Sealed, aad []byte) ([]byte, error) {
	aead, ok := k.aeads[s.Version]
	if !ok {
		return nil, fmt.Errorf("%w (version %d)", ErrUnknownVersion, s.Version)
	}
	ns := aead.NonceSize()
	if len(s.Ciphertext) < ns+aead.Overhead() {
		return nil, errors.New("secrets: ciphertext too short")
	}
	pt, err := aead.Open(nil, s.Ciphertext[:ns], s.Ciphertext[ns:], aad)
	if err != nil {
		return nil, errors.New("secrets: ciphertext does not decrypt (wrong key or tampered)")
	}
	return pt, nil
}

// Versions lists the key versions, oldest first.
func (k *Keyring) Versions() []int {
	vs := make([]int, 0, len(k.aeads))
	for v := range k.aeads {
		vs = append(vs, v)
	}
	sort.Ints(vs)
	return vs
}

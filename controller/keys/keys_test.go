package keys

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadOrCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "controller.key")
	k1, err := LoadOrCreate(path)
	require.NoError(t, err)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "owner-only")

	k2, err := LoadOrCreate(path)
	require.NoError(t, err)
	assert.True(t, k1.Equal(k2), "the second start reuses the key")

	pub, err := DecodePublic(EncodePublic(k1.Public().(ed25519.PublicKey)))
	require.NoError(t, err)
	assert.True(t, pub.Equal(k1.Public()))
}

func TestBadKeyFiles(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"garbage": "hello", "public-as-private": string(EncodePublic(make([]byte, ed25519.PublicKeySize))),
	} {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		_, err := LoadOrCreate(path)
		assert.ErrorIs(t, err, ErrBadKey, name)
	}
	_, err := DecodePublic([]byte("nope"))
	assert.ErrorIs(t, err, ErrBadKey)
}

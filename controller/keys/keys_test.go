package keys

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"github.com/unbind/unbind/protocol"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

	pub, err := protocol.ParsePublicKey(protocol.EncodePublicKey(k1.Public().(ed25519.PublicKey)))
	require.NoError(t, err)
	assert.True(t, pub.Equal(k1.Public()))
}

func TestBadKeyFiles(t *testing.T) {
	dir := t.TempDir()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	require.NoError(t, err)
	for name, content := range map[string]string{
		"garbage":           "hello",
		"public-as-private": string(protocol.EncodePublicKey(make([]byte, ed25519.PublicKeySize))),
		"pkcs8 ecdsa":       string(pem.EncodeToMemory(&pem.Block{Type: privateBlock, Bytes: ecDER})),
		"pkcs8 garbage":     string(pem.EncodeToMemory(&pem.Block{Type: privateBlock, Bytes: []byte("nope")})),
		"legacy short seed": string(pem.EncodeToMemory(&pem.Block{Type: legacyPrivateBlock, Bytes: []byte("short")})),
	} {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		_, err := LoadOrCreate(path)
		assert.ErrorIs(t, err, ErrBadKey, name)
	}
}

// privateKeyCases are key files LoadPrivate must read, shared with the fuzz
// seeds: the PKCS #8 file LoadOrCreate writes and the bare-seed block of
// earlier versions.
func privateKeyCases(t testing.TB) map[string][]byte {
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = byte(i)
	}
	der, err := x509.MarshalPKCS8PrivateKey(ed25519.NewKeyFromSeed(seed))
	require.NoError(t, err)
	return map[string][]byte{
		"pkcs8":  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		"legacy": pem.EncodeToMemory(&pem.Block{Type: "UNBIND ED25519 PRIVATE KEY", Bytes: seed}),
	}
}

// TestLoadPrivateFormats: a key file written by an earlier version (the
// bare seed in a custom block) still loads, as the same key as its PKCS #8
// form, and LoadOrCreate keeps it as it is rather than rewriting it.
func TestLoadPrivateFormats(t *testing.T) {
	cases := privateKeyCases(t)
	var keys []ed25519.PrivateKey
	for _, name := range []string{"pkcs8", "legacy"} {
		path := filepath.Join(t.TempDir(), "controller.key")
		require.NoError(t, os.WriteFile(path, cases[name], 0o600))
		key, err := LoadOrCreate(path)
		require.NoError(t, err, name)
		keys = append(keys, key)
		after, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, cases[name], after, "%s: an existing key file is not rewritten", name)
		pub, err := FindPublic(path)
		require.NoError(t, err, name)
		assert.True(t, pub.Equal(key.Public()), name)
	}
	assert.True(t, keys[0].Equal(keys[1]), "both forms hold the same key")
}

// TestPrivateKeyOpenSSL: the key file LoadOrCreate writes is standard
// PKCS #8, which openssl reads, and a key openssl generates loads. Skipped
// where openssl is not installed.
func TestPrivateKeyOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "controller.key")
	key, err := LoadOrCreate(path)
	require.NoError(t, err)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(b), "-----BEGIN PRIVATE KEY-----\n"), "standard block: %s", b)

	out, err := exec.Command(openssl, "pkey", "-in", path, "-text", "-noout").CombinedOutput()
	require.NoError(t, err, "openssl pkey: %s", out)
	assert.Contains(t, string(out), "ED25519 Private-Key")
	// openssl derives the same public key as ours.
	pubPath := filepath.Join(dir, "controller.pub")
	out, err = exec.Command(openssl, "pkey", "-in", path, "-pubout", "-out", pubPath).CombinedOutput()
	require.NoError(t, err, "openssl pkey -pubout: %s", out)
	pub, err := FindPublic(pubPath)
	require.NoError(t, err)
	assert.True(t, pub.Equal(key.Public()), "openssl's public key is ours")

	genPath := filepath.Join(dir, "openssl.key")
	out, err = exec.Command(openssl, "genpkey", "-algorithm", "ed25519", "-out", genPath).CombinedOutput()
	require.NoError(t, err, "openssl genpkey: %s", out)
	_, err = LoadPrivate(genPath)
	assert.NoError(t, err, "a key openssl generated loads")
}

func FuzzParsePrivate(f *testing.F) {
	for _, b := range privateKeyCases(f) {
		f.Add(b)
	}
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n"))
	f.Add(protocol.EncodePublicKey(make([]byte, ed25519.PublicKeySize)))
	f.Fuzz(func(t *testing.T, b []byte) {
		key, err := ParsePrivate(b)
		if err != nil {
			if !errors.Is(err, ErrBadKey) {
				t.Fatalf("error %v does not wrap ErrBadKey", err)
			}
			return
		}
		if len(key) != ed25519.PrivateKeySize {
			t.Fatalf("accepted a %d-byte key", len(key))
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatalf("accepted key does not encode: %v", err)
		}
		again, err := ParsePrivate(pem.EncodeToMemory(&pem.Block{Type: privateBlock, Bytes: der}))
		if err != nil || !again.Equal(key) {
			t.Fatalf("accepted key does not round-trip: %v", err)
		}
	})
}

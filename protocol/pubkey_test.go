package protocol

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEncodePublicKeyIsPKIX(t *testing.T) {
	pub := testKey(0).Public().(ed25519.PublicKey)
	b := EncodePublicKey(pub)
	block, rest := pem.Decode(b)
	require.NotNil(t, block)
	assert.Empty(t, rest)
	assert.Equal(t, "PUBLIC KEY", block.Type)
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	require.NoError(t, err)
	assert.Equal(t, pub, key)
}

func TestParsePublicKey(t *testing.T) {
	pub := testKey(0).Public().(ed25519.PublicKey)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	require.NoError(t, err)
	pemOf := func(typ string, b []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}) }
	tests := []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"pkix", EncodePublicKey(pub), true},
		{"legacy raw block", pemOf(LegacyPublicKeyPEMBlock, pub), true},
		{"legacy block too short", pemOf(LegacyPublicKeyPEMBlock, pub[:31]), false},
		{"pkix block holding raw bytes", pemOf(PublicKeyPEMBlock, pub), false},
		{"pkix of another algorithm", pemOf(PublicKeyPEMBlock, ecDER), false},
		{"other block type", pemOf("PRIVATE KEY", pub), false},
		{"not pem", []byte("hello"), false},
		{"empty", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePublicKey(tc.in)
			if !tc.ok {
				require.ErrorIs(t, err, ErrBadPublicKey)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, pub, got)
		})
	}
}

// TestPublicKeyOpenSSL: the PEM key is one standard tools read. Skipped
// where openssl is not installed.
func TestPublicKeyOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	path := filepath.Join(t.TempDir(), "controller.pub")
	require.NoError(t, os.WriteFile(path, EncodePublicKey(testKey(0).Public().(ed25519.PublicKey)), 0o644))
	out, err := exec.Command(openssl, "pkey", "-pubin", "-in", path, "-noout").CombinedOutput()
	require.NoError(t, err, "openssl pkey: %s", out)
	out, err = exec.Command(openssl, "pkey", "-pubin", "-in", path, "-text", "-noout").CombinedOutput()
	require.NoError(t, err, "openssl pkey -text: %s", out)
	assert.Contains(t, string(out), "ED25519 Public-Key")
}

func FuzzParsePublicKey(f *testing.F) {
	pub := testKey(0).Public().(ed25519.PublicKey)
	f.Add(EncodePublicKey(pub))
	f.Add(pem.EncodeToMemory(&pem.Block{Type: LegacyPublicKeyPEMBlock, Bytes: pub}))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		key, err := ParsePublicKey(b)
		if err != nil {
			return
		}
		if len(key) != ed25519.PublicKeySize {
			t.Fatalf("accepted a %d-byte key", len(key))
		}
		again, err := ParsePublicKey(EncodePublicKey(key))
		if err != nil || !again.Equal(key) {
			t.Fatalf("accepted key does not round-trip: %v", err)
		}
	})
}

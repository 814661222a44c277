// Package keys keeps the controller's ed25519 signing key: it signs commands
// to agents and release certificates, and its public half is what agents and
// certificate readers trust.
package keys

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/unbind/unbind/protocol"
)

const (
	// privateBlock is the standard PKCS #8 PEM block (RFC 7468), which
	// openssl and other tools read.
	privateBlock = "PRIVATE KEY"
	// legacyPrivateBlock held the bare 32-byte seed in key files written by
	// earlier versions; they still load.
	legacyPrivateBlock = "UNBIND ED25519 PRIVATE KEY"
)

// ErrBadKey reports a key file that is not what it should be.
var ErrBadKey = errors.New("not an unbind ed25519 key")

// LoadOrCreate reads the private key at path, creating it (owner-only) on
// first use. Its parent directory is created when missing.
func LoadOrCreate(path string) (ed25519.PrivateKey, error) {
	key, err := LoadPrivate(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	_, key, err = ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate controller key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create key directory for %s: %w", path, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode controller key: %w", err)
	}
	b := pem.EncodeToMemory(&pem.Block{Type: privateBlock, Bytes: der})
	// O_EXCL: two controllers starting at once must not each write a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadPrivate(path)
	}
	if err != nil {
		return nil, fmt.Errorf("write controller key %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, fmt.Errorf("write controller key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write controller key %s: %w", path, err)
	}
	return key, nil
}

// LoadPrivate reads a private key written by LoadOrCreate, by an earlier
// version, or by `openssl genpkey -algorithm ed25519` (ParsePrivate).
func LoadPrivate(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read controller key: %w", err)
	}
	key, err := ParsePrivate(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// ParsePrivate parses the PEM form of an ed25519 private key: PKCS #8
// ("PRIVATE KEY", as LoadOrCreate writes it) or the bare seed in the
// "UNBIND ED25519 PRIVATE KEY" block of earlier versions. Anything else,
// including a PKCS #8 key of another algorithm, is ErrBadKey.
func ParsePrivate(b []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, ErrBadKey
	}
	switch block.Type {
	case privateBlock:
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadKey, err)
		}
		edKey, ok := key.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%w: a %T, not ed25519", ErrBadKey, key)
		}
		return edKey, nil
	case legacyPrivateBlock:
		if len(block.Bytes) != ed25519.SeedSize {
			return nil, ErrBadKey
		}
		return ed25519.NewKeyFromSeed(block.Bytes), nil
	}
	return nil, ErrBadKey
}

// FindPublic reads the controller's public key from path: a public key PEM,
// the controller's private key file, or a directory holding controller.pub
// or controller.key (tried in that order).
func FindPublic(path string) (ed25519.PublicKey, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if st.IsDir() {
		for _, name := range []string{"controller.pub", "controller.key"} {
			p := filepath.Join(path, name)
			if _, err := os.Stat(p); err == nil {
				return FindPublic(p)
			}
		}
		return nil, fmt.Errorf("%s: no controller.pub or controller.key in the directory", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if pub, err := protocol.ParsePublicKey(b); err == nil {
		return pub, nil
	}
	priv, err := LoadPrivate(path)
	if errors.Is(err, ErrBadKey) {
		return nil, fmt.Errorf("%s: neither an unbind public key nor a controller key", path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return priv.Public().(ed25519.PublicKey), nil
}

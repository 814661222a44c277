package protocol

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// PublicKeyPEMBlock is the PEM block type of the controller's public key:
// a standard PKIX SubjectPublicKeyInfo, as openssl and other tools read it.
const PublicKeyPEMBlock = "PUBLIC KEY"

// LegacyPublicKeyPEMBlock is the block type earlier versions wrote, holding
// the raw 32-byte key. ParsePublicKey still reads it, so agents enrolled and
// keys saved before the change keep working; nothing writes it any more.
const LegacyPublicKeyPEMBlock = "UNBIND ED25519 PUBLIC KEY"

// ErrBadPublicKey reports bytes that are not a controller public key in PEM.
var ErrBadPublicKey = errors.New("not an unbind controller public key (PEM)")

// EncodePublicKey returns the PEM form of a controller public key
// (PublicKeyPEMBlock). Marshalling an Ed25519 key cannot fail; were it to,
// the result would be empty, which ParsePublicKey rejects.
func EncodePublicKey(pub ed25519.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: PublicKeyPEMBlock, Bytes: der})
}

// ParsePublicKey reads a controller public key in PEM form: PKIX (the
// current form) or the legacy raw block.
func ParsePublicKey(b []byte) (ed25519.PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, ErrBadPublicKey
	}
	switch block.Type {
	case PublicKeyPEMBlock:
		key, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadPublicKey, err)
		}
		pub, ok := key.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%w: a %T, not Ed25519", ErrBadPublicKey, key)
		}
		return pub, nil
	case LegacyPublicKeyPEMBlock:
		if len(block.Bytes) != ed25519.PublicKeySize {
			return nil, ErrBadPublicKey
		}
		return ed25519.PublicKey(block.Bytes), nil
	}
	return nil, fmt.Errorf("%w: PEM block %q", ErrBadPublicKey, block.Type)
}

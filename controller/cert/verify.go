package cert

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Reasons a certificate does not verify; Verify's error wraps exactly one.
var (
	// ErrNotJSON: the file is not a JSON certificate at all.
	ErrNotJSON = errors.New("not a JSON certificate")
	// ErrMalformed: JSON, but not laid out as a certificate.
	ErrMalformed = errors.New("malformed certificate")
	// ErrNoSignature: the signature is missing.
	ErrNoSignature = errors.New("certificate has no signature")
	// ErrUnknownFormat: a format version or algorithm this build does not read.
	ErrUnknownFormat = errors.New("unknown certificate format")
	// ErrWrongKey: the certificate names another controller key.
	ErrWrongKey = errors.New("certificate was signed by another controller key")
	// ErrBadSignature: the signature does not match the document.
	ErrBadSignature = errors.New("signature does not match: the document was altered after signing or signed by another key")
)

// Verify checks a certificate file against the controller's public key and
// says what is wrong with it, if anything.
func Verify(file []byte, pub ed25519.PublicKey) error {
	_, err := Open(file, pub)
	return err
}

// Open verifies a certificate file and returns what it says.
func Open(file []byte, pub ed25519.PublicKey) (SignedCertificate, error) {
	if len(pub) != ed25519.PublicKeySize {
		return SignedCertificate{}, errors.New("verify certificate: not an ed25519 public key")
	}
	env, err := readEnvelope(file)
	if err != nil {
		return SignedCertificate{}, err
	}
	var head struct {
		Format     string     `json:"format"`
		Controller Controller `json:"controller"`
	}
	if err := json.Unmarshal(env.Document, &head); err != nil {
		return SignedCertificate{}, fmt.Errorf("%w: document: %w", ErrMalformed, err)
	}
	if head.Format != Format {
		return SignedCertificate{}, fmt.Errorf("%w: format %q (this build reads %q)", ErrUnknownFormat, head.Format, Format)
	}
	if env.Algorithm != Algorithm {
		return SignedCertificate{}, fmt.Errorf("%w: signature algorithm %q (want %q)", ErrUnknownFormat, env.Algorithm, Algorithm)
	}
	if want := Fingerprint(pub); head.Controller.KeyFingerprint != want {
		return SignedCertificate{}, fmt.Errorf("%w: it names key %q, the given key is %s",
			ErrWrongKey, head.Controller.KeyFingerprint, want)
	}
	sig, err := base64.StdEncoding.DecodeString(env.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return SignedCertificate{}, fmt.Errorf("%w: the signature is not a base64 ed25519 signature", ErrBadSignature)
	}
	msg, err := canonical(env.Document)
	if err != nil {
		return SignedCertificate{}, fmt.Errorf("%w: document: %w", ErrMalformed, err)
	}
	if !ed25519.Verify(pub, msg, sig) {
		return SignedCertificate{}, ErrBadSignature
	}
	doc, err := decodeDocument(env.Document)
	if err != nil {
		return SignedCertificate{}, err
	}
	return SignedCertificate{Doc: doc, File: file}, nil
}

// Parse reads a certificate without verifying it, for files the controller
// itself issued and stored.
func Parse(file []byte) (SignedCertificate, error) {
	env, err := readEnvelope(file)
	if err != nil {
		return SignedCertificate{}, err
	}
	doc, err := decodeDocument(env.Document)
	if err != nil {
		return SignedCertificate{}, err
	}
	return SignedCertificate{Doc: doc, File: file}, nil
}

func readEnvelope(file []byte) (envelope, error) {
	var env envelope
	if !utf8.Valid(file) {
		return env, fmt.Errorf("%w: the file is not UTF-8 text", ErrNotJSON)
	}
	if !json.Valid(file) {
		return env, fmt.Errorf("%w: the file is not valid JSON", ErrNotJSON)
	}
	if err := uniqueKeys(file); err != nil {
		return env, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	// Nothing outside the document is signed, so nothing else may be there.
	dec := json.NewDecoder(bytes.NewReader(file))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return env, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if len(env.Document) == 0 || bytes.Equal(env.Document, []byte("null")) {
		return env, fmt.Errorf("%w: no document", ErrMalformed)
	}
	if env.Signature == "" {
		return env, ErrNoSignature
	}
	return env, nil
}

func decodeDocument(raw []byte) (Document, error) {
	var doc Document
	if err := json.Unmarshal(raw, &doc); err != nil {
		return doc, fmt.Errorf("%w: document: %w", ErrMalformed, err)
	}
	if doc.Format != Format {
		return doc, fmt.Errorf("%w: format %q (this build reads %q)", ErrUnknownFormat, doc.Format, Format)
	}
	return doc, nil
}

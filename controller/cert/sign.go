package cert

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// SignedCertificate is an issued certificate: File is the signed JSON file
// exactly as written to disk and stored, Doc what it says.
type SignedCertificate struct {
	Doc  Document
	File []byte
}

// envelope is the file layout. Only Document is signed, so nothing else may
// appear beside it (see Verify).
type envelope struct {
	Document  json.RawMessage `json:"document"`
	Algorithm string          `json:"algorithm"`
	Signature string          `json:"signature"`
}

func sign(doc Document, priv ed25519.PrivateKey) (SignedCertificate, error) {
	raw, err := json.Marshal(doc)
	if err != nil {
		return SignedCertificate{}, fmt.Errorf("encode certificate %s: %w", doc.ID, err)
	}
	msg, err := canonical(raw)
	if err != nil {
		return SignedCertificate{}, fmt.Errorf("encode certificate %s: %w", doc.ID, err)
	}
	env := envelope{Document: msg, Algorithm: Algorithm,
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(priv, msg))}
	file, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return SignedCertificate{}, fmt.Errorf("encode certificate %s: %w", doc.ID, err)
	}
	return SignedCertificate{Doc: doc, File: append(file, '\n')}, nil
}

// maxDepth bounds nesting in a certificate; the format needs three levels.
const maxDepth = 16

// canonical is the signed form of a document: its JSON re-encoded with
// object keys sorted and no whitespace, numbers kept as written. Indenting
// the file or reordering its keys therefore does not break the signature,
// but any change of a value, or an added or removed field, does.
func canonical(raw []byte) ([]byte, error) {
	if err := uniqueKeys(raw); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the document")
	}
	return json.Marshal(v)
}

// uniqueKeys refuses repeated object keys: a reader showing the first
// "serial" and a verifier using the last would disagree about what was
// signed.
func uniqueKeys(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	return walkValue(dec, 0)
}

func walkValue(dec *json.Decoder, depth int) error {
	if depth > maxDepth {
		return errors.New("nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := k.(string)
			if seen[key] {
				return fmt.Errorf("field %q appears twice", key)
			}
			seen[key] = true
			if err := walkValue(dec, depth+1); err != nil {
				return err
			}
		}
	case '[':
		for dec.More() {
			if err := walkValue(dec, depth+1); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

package cert

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// ManifestFormat names the layout of a lot's manifest.
const ManifestFormat = "unbind-lot-manifest/1"

// ManifestStatement says what the certificates a manifest lists attest, in
// the manifest itself, so that the signed file cannot be read as more.
const ManifestStatement = "Each certificate listed attests that the phone was checked free of account locks " +
	"(activation locks such as Google Factory Reset Protection or a Mi account) and then factory reset, " +
	"releasing those locks. It is not a data sanitisation record."

// Pack layout: a directory holding ManifestFile and, under CertificatesDir,
// one file per certificate named by its ID.
const (
	ManifestFile    = "manifest.json"
	CertificatesDir = "certificates"
)

// CertificatePath is where a pack keeps certificate id.
func CertificatePath(id string) string { return CertificatesDir + "/" + id + ".json" }

// Manifest lists a lot's phones and the SHA-256 of each certificate file
// of the pack; it is signed like a certificate.
type Manifest struct {
	Format      string      `json:"format"`
	Statement   string      `json:"statement"`
	GeneratedAt time.Time   `json:"generated_at"`
	Lot         ManifestLot `json:"lot"`
	// Phones are every phone of the lot, with or without a certificate.
	Phones       []ManifestPhone       `json:"phones"`
	Certificates []ManifestCertificate `json:"certificates"`
	Controller   Controller            `json:"controller"`
}

// ManifestLot identifies the lot.
type ManifestLot struct {
	ID        string    `json:"id"`
	Customer  string    `json:"customer"`
	Reference string    `json:"reference,omitempty"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"created_at"`
	ClosedAt  time.Time `json:"closed_at,omitzero"`
}

// ManifestPhone is one phone of the lot.
type ManifestPhone struct {
	DeviceID      string `json:"device_id"`
	Serial        string `json:"serial,omitempty"`
	CertificateID string `json:"certificate_id,omitempty"`
}

// ManifestCertificate is one certificate file of the pack.
type ManifestCertificate struct {
	ID       string `json:"id"`
	DeviceID string `json:"device_id"`
	// File is the path in the pack, CertificatePath(ID).
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
}

// Errors of a pack, beside a certificate's own.
var (
	// ErrPackMismatch: a certificate file is missing, extra, or not the
	// file the manifest lists.
	ErrPackMismatch = errors.New("pack does not match its manifest")
)

// FileHash is the hex SHA-256 a manifest lists for a file.
func FileHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// SignManifest signs m with the controller's key and returns the file.
func SignManifest(m Manifest, priv ed25519.PrivateKey) ([]byte, error) {
	m.Format = ManifestFormat
	m.Statement = ManifestStatement
	m.Controller = Controller{KeyFingerprint: Fingerprint(priv.Public().(ed25519.PublicKey))}
	for _, c := range m.Certificates {
		if c.File != CertificatePath(c.ID) || !ValidID(c.ID) {
			return nil, fmt.Errorf("sign manifest of lot %s: certificate %q: unsafe ID or path", m.Lot.ID, c.ID)
		}
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("sign manifest of lot %s: %w", m.Lot.ID, err)
	}
	msg, err := canonical(raw)
	if err != nil {
		return nil, fmt.Errorf("sign manifest of lot %s: %w", m.Lot.ID, err)
	}
	env := envelope{Document: msg, Algorithm: Algorithm, Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(priv, msg))}
	file, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("sign manifest of lot %s: %w", m.Lot.ID, err)
	}
	return append(file, '\n'), nil
}

// ParseManifest reads a manifest without verifying it, for one the
// controller has just signed.
func ParseManifest(file []byte) (Manifest, error) {
	env, err := readEnvelope(file)
	if err != nil {
		return Manifest{}, err
	}
	var m Manifest
	if err := json.Unmarshal(env.Document, &m); err != nil {
		return Manifest{}, fmt.Errorf("%w: manifest: %w", ErrMalformed, err)
	}
	if m.Format != ManifestFormat {
		return Manifest{}, fmt.Errorf("%w: manifest format %q", ErrUnknownFormat, m.Format)
	}
	return m, nil
}

// OpenManifest verifies a manifest file against the controller's key and
// returns what it says.
func OpenManifest(file []byte, pub ed25519.PublicKey) (Manifest, error) {
	if len(pub) != ed25519.PublicKeySize {
		return Manifest{}, errors.New("verify manifest: not an ed25519 public key")
	}
	env, err := readEnvelope(file)
	if err != nil {
		return Manifest{}, err
	}
	var m Manifest
	dec := json.NewDecoder(strings.NewReader(string(env.Document)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("%w: manifest: %w", ErrMalformed, err)
	}
	if m.Format != ManifestFormat || env.Algorithm != Algorithm {
		return Manifest{}, fmt.Errorf("%w: manifest format %q, algorithm %q", ErrUnknownFormat, m.Format, env.Algorithm)
	}
	if want := Fingerprint(pub); m.Controller.KeyFingerprint != want {
		return Manifest{}, fmt.Errorf("%w: the manifest names key %q, the given key is %s", ErrWrongKey, m.Controller.KeyFingerprint, want)
	}
	sig, err := base64.StdEncoding.DecodeString(env.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return Manifest{}, fmt.Errorf("%w: the signature is not a base64 ed25519 signature", ErrBadSignature)
	}
	msg, err := canonical(env.Document)
	if err != nil {
		return Manifest{}, fmt.Errorf("%w: manifest: %w", ErrMalformed, err)
	}
	if !ed25519.Verify(pub, msg, sig) {
		return Manifest{}, fmt.Errorf("manifest: %w", ErrBadSignature)
	}
	return m, nil
}

// PackProblem is one thing wrong with a pack.
type PackProblem struct {
	File string
	Err  error
}

// VerifyPack checks a lot's pack offline: the manifest's signature, then
// every certificate file it lists (present, the SHA-256 listed, its own
// signature, the ID and phone listed), and that no other certificate file
// lies beside them. It returns the manifest and every problem found; the
// error is set when the manifest itself cannot be trusted or read.
func VerifyPack(pack fs.FS, pub ed25519.PublicKey, maxFile int64) (Manifest, []PackProblem, error) {
	mfile, err := readLimited(pack, ManifestFile, maxFile)
	if err != nil {
		return Manifest{}, nil, err
	}
	m, err := OpenManifest(mfile, pub)
	if err != nil {
		return Manifest{}, nil, fmt.Errorf("%s: %w", ManifestFile, err)
	}
	var problems []PackProblem
	listed := map[string]bool{}
	for _, c := range m.Certificates {
		if c.File != CertificatePath(c.ID) || !ValidID(c.ID) {
			problems = append(problems, PackProblem{c.File, fmt.Errorf("%w: certificate %q is listed at an unsafe path", ErrPackMismatch, c.ID)})
			continue
		}
		listed[c.File] = true
		b, err := readLimited(pack, c.File, maxFile)
		if err != nil {
			problems = append(problems, PackProblem{c.File, fmt.Errorf("%w: %w", ErrPackMismatch, err)})
			continue
		}
		if got := FileHash(b); got != c.SHA256 {
			problems = append(problems, PackProblem{c.File, fmt.Errorf("%w: SHA-256 %s, the manifest lists %s", ErrPackMismatch, got, c.SHA256)})
			continue
		}
		sc, err := Open(b, pub)
		if err != nil {
			problems = append(problems, PackProblem{c.File, err})
			continue
		}
		if sc.Doc.ID != c.ID || sc.Doc.Device.ID != c.DeviceID {
			problems = append(problems, PackProblem{c.File, fmt.Errorf("%w: the file is certificate %s of phone %s, the manifest lists %s of %s",
				ErrPackMismatch, sc.Doc.ID, sc.Doc.Device.ID, c.ID, c.DeviceID)})
		}
	}
	entries, err := fs.ReadDir(pack, CertificatesDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return m, problems, fmt.Errorf("read %s: %w", CertificatesDir, err)
	}
	for _, e := range entries {
		if p := CertificatesDir + "/" + e.Name(); !listed[p] {
			problems = append(problems, PackProblem{p, fmt.Errorf("%w: the manifest does not list this file", ErrPackMismatch)})
		}
	}
	slices.SortStableFunc(problems, func(a, b PackProblem) int { return strings.Compare(a.File, b.File) })
	return m, problems, nil
}

func readLimited(pack fs.FS, name string, maxFile int64) ([]byte, error) {
	st, err := fs.Stat(pack, name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if !st.Mode().IsRegular() || st.Size() > maxFile {
		return nil, fmt.Errorf("read %s: not a regular file of at most %d bytes", name, maxFile)
	}
	b, err := fs.ReadFile(pack, name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return b, nil
}

// ValidID accepts a certificate ID that is safe as a file name: letters,
// digits and '-'.
func ValidID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return path.Base(id) == id
}

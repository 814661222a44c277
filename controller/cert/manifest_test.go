package cert

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testPack is a signed pack of two certificates.
func testPack(t *testing.T) fstest.MapFS {
	t.Helper()
	key := testKey(1)
	pack := fstest.MapFS{}
	m := Manifest{GeneratedAt: at(500), Lot: ManifestLot{ID: "L-1", Customer: "Acme", State: "closed", CreatedAt: at(0)}}
	for _, id := range []string{"cert-1", "cert-2"} {
		in := goodInputs()
		in.ID = id
		sc, err := Issue(in, key)
		require.NoError(t, err)
		pack[CertificatePath(id)] = &fstest.MapFile{Data: sc.File}
		m.Phones = append(m.Phones, ManifestPhone{DeviceID: "SER1", CertificateID: id})
		m.Certificates = append(m.Certificates, ManifestCertificate{ID: id, DeviceID: "SER1", File: CertificatePath(id), SHA256: FileHash(sc.File)})
	}
	mf, err := SignManifest(m, key)
	require.NoError(t, err)
	pack[ManifestFile] = &fstest.MapFile{Data: mf}
	return pack
}

func flipByte(b []byte, i int) []byte {
	out := append([]byte(nil), b...)
	out[i] ^= 0x01
	return out
}

// TestVerifyPack: the pack as signed verifies; one byte changed in a
// certificate or in the manifest, a certificate missing or added, or
// another key, each fails.
func TestVerifyPack(t *testing.T) {
	pub := testKey(1).Public().(ed25519.PublicKey)
	m, problems, err := VerifyPack(testPack(t), pub, 1<<20)
	require.NoError(t, err)
	assert.Empty(t, problems)
	assert.Equal(t, "L-1", m.Lot.ID)
	assert.Len(t, m.Certificates, 2)
	assert.Equal(t, ManifestStatement, m.Statement)
	assert.NotContains(t, m.Statement, "erase", "a release of account locks, never a claim of erasure")

	certPath := CertificatePath("cert-2")
	tests := []struct {
		name       string
		change     func(fstest.MapFS)
		manifestOK bool
		problem    string
	}{
		{"a byte of a certificate", func(p fstest.MapFS) {
			p[certPath] = &fstest.MapFile{Data: flipByte(p[certPath].Data, len(p[certPath].Data)/2)}
		}, true, certPath},
		{"a certificate removed", func(p fstest.MapFS) { delete(p, certPath) }, true, certPath},
		{"a certificate added", func(p fstest.MapFS) {
			p[CertificatePath("cert-9")] = p[certPath]
		}, true, CertificatePath("cert-9")},
		{"a byte of the manifest", func(p fstest.MapFS) {
			b := p[ManifestFile].Data
			i := bytes.Index(b, []byte(`"Acme`)) + 2
			p[ManifestFile] = &fstest.MapFile{Data: flipByte(b, i)}
		}, false, ""},
		{"a byte of the manifest's signature", func(p fstest.MapFS) {
			b := p[ManifestFile].Data
			i := bytes.Index(b, []byte(`"signature": "`)) + 16
			p[ManifestFile] = &fstest.MapFile{Data: flipByte(b, i)}
		}, false, ""},
		{"the manifest removed", func(p fstest.MapFS) { delete(p, ManifestFile) }, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := testPack(t)
			tc.change(p)
			_, problems, err := VerifyPack(p, pub, 1<<20)
			if !tc.manifestOK {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Len(t, problems, 1)
			assert.Equal(t, tc.problem, problems[0].File)
		})
	}

	_, _, err = VerifyPack(testPack(t), testKey(2).Public().(ed25519.PublicKey), 1<<20)
	assert.True(t, errors.Is(err, ErrWrongKey), "%v", err)
}

func TestSignManifestRefusesUnsafePaths(t *testing.T) {
	for _, id := range []string{"../x", "a/b", "", "c.json"} {
		_, err := SignManifest(Manifest{Certificates: []ManifestCertificate{{ID: id, File: CertificatePath(id)}}}, testKey(1))
		assert.Error(t, err, id)
	}
}

// FuzzOpenManifest: any file given to verify is refused or read, never a
// panic, and only the signed manifest is read as valid.
func FuzzOpenManifest(f *testing.F) {
	key := testKey(1)
	signed, err := SignManifest(Manifest{GeneratedAt: at(1), Lot: ManifestLot{ID: "L-1", Customer: "Acme", State: "open", CreatedAt: at(0)},
		Phones: []ManifestPhone{{DeviceID: "SER1"}}, Certificates: []ManifestCertificate{}}, key)
	require.NoError(f, err)
	f.Add(signed)
	f.Add([]byte(`{"document":{},"algorithm":"ed25519","signature":"AA=="}`))
	f.Add([]byte(`null`))
	pub := key.Public().(ed25519.PublicKey)
	f.Fuzz(func(t *testing.T, file []byte) {
		m, err := OpenManifest(file, pub)
		if err == nil && !bytes.Equal(file, signed) {
			// Re-indented or reordered keys still verify; what they say must not change.
			assert.Equal(t, "L-1", m.Lot.ID)
		}
	})
}

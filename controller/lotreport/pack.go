package lotreport

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/cert"
)

// ReportFile is the report's name in a pack.
const ReportFile = "report.pdf"

// PackFile is one file of an auditor's pack: its slash-separated path in
// the pack and its bytes.
type PackFile struct {
	Path string
	Data []byte
}

// Pack lays out a lot's auditor's pack: ReportFile, the signed manifest
// exactly as the controller signed it, and each certificate exactly as
// issued under cert.CertificatesDir. The report reads what the controller
// signed, as the auditor will. It is the one definition of a pack's
// content: `unbind lot report` writes it into a directory, the console
// into a zip.
func Pack(p api.LotPack) ([]PackFile, error) {
	m, err := cert.ParseManifest([]byte(p.Manifest))
	if err != nil {
		return nil, fmt.Errorf("manifest of lot %s: %w", p.Lot.ID, err)
	}
	files := make([]PackFile, 0, len(p.Certificates)+2)
	docs := make(map[string]cert.Document, len(p.Certificates))
	for _, c := range p.Certificates {
		if !cert.ValidID(c.ID) {
			return nil, fmt.Errorf("certificate ID %q is not a safe file name", c.ID)
		}
		sc, err := cert.Parse([]byte(c.File))
		if err != nil {
			return nil, fmt.Errorf("certificate %s: %w", c.ID, err)
		}
		docs[c.ID] = sc.Doc
		files = append(files, PackFile{Path: cert.CertificatePath(c.ID), Data: []byte(c.File)})
	}
	var report bytes.Buffer
	if err := Write(&report, Report{Pack: p, Manifest: m, Certificates: docs}); err != nil {
		return nil, err
	}
	return append([]PackFile{{Path: ReportFile, Data: report.Bytes()}, {Path: cert.ManifestFile, Data: []byte(p.Manifest)}},
		files...), nil
}

// WriteZip writes files as a zip archive whose entries all lie under the
// folder dir, so that unzipping it makes one pack directory.
func WriteZip(w io.Writer, dir string, files []PackFile) error {
	z := zip.NewWriter(w)
	if _, err := z.Create(dir + "/"); err != nil {
		return fmt.Errorf("zip pack %s: %w", dir, err)
	}
	if _, err := z.Create(path.Join(dir, cert.CertificatesDir) + "/"); err != nil {
		return fmt.Errorf("zip pack %s: %w", dir, err)
	}
	for _, f := range files {
		fw, err := z.Create(path.Join(dir, f.Path))
		if err != nil {
			return fmt.Errorf("zip pack %s: %s: %w", dir, f.Path, err)
		}
		if _, err := fw.Write(f.Data); err != nil {
			return fmt.Errorf("zip pack %s: %s: %w", dir, f.Path, err)
		}
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("zip pack %s: %w", dir, err)
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/cert"
	"github.com/unbind/unbind/controller/lotreport"
	"github.com/unbind/unbind/internal/cli"
)

func init() {
	lotSubCmds = append(lotSubCmds, func(io streams) *cobra.Command { return newLotReportCmd(io, nil) })
}

func newLotReportCmd(io streams, runF lotRunF) *cobra.Command {
	opts := &lotOptions{}
	cmd := lotCmd(&cobra.Command{
		Use:   "report ID [--dir DIR]",
		Short: "Write a lot's auditor's pack: report.pdf, a signed manifest.json and the certificates",
		Long: `report writes a lot's auditor's pack into DIR (default lot-ID), which must be
new or empty:

  report.pdf              the lot, counts by release outcome and lock kind, one
                          row per phone with its certificate and evidence, and
                          the audit trail of the lot and its phones
  manifest.json           every certificate file with its SHA-256, signed with
                          the controller's key
  certificates/ID.json    each phone's newest certificate, exactly as issued

'unbind cert verify --lot DIR' checks the pack offline. A certificate
attests a release of account locks, not a data sanitisation.`,
		Example: "  unbind lot report L-2026-0042 --dir pack-0042",
		Args:    cobra.ExactArgs(1),
	}, io, opts, func(a []string) { opts.ID = a[0] }, lotReportRun, runF)
	cmd.Flags().StringVar(&opts.Dir, "dir", "", "directory to write the pack into (default lot-ID)")
	return cmd
}

func lotReportRun(ctx context.Context, io streams, opts *lotOptions) error {
	p, err := newAPIClient(opts.API).LotPack(ctx, opts.ID)
	if err != nil {
		return err
	}
	dir := opts.Dir
	if dir == "" {
		dir = safeFileName("lot-" + opts.ID)
	}
	if err := writePack(dir, p); err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, map[string]any{"dir": dir, "phones": len(p.Devices), "certificates": len(p.Certificates)})
	}
	cli.Printf(io.Out, "%s\n", dir)
	cli.Printf(io.Err, "wrote the pack of lot %s: %d phones, %d certificates; check it with 'unbind cert verify --lot %s'\n",
		p.Lot.ID, len(p.Devices), len(p.Certificates), dir)
	return nil
}

// writePack writes the pack into dir, which must be new or empty, so that
// no file of an older pack is left beside it.
func writePack(dir string, p api.LotPack) error {
	if err := os.MkdirAll(filepath.Join(dir, cert.CertificatesDir), 0o755); err != nil {
		return fmt.Errorf("create pack directory: %w", err)
	}
	for _, d := range []string{dir, filepath.Join(dir, cert.CertificatesDir)} {
		entries, err := os.ReadDir(d)
		if err != nil {
			return fmt.Errorf("read pack directory: %w", err)
		}
		for _, e := range entries {
			if d == dir && e.Name() == cert.CertificatesDir {
				continue
			}
			return fmt.Errorf("%w: %s is not empty: write the pack into a new directory", errUsage, d)
		}
	}
	files, err := lotreport.Pack(p)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(f.Path)), f.Data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", f.Path, err)
		}
	}
	return nil
}

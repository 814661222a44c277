package main

import (
	"context"
	"errors"
	"os"

	"github.com/unbind/unbind/controller/cert"
	"github.com/unbind/unbind/internal/cli"
)

// maxPackFile bounds each file verify reads from a pack: a manifest of a
// big lot is a few megabytes.
const maxPackFile = 64 << 20

// certVerifyLotRun checks a lot's auditor's pack offline (see
// cert.VerifyPack) and prints every problem; exit 1 when there is one.
func certVerifyLotRun(_ context.Context, io streams, opts *certVerifyOptions) error {
	pub, _, _, err := loadVerifyKey(opts.Key)
	if err != nil {
		return err
	}
	st, err := os.Stat(opts.Lot)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return errors.New("--lot: " + opts.Lot + " is not a directory")
	}
	m, problems, err := cert.VerifyPack(os.DirFS(opts.Lot), pub, maxPackFile)
	if err != nil {
		cli.Printf(io.Out, "INVALID %s: %v\n", opts.Lot, err)
		return cli.ExitError{Code: exitError}
	}
	if len(problems) > 0 {
		cli.Printf(io.Out, "INVALID %s: %d problems in the pack of lot %s\n", opts.Lot, len(problems), m.Lot.ID)
		for _, p := range problems {
			cli.Printf(io.Out, "  %s: %v\n", p.File, p.Err)
		}
		return cli.ExitError{Code: exitError}
	}
	cli.Printf(io.Out, "VALID %s: lot %s (%s), %d phones, %d certificates, each file as the signed manifest lists it\n",
		opts.Lot, m.Lot.ID, m.Lot.Customer, len(m.Phones), len(m.Certificates))
	cli.Printf(io.Out, "  signed by controller key %s at %s\n", m.Controller.KeyFingerprint, m.GeneratedAt.UTC().Format("2006-01-02T15:04:05Z07:00"))
	return nil
}

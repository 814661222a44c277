package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/controller/cert"
	"github.com/unbind/unbind/controller/keys"
	"github.com/unbind/unbind/internal/cli"
)

type certVerifyOptions struct {
	File string
	Key  string
	// Lot is a lot's pack directory (unbind lot report), checked whole.
	Lot string
}

func newCertVerifyCmd(io streams, runF func(context.Context, *certVerifyOptions) error) *cobra.Command {
	opts := &certVerifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify FILE | --lot DIR [--key KEY]",
		Short: "Check a certificate's signature offline; exit 0 if valid, 1 if not",
		Long: `Check a certificate file against the controller's public key, without the
controller. --key is the public key PEM ('unbind key > controller.pub'), the
controller's private key file, or the directory holding either
(controller.pub or controller.key); without it, the key of the controller on
this machine (in the user config directory, where 'unbind serve' keeps it
beside its default registry). Prints what is wrong with an invalid file.

--lot checks a lot's pack as 'unbind lot report' wrote it: the manifest's
signature, and every certificate file it lists (present, unchanged: the
SHA-256 the manifest lists, and its own signature), with no other
certificate file beside them.`,
		Example: "  unbind cert verify R58M12ABC.cert.json --key controller.pub\n  unbind cert verify --lot lot-L-2026-0042 --key controller.pub",
		Args: func(cmd *cobra.Command, args []string) error {
			if opts.Lot != "" {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.File = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			if opts.Lot != "" {
				return certVerifyLotRun(cmd.Context(), io, opts)
			}
			return certVerifyRun(cmd.Context(), io, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Lot, "lot", "", "a lot's pack directory (unbind lot report) to check whole")
	cmd.Flags().StringVar(&opts.Key, "key", "", "controller public key (PEM), private key, or their directory (default: this machine's controller key)")
	return cmd
}

// maxCertFile bounds what verify reads; a certificate is a few kilobytes.
const maxCertFile = 1 << 20

// getKeyHint says where the controller's public key comes from.
const getKeyHint = "get the controller's public key with `unbind key > controller.pub` (add --api URL for a controller elsewhere) and pass --key controller.pub"

func certVerifyRun(_ context.Context, io streams, opts *certVerifyOptions) error {
	pub, keyPath, defaulted, err := loadVerifyKey(opts.Key)
	if err != nil {
		return err
	}
	st, err := os.Stat(opts.File)
	if err != nil {
		return fmt.Errorf("read certificate: %w", err)
	}
	if st.Size() > maxCertFile {
		fmt.Fprintf(io.Out, "INVALID %s: %d bytes is too large for a certificate\n", opts.File, st.Size())
		return cli.ExitError{Code: exitError}
	}
	file, err := os.ReadFile(opts.File)
	if err != nil {
		return fmt.Errorf("read certificate: %w", err)
	}
	sc, err := cert.Open(file, pub)
	if err != nil {
		cli.Printf(io.Out, "INVALID %s: %v\n", opts.File, err)
		if defaulted {
			cli.Printf(io.Out, "  checked against this machine's controller key (%s); for a certificate of another controller, %s\n", keyPath, getKeyHint)
		}
		return cli.ExitError{Code: exitError}
	}
	d := sc.Doc
	cli.Printf(io.Out, "VALID %s: certificate %s\n", opts.File, d.ID)
	cli.Printf(io.Out, "  phone %s (serial %s%s), released by %s, reset %s\n", d.Device.ID, d.Device.Serial, imeiNote(d.Device.IMEI),
		d.Release.Operator, d.Reset.CompletedAt.UTC().Format("2006-01-02T15:04:05Z07:00"))
	if len(d.Evidence) == 0 {
		cli.Printf(io.Out, "  evidence of the reset: not recorded (a certificate issued before evidence was kept)\n")
	}
	for _, e := range d.Evidence {
		rests := ""
		if e.Rests() {
			rests = " <- the certificate rests on this"
		}
		cli.Printf(io.Out, "  evidence %s at %s by %s%s\n", e.Kind, e.At.UTC().Format("2006-01-02T15:04:05Z07:00"), e.Source, rests)
	}
	cli.Printf(io.Out, "  %s\n", cert.Claim(d))
	cli.Printf(io.Out, "  signed by controller key %s\n", d.Controller.KeyFingerprint)
	return nil
}

func imeiNote(imei string) string {
	if imei == "" {
		return ""
	}
	return ", IMEI " + imei
}

// loadVerifyKey is the key verify checks against: --key, else the key of
// the controller on this machine (defaulted), found at keyPath.
func loadVerifyKey(key string) (pub ed25519.PublicKey, keyPath string, defaulted bool, err error) {
	keyPath, defaulted = key, key == ""
	if defaulted {
		dir, err := cli.ConfigDir()
		if err != nil {
			return nil, "", true, fmt.Errorf("%w: no --key, and %v: %s", errUsage, err, getKeyHint)
		}
		keyPath = dir
	}
	pub, err = loadPublicKey(keyPath)
	if err != nil && defaulted {
		return nil, keyPath, true, fmt.Errorf("%w: no --key, and no controller key on this machine (%v): %s", errUsage, err, getKeyHint)
	}
	return pub, keyPath, defaulted, err
}

// loadPublicKey is keys.FindPublic for --key.
func loadPublicKey(path string) (ed25519.PublicKey, error) {
	pub, err := keys.FindPublic(path)
	if err != nil {
		return nil, fmt.Errorf("--key %w", err)
	}
	return pub, nil
}

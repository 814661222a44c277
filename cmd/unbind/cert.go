package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/cert"
	"github.com/unbind/unbind/controller/keys"
	"github.com/unbind/unbind/internal/cli"
)

type certOptions struct {
	API    string
	ID     string
	OutDir string
	Note   string
}

func newCertCmd(io streams, runF func(context.Context, *certOptions) error) *cobra.Command {
	opts := &certOptions{}
	cmd := &cobra.Command{
		Use:   "cert DEVICE_ID",
		Short: "Write the signed release certificate of a released phone",
		Long: `Write the release certificate of a phone whose release ended with a
successful factory reset after a verified-safe state: DEVICE_ID.cert.json, the
document signed by the controller's ed25519 key, and DEVICE_ID.cert.html, a
printable page of the same. The controller issues one certificate per release
and refuses phones that were not released.

Check a certificate offline with 'unbind cert verify'.`,
		Example: "  unbind cert R58M12ABC --out certs/\n  unbind cert verify certs/R58M12ABC.cert.json --key controller.pub",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return certRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	cmd.Flags().StringVar(&opts.OutDir, "out", ".", "directory to write the certificate files into")
	cmd.Flags().StringVar(&opts.Note, "note", "", "a note for the audit trail (who asks is the API token's operator)")
	cmd.AddCommand(newCertVerifyCmd(io, nil))
	return cmd
}

func certRun(ctx context.Context, io streams, opts *certOptions) error {
	body, err := newAPIClient(opts.API).IssueCertificate(ctx, opts.ID, api.CertificateRequest{Note: opts.Note})
	if err != nil {
		return err
	}
	sc, err := cert.Parse([]byte(body.File))
	if err != nil {
		return fmt.Errorf("certificate of %s from the controller: %w", opts.ID, err)
	}
	page, err := cert.HTML(sc)
	if err != nil {
		return err
	}
	// The device ID names the files: never let it name a path.
	name := body.DeviceID
	if name == "" || name == "." || name == ".." || filepath.Base(name) != name {
		return fmt.Errorf("certificate of %s: device id %q cannot name a file", opts.ID, name)
	}
	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return fmt.Errorf("create --out %s: %w", opts.OutDir, err)
	}
	jsonPath := filepath.Join(opts.OutDir, name+".cert.json")
	htmlPath := filepath.Join(opts.OutDir, name+".cert.html")
	if err := os.WriteFile(jsonPath, []byte(body.File), 0o644); err != nil {
		return fmt.Errorf("write certificate: %w", err)
	}
	if err := os.WriteFile(htmlPath, page, 0o644); err != nil {
		return fmt.Errorf("write certificate page: %w", err)
	}
	fmt.Fprintln(io.out, jsonPath)
	fmt.Fprintln(io.out, htmlPath)
	return nil
}

type certVerifyOptions struct {
	File string
	Key  string
}

func newCertVerifyCmd(io streams, runF func(context.Context, *certVerifyOptions) error) *cobra.Command {
	opts := &certVerifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify FILE --key KEY",
		Short: "Check a certificate's signature offline; exit 0 if valid, 1 if not",
		Long: `Check a certificate file against the controller's public key, without the
controller. --key is the public key PEM ('unbind key > controller.pub'), the
controller's private key file, or the directory holding either
(controller.pub or controller.key). Prints what is wrong with an invalid file.`,
		Example: "  unbind cert verify R58M12ABC.cert.json --key controller.pub",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Key == "" {
				return fmt.Errorf("%w: --key is required", errUsage)
			}
			opts.File = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return certVerifyRun(cmd.Context(), io, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Key, "key", "", "controller public key (PEM), private key, or their directory")
	return cmd
}

// maxCertFile bounds what verify reads; a certificate is a few kilobytes.
const maxCertFile = 1 << 20

func certVerifyRun(_ context.Context, io streams, opts *certVerifyOptions) error {
	pub, err := loadPublicKey(opts.Key)
	if err != nil {
		return err
	}
	st, err := os.Stat(opts.File)
	if err != nil {
		return fmt.Errorf("read certificate: %w", err)
	}
	if st.Size() > maxCertFile {
		fmt.Fprintf(io.out, "INVALID %s: %d bytes is too large for a certificate\n", opts.File, st.Size())
		return exitCodeError{code: exitError}
	}
	file, err := os.ReadFile(opts.File)
	if err != nil {
		return fmt.Errorf("read certificate: %w", err)
	}
	sc, err := cert.Open(file, pub)
	if err != nil {
		cli.Printf(io.out, "INVALID %s: %v\n", opts.File, err)
		return exitCodeError{code: exitError}
	}
	d := sc.Doc
	cli.Printf(io.out, "VALID %s: certificate %s\n", opts.File, d.ID)
	cli.Printf(io.out, "  phone %s (serial %s%s), released by %s, reset %s\n", d.Device.ID, d.Device.Serial, imeiNote(d.Device.IMEI),
		d.Release.Operator, d.Reset.CompletedAt.UTC().Format("2006-01-02T15:04:05Z07:00"))
	cli.Printf(io.out, "  signed by controller key %s\n", d.Controller.KeyFingerprint)
	return nil
}

func imeiNote(imei string) string {
	if imei == "" {
		return ""
	}
	return ", IMEI " + imei
}

// loadPublicKey is keys.FindPublic for --key.
func loadPublicKey(path string) (ed25519.PublicKey, error) {
	pub, err := keys.FindPublic(path)
	if err != nil {
		return nil, fmt.Errorf("--key %w", err)
	}
	return pub, nil
}

type keyOptions struct {
	API string
}

func newKeyCmd(io streams, runF func(context.Context, *keyOptions) error) *cobra.Command {
	opts := &keyOptions{}
	cmd := &cobra.Command{
		Use:     "key",
		Short:   "Print the controller's public key (PEM), for verifying certificates",
		Example: "  unbind key > controller.pub",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return keyRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	return cmd
}

func keyRun(ctx context.Context, io streams, opts *keyOptions) error {
	b, err := newAPIClient(opts.API).PublicKey(ctx)
	if err != nil {
		return err
	}
	pub, err := keys.DecodePublic(b)
	if err != nil {
		return fmt.Errorf("the controller's key: %w", err)
	}
	fmt.Fprintf(io.err, "controller key %s\n", cert.Fingerprint(pub))
	_, err = io.out.Write(keys.EncodePublic(pub))
	return err
}

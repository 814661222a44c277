package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/cert"
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
	cmd.AddCommand(newCertIssueCmd(io, nil))
	return cmd
}

func certRun(ctx context.Context, io streams, opts *certOptions) error {
	body, err := newAPIClient(opts.API).IssueCertificate(ctx, opts.ID, api.CertificateRequest{Note: opts.Note})
	if err != nil {
		return err
	}
	jsonPath, htmlPath, err := writeCertFiles(opts.OutDir, opts.ID, body)
	if err != nil {
		return err
	}
	fmt.Fprintln(io.Out, jsonPath)
	fmt.Fprintln(io.Out, htmlPath)
	return nil
}

// writeCertFiles writes a certificate as DEVICE_ID.cert.json, exactly as
// issued, and DEVICE_ID.cert.html, its printable page, into dir; asked
// names the phone in errors.
func writeCertFiles(dir, asked string, body api.CertificateBody) (string, string, error) {
	sc, err := cert.Parse([]byte(body.File))
	if err != nil {
		return "", "", fmt.Errorf("certificate of %s from the controller: %w", asked, err)
	}
	page, err := cert.HTML(sc)
	if err != nil {
		return "", "", err
	}
	// The device ID names the files: never let it name a path.
	name := body.DeviceID
	if name == "" || name == "." || name == ".." || filepath.Base(name) != name {
		return "", "", fmt.Errorf("certificate of %s: device id %q cannot name a file", asked, name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("create --out %s: %w", dir, err)
	}
	jsonPath := filepath.Join(dir, name+".cert.json")
	htmlPath := filepath.Join(dir, name+".cert.html")
	if err := os.WriteFile(jsonPath, []byte(body.File), 0o644); err != nil {
		return "", "", fmt.Errorf("write certificate: %w", err)
	}
	if err := os.WriteFile(htmlPath, page, 0o644); err != nil {
		return "", "", fmt.Errorf("write certificate page: %w", err)
	}
	return jsonPath, htmlPath, nil
}

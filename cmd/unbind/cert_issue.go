package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
)

type certIssueOptions struct {
	API, Output string
	Batch       string
	OutDir      string
	Note        string
}

func newCertIssueCmd(io streams, runF func(context.Context, *certIssueOptions) error) *cobra.Command {
	opts := &certIssueOptions{}
	cmd := &cobra.Command{
		Use:   "issue --batch BATCH_ID",
		Short: "Issue and write the certificates of a whole batch of releases",
		Long: `issue --batch issues the certificate of every phone of a batch (the releases one
request started: "unbind releases" shows BATCH) that was released and has none
yet, and writes each phone's certificate into --out as DEVICE_ID.cert.json and
DEVICE_ID.cert.html. The controller already issues a certificate when a release
ends released; asking again issues nothing twice.

Every phone of the batch is listed: with its certificate, or with the reason it
cannot have one (its release failed or still runs, its identity is in conflict,
the evidence of its reset is missing, its certificate was superseded when it was
seen locked after the reset, or the phone has a newer release).

Exit status: 0 when every phone of the batch has a certificate that stands; 1
when one has none (each listed with why) or on an error; 2 when the command was
called wrongly.`,
		Example: `  unbind cert issue --batch 5c8f0d3e9a1b2c47 --out certs/
  unbind cert issue --batch 5c8f0d3e9a1b2c47 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			if opts.Batch == "" {
				return fmt.Errorf("%w: --batch is required", errUsage)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return certIssueRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	addOutputFlag(cmd, &opts.Output)
	f := cmd.Flags()
	f.StringVar(&opts.Batch, "batch", "", "the batch whose certificates to issue (its ID, as \"unbind releases\" shows it)")
	f.StringVar(&opts.OutDir, "out", ".", "directory to write the certificate files into")
	f.StringVar(&opts.Note, "note", "", "a note for the audit trail (who asks is the API token's operator)")
	return cmd
}

func certIssueRun(ctx context.Context, io streams, opts *certIssueOptions) error {
	body, err := newAPIClient(opts.API).CertifyBatch(ctx, opts.Batch, api.CertificateRequest{Note: opts.Note})
	if err != nil {
		return err
	}
	missing := 0
	for _, bc := range body.Certificates {
		if !bc.Standing() {
			missing++
			continue
		}
		if _, _, err := writeCertFiles(opts.OutDir, bc.DeviceID, *bc.Certificate); err != nil {
			return err
		}
	}
	if opts.Output == "json" {
		if err := writeJSONTo(io.Out, body); err != nil {
			return err
		}
	} else if err := printBatchCertificates(io, body); err != nil {
		return err
	}
	if missing > 0 {
		cli.Printf(io.Err, "%d of %d phones of batch %s have no certificate that stands: see REASON.\n", missing, len(body.Certificates), body.BatchID)
		return cli.ExitError{Code: exitError}
	}
	return nil
}

func printBatchCertificates(io streams, body api.BatchCertificatesBody) error {
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	cli.Printf(tw, "DEVICE\tRELEASE\tSTATE\tCERTIFICATE\tREASON\n")
	for _, bc := range body.Certificates {
		certificate := "none"
		if c := bc.Certificate; c != nil {
			certificate = c.ID
			if bc.Issued {
				certificate += " (issued now)"
			}
		}
		cli.Printf(tw, "%s\t%s\t%s\t%s\t%s\n", bc.DeviceID, bc.ReleaseID, bc.ReleaseState, certificate, dash(oneLine(bc.Reason)))
	}
	return tw.Flush()
}

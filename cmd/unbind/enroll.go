package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/controller"
)

type enrollOptions struct {
	API    string
	TTL    time.Duration
	QR     bool
	Output string
}

func newEnrollCmd(io streams, runF func(context.Context, *enrollOptions) error) *cobra.Command {
	opts := &enrollOptions{}
	cmd := &cobra.Command{
		Use:   "enroll",
		Short: "Print a one-time token that enrolls one phone's agent",
		Long: `enroll asks the controller for a one-time enrollment token. The agent trades
it for its own MQTT credentials and the controller's public key:

  unbind-agent enroll --token TOKEN --controller http://CONTROLLER:8080

The token is shown once (only a hash is kept), works for one phone, and
expires after --ttl. Print one per phone.`,
		Example: "  unbind enroll\n  unbind enroll --ttl 1h --output json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			if opts.TTL <= 0 {
				return fmt.Errorf("%w: --ttl must be positive", errUsage)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return enrollRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	addOutputFlag(cmd, &opts.Output)
	f := cmd.Flags()
	f.DurationVar(&opts.TTL, "ttl", controller.DefaultEnrollmentTTL, "how long the token stays valid")
	f.BoolVar(&opts.QR, "qr", false, "also print the enroll command line as a QR code in the terminal")
	return cmd
}

func enrollRun(ctx context.Context, io streams, opts *enrollOptions) error {
	tok, err := newAPIClient(opts.API).NewEnrollmentToken(ctx, opts.TTL)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		enc := json.NewEncoder(io.out)
		enc.SetIndent("", "  ")
		return enc.Encode(tok)
	}
	line := fmt.Sprintf("unbind-agent enroll --token %s --controller %s", tok.Token, opts.API)
	if _, err := fmt.Fprintf(io.out, "%s\n\nValid once, until %s. On the phone (or bench PC) run:\n  %s\n",
		tok.Token, tok.ExpiresAt.UTC().Format(time.RFC3339), line); err != nil {
		return err
	}
	if !opts.QR {
		return nil
	}
	fmt.Fprintln(io.out)
	return writeQR(io.out, line)
}

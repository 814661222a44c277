package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
)

type enrollOptions struct {
	API    string
	TTL    time.Duration
	QR     bool
	Output string
	// Device limits the token to one new device ID; Replace to replacing
	// the credentials of one enrolled ID.
	Device  string
	Replace string
	Note    string
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
expires after --ttl (at most 720h, 30 days). Print one per phone.

A token enrolls a new device ID only: an ID that is already enrolled is
refused (409), so a token cannot take over a phone. --device ID limits the
token to that one new ID. --replace ID mints the only kind of token that may
replace an enrolled ID's credentials (a reinstalled agent, a lost state
directory); the old credentials stop working and their sessions end at once,
it is audited, and a release running on that phone can no longer earn a
certificate.`,
		Example: "  unbind enroll\n  unbind enroll --ttl 1h --output json\n  unbind enroll --device R58M12ABC\n  unbind enroll --replace R58M12ABC --note 'agent reinstalled'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			if opts.TTL <= 0 || opts.TTL > controller.MaxEnrollmentTTL {
				return fmt.Errorf("%w: --ttl must be positive and at most %s (30 days)", errUsage, controller.MaxEnrollmentTTL)
			}
			if opts.Device != "" && opts.Replace != "" {
				return fmt.Errorf("%w: --device and --replace exclude each other", errUsage)
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
	f.StringVar(&opts.Device, "device", "", "the token enrolls only this new device ID")
	f.StringVar(&opts.Replace, "replace", "", "the token replaces the credentials of this enrolled device ID (audited)")
	f.StringVar(&opts.Note, "note", "", "a note kept with the token and its enrollment (audit trail)")
	return cmd
}

func enrollRun(ctx context.Context, io streams, opts *enrollOptions) error {
	req := api.TokenRequest{TTL: opts.TTL.String(), DeviceID: opts.Device, Note: opts.Note}
	if opts.Replace != "" {
		req.DeviceID, req.Replace = opts.Replace, true
	}
	tok, err := newAPIClient(opts.API).MintEnrollmentToken(ctx, req)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		enc := json.NewEncoder(io.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(tok)
	}
	line := fmt.Sprintf("unbind-agent enroll --token %s --controller %s", tok.Token, opts.API)
	if _, err := fmt.Fprintf(io.Out, "%s\n\nValid once, until %s. On the phone (or bench PC) run:\n  %s\n",
		tok.Token, tok.ExpiresAt.UTC().Format(time.RFC3339), line); err != nil {
		return err
	}
	if !opts.QR {
		return nil
	}
	fmt.Fprintln(io.Out)
	return writeQR(io.Out, line)
}

package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
)

type releaseCancelOptions struct {
	API       string
	Output    string
	DeviceIDs []string
	All       bool
}

func newReleaseCancelCmd(io streams, runF func(context.Context, *releaseCancelOptions) error) *cobra.Command {
	opts := &releaseCancelOptions{}
	cmd := &cobra.Command{
		Use:   "cancel DEVICE_ID... | --all",
		Short: "Cancel unfinished releases",
		Long: `cancel ends the unfinished releases of the given phones (or of every phone
with --all) as canceled, in your name in the audit trail, and cancels the
command each was waiting for, so the person at the phone is no longer guided.

What it means at each stage: while verifying or guiding, the release stops
and the phone is left as it is (never reset); once the factory reset was
sent and not yet answered (stage reset), nothing is interrupted and the
release is listed as not canceled. In waiting_for_reset (the reset screen is
open, nobody confirmed it yet) the release ends canceled and the agent stops
watching; the person can still confirm the reset on the phone, and the
phone then has no certificate.`,
		Example: `  unbind release cancel R58M12ABC
  unbind release cancel --all -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			opts.DeviceIDs = args
			if opts.All == (len(args) > 0) {
				return fmt.Errorf("%w: give device IDs or --all (exactly one)", errUsage)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return releaseCancelRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	addOutputFlag(cmd, &opts.Output)
	cmd.Flags().BoolVar(&opts.All, "all", false, "cancel every unfinished release")
	return cmd
}

func releaseCancelRun(ctx context.Context, io streams, opts *releaseCancelOptions) error {
	res, err := newAPIClient(opts.API).CancelReleases(ctx, api.CancelReleasesRequest{DeviceIDs: opts.DeviceIDs, All: opts.All})
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, api.CanceledReleasesBody{Releases: res})
	}
	if len(res) == 0 {
		_, err := fmt.Fprintln(io.Out, "no unfinished release to cancel")
		return err
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tRELEASE\tRESULT")
	for _, r := range res {
		result := "canceled"
		if !r.Canceled {
			result = "not canceled: the factory reset was already sent"
		} else if r.Release.Stage == "canceled" && hasEvidence(r.Release, "reset_screen_opened") {
			result = "canceled; the reset screen stays open on the phone"
		}
		cli.Printf(tw, "%s\t%s\t%s\n", r.Release.DeviceID, r.Release.ID, result)
	}
	return tw.Flush()
}

func hasEvidence(r api.Release, kind string) bool {
	for _, e := range r.Evidence {
		if e.Kind == kind {
			return true
		}
	}
	return false
}

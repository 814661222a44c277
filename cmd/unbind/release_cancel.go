package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
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
		Use:   "cancel ID... | --all",
		Short: "Cancel unfinished releases",
		Long: `cancel ends the unfinished releases of the given phones (each named by its
device ID or by the release's ID), or of every phone with --all, as canceled, in your name in the audit trail, and cancels the
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
	client := newAPIClient(opts.API)
	var devices []string
	if !opts.All {
		var err error
		if devices, err = cancelTargets(ctx, client, opts.DeviceIDs); err != nil {
			return err
		}
	}
	res, err := client.CancelReleases(ctx, api.CancelReleasesRequest{DeviceIDs: devices, All: opts.All})
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, api.CanceledReleasesBody{Releases: res})
	}
	// A known phone with nothing running is not an error: the release it
	// had ended before (canceling twice gives the same end state).
	for _, id := range devices {
		if !slices.ContainsFunc(res, func(r api.CanceledRelease) bool { return r.Release.DeviceID == id }) {
			cli.Printf(io.Out, "%s: no unfinished release to cancel\n", id)
		}
	}
	if len(res) == 0 {
		if opts.All {
			_, err := fmt.Fprintln(io.Out, "no unfinished release to cancel")
			return err
		}
		return nil
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

// cancelTargets turns each ID the operator gave into the phone whose
// release to cancel: a device ID as it is, a release ID into its phone. It
// checks them all before anything is canceled, so that a typo cancels
// nothing; an ID that is neither, or a release that already ended, is an
// error naming it.
func cancelTargets(ctx context.Context, client *api.Client, ids []string) ([]string, error) {
	var devices []string
	for _, id := range ids {
		_, err := client.Device(ctx, id)
		if err == nil {
			devices = append(devices, id)
			continue
		}
		if !isNotFound(err) {
			return nil, err
		}
		rs, err := client.Releases(ctx, []string{id})
		if isNotFound(err) || (err == nil && len(rs) == 0) {
			return nil, fmt.Errorf("%q is neither a phone's device ID nor a release ID: nothing was canceled (unbind devices lists the phones)", id)
		}
		if err != nil {
			return nil, err
		}
		if r := rs[0]; !r.FinishedAt.IsZero() {
			return nil, fmt.Errorf("release %s of %s already ended (%s): nothing was canceled", r.ID, r.DeviceID, r.Stage)
		}
		devices = append(devices, rs[0].DeviceID)
	}
	return slices.Compact(devices), nil
}

// isNotFound reports whether the controller answered 404.
func isNotFound(err error) bool {
	var apiErr *api.Error
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound
}

func hasEvidence(r api.Release, kind string) bool {
	for _, e := range r.Evidence {
		if e.Kind == kind {
			return true
		}
	}
	return false
}

package main

import (
	"context"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
)

type holdsOptions struct {
	API    string
	Output string
	Now    func() time.Time
}

func newHoldsCmd(io streams, runF func(context.Context, *holdsOptions) error) *cobra.Command {
	opts := &holdsOptions{Now: time.Now}
	cmd := &cobra.Command{
		Use:   "holds",
		Short: "List the releases waiting on hold, oldest first",
		Long: `holds lists the releases that wait on hold rather than fail: the person left the
bench, the previous owner must unlink the phone remotely, a company must release
it. Each line gives the phone, how long it has waited, why, and when it is checked
again if it does not report first. A held phone goes on as a normal release (the
reset interlock unchanged) the moment it shows clean.

Releases go on hold when started with --on-timeout hold, or with
"unbind release hold RELEASE_ID --note TEXT".`,
		Example: `  unbind holds
  unbind holds -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return holdsRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	addOutputFlag(cmd, &opts.Output)
	return cmd
}

func holdsRun(ctx context.Context, io streams, opts *holdsOptions) error {
	rs, err := newAPIClient(opts.API).Holds(ctx)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, api.ReleasesBody{Releases: rs})
	}
	if len(rs) == 0 {
		cli.Printf(io.Out, "No release is on hold.\n")
		return nil
	}
	now := opts.Now()
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	cli.Printf(tw, "DEVICE\tRELEASE\tWAITING\tREASON\tNEXT CHECK\n")
	for _, r := range rs {
		cli.Printf(tw, "%s\t%s\t%s\t%s\t%s\n", r.DeviceID, r.ID, now.Sub(r.HeldSince).Round(time.Minute),
			r.HoldReason, r.Deadline.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}

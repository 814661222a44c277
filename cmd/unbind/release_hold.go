package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
)

type releaseHoldOptions struct {
	API    string
	Output string
	ID     string
	Note   string
}

func newReleaseHoldCmd(io streams, runF func(context.Context, *releaseHoldOptions) error) *cobra.Command {
	opts := &releaseHoldOptions{}
	cmd := &cobra.Command{
		Use:   "hold RELEASE_ID --note TEXT",
		Short: "Put a running release on hold instead of letting it fail",
		Long: `hold puts a running release on hold, in your name, with your note as the reason
(the owner is away, the company will release the phone next week). A held
release waits: it is re-checked whenever the phone reports and every hour, and
goes on as a normal release the moment the phone shows clean. A release whose
reset was already sent cannot be held. "unbind holds" lists what waits.`,
		Example: `  unbind release hold 6f1c2a9e0b3d4c5e --note "owner unlinks it at i.mi.com tonight"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			opts.ID = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return releaseHoldRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	addOutputFlag(cmd, &opts.Output)
	cmd.Flags().StringVar(&opts.Note, "note", "", "why the release waits (it becomes the hold's reason)")
	return cmd
}

func releaseHoldRun(ctx context.Context, io streams, opts *releaseHoldOptions) error {
	r, err := newAPIClient(opts.API).HoldRelease(ctx, opts.ID, api.HoldRequest{Note: opts.Note})
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, api.ReleasesBody{Releases: []api.Release{r}})
	}
	cli.Printf(io.Out, "release %s of %s: %s (%s)\n", r.ID, r.DeviceID, r.Stage, r.HoldReason)
	return nil
}

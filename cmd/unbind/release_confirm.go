package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
)

type releaseConfirmOptions struct {
	API    string
	Output string
	ID     string
	Note   string
}

func newReleaseConfirmCmd(io streams, runF func(context.Context, *releaseConfirmOptions) error) *cobra.Command {
	opts := &releaseConfirmOptions{}
	cmd := &cobra.Command{
		Use:   "confirm RELEASE_ID [--note TEXT]",
		Short: "State that a phone waiting for its reset shows the first-boot setup screen",
		Long: `confirm is what you say, in your name, after looking at the phone: it shows
the first-boot setup screen (the "Hi there" / language choice of a wiped
phone). A release without root waits in stage waiting_for_reset after the
agent opened the reset screen; your confirmation ends it released, on
evidence operator_confirmed with your name and the time, which its
certificate lists. Only a release in waiting_for_reset can be confirmed.`,
		Example: `  unbind release confirm 6f1c2a9e0b3d4c5e --note "setup wizard on screen"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			opts.ID = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return releaseConfirmRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	addOutputFlag(cmd, &opts.Output)
	cmd.Flags().StringVar(&opts.Note, "note", "", "a note for the audit trail (who confirms is the API token's operator)")
	return cmd
}

func releaseConfirmRun(ctx context.Context, io streams, opts *releaseConfirmOptions) error {
	r, err := newAPIClient(opts.API).ConfirmRelease(ctx, opts.ID, api.ConfirmReleaseRequest{Note: opts.Note})
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, api.ReleasesBody{Releases: []api.Release{r}})
	}
	cli.Printf(io.Out, "release %s of %s: %s\n", r.ID, r.DeviceID, r.Stage)
	for _, e := range r.Evidence {
		cli.Printf(io.Out, "  %s at %s by %s\n", e.Kind, e.At.UTC().Format(time.RFC3339), e.Source)
	}
	return nil
}

package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/internal/cli"
)

type consoleOptions struct {
	API string
}

func newConsoleCmd(io streams, runF func(context.Context, *consoleOptions) error) *cobra.Command {
	opts := &consoleOptions{}
	cmd := &cobra.Command{
		Use:   "console",
		Short: "Print a one-time sign-in link to the browser console",
		Long: `Print a link that signs a browser in to the console once, within two minutes,
as the operator whose token this CLI uses (on the controller's machine, the
local admin that unbind serve set up). Anyone else signs in with their own
operator token on the console's sign-in page.`,
		Example: "  unbind console",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return consoleRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	return cmd
}

func consoleRun(ctx context.Context, ios streams, opts *consoleOptions) error {
	token, _ := cli.LoadToken(opts.API)
	if token == "" {
		return fmt.Errorf("no operator token for %s: run `unbind login` (or this on the controller's machine while `unbind serve` runs)", opts.API)
	}
	client := newAPIClient(opts.API)
	link, err := client.ConsoleLink(ctx)
	if err != nil {
		return fmt.Errorf("console link from %s: %w", client.Base(), err)
	}
	fmt.Fprintf(ios.Err, "Open this within two minutes; it signs one browser in, once:\n")
	fmt.Fprintln(ios.Out, client.Base()+link.Path)
	return nil
}

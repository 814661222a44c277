package main

import (
	"context"

	"github.com/spf13/cobra"
)

// idOptions are those of the commands that act on one ID over the API.
type idOptions struct {
	API    string
	Output string
	ID     string
}

type (
	deviceOptions   = idOptions
	commandsOptions = idOptions
	cancelOptions   = idOptions
)

// newIDCmd builds a command taking exactly one ID, with --api and --output;
// runF, when set, replaces run (flag tests capture the options with it).
func newIDCmd(cmd *cobra.Command, io streams, run func(context.Context, streams, *idOptions) error,
	runF func(context.Context, *idOptions) error) *cobra.Command {
	opts := &idOptions{}
	cmd.Args = cobra.ExactArgs(1)
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if err := checkOutput(opts.Output); err != nil {
			return err
		}
		opts.ID = args[0]
		if runF != nil {
			return runF(c.Context(), opts)
		}
		return run(c.Context(), io, opts)
	}
	addAPIFlag(cmd, &opts.API)
	addOutputFlag(cmd, &opts.Output)
	return cmd
}

package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
)

func newCommandsCmd(io streams, runF func(context.Context, *commandsOptions) error) *cobra.Command {
	return newIDCmd(&cobra.Command{
		Use:     "commands DEVICE_ID",
		Short:   "List a phone's commands with their state history",
		Example: "  unbind commands R58M12ABC\n  unbind commands R58M12ABC -o json",
	}, io, commandsRun, runF)
}

func commandsRun(ctx context.Context, io streams, opts *commandsOptions) error {
	cmds, err := newAPIClient(opts.API).Commands(ctx, opts.ID)
	if err != nil {
		return err
	}
	body := api.CommandsBody{Commands: cmds}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, body.Commands)
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COMMAND\tKIND\tSTATE\tISSUED\tEXPIRES")
	for _, c := range body.Commands {
		cli.Printf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Kind, c.State, ago(c.IssuedAt), ago(c.ExpiresAt))
		for _, tr := range c.Transitions {
			cli.Printf(tw, "  %s\t%s\t%s\t\t\n", ago(tr.At), tr.State, tr.Detail)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(body.Commands) == 0 {
		fmt.Fprintln(io.Err, "no commands for", opts.ID)
	}
	return nil
}

func newCancelCmd(io streams, runF func(context.Context, *cancelOptions) error) *cobra.Command {
	return newIDCmd(&cobra.Command{
		Use:   "cancel COMMAND_ID",
		Short: "Cancel a command that has not finished",
		Long: `Cancel a command. One still waiting for its phone is canceled at once; one the
phone already runs is canceled by the agent, which confirms it.`,
	}, io, cancelRun, runF)
}

func cancelRun(ctx context.Context, io streams, opts *cancelOptions) error {
	cmd, err := newAPIClient(opts.API).Cancel(ctx, opts.ID)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, cmd)
	}
	_, err = fmt.Fprintf(io.Out, "cancel requested for %s\n", opts.ID)
	return err
}

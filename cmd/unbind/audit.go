package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
)

type auditOptions struct {
	API    string
	Output string
	// ID is the device; "" shows the whole trail.
	ID    string
	Limit int
	// All shows the routine steps of refresh commands too.
	All bool
}

func newAuditCmd(io streams, runF func(context.Context, *auditOptions) error) *cobra.Command {
	opts := &auditOptions{}
	cmd := &cobra.Command{
		Use:   "audit [DEVICE_ID]",
		Short: "Print the append-only audit trail: state changes, commands, releases and operator actions",
		Long: `Print the audit trail, oldest first, with UTC times: every change of a phone's
verdict or risk kinds, every online/offline transition, every command step, and
every release and certificate with the operator who asked for it. The trail
names risk kinds and verdicts only, never account names.

The steps of refresh commands, which the controller sends all the time, are
left out unless --all is given; they stay in the trail (and in audit verify).`,
		Example: "  unbind audit\n  unbind audit R58M12ABC --limit 50\n  unbind audit --all -o json",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			if opts.Limit < 0 {
				return fmt.Errorf("%w: --limit %d: want 0 (everything) or more", errUsage, opts.Limit)
			}
			if len(args) == 1 {
				opts.ID = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return auditRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	addOutputFlag(cmd, &opts.Output)
	cmd.Flags().IntVar(&opts.Limit, "limit", 100, "show the newest N entries (0: all)")
	cmd.Flags().BoolVar(&opts.All, "all", false, "show the routine steps of refresh commands too")
	cmd.AddCommand(newAuditVerifyCmd(io))
	return cmd
}

func newAuditVerifyCmd(io streams) *cobra.Command {
	opts := &auditOptions{}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check the audit trail's hash chain and name the first broken row",
		Long: `Each audit row stores the hash of the row before it and a hash of its own
content. verify reads the whole trail in the controller and exits 0 when every
row matches, 1 naming the first row that does not (changed, inserted, or
following a removed row). Removing only the newest rows cannot be detected
from the trail itself.`,
		Example: "  unbind audit verify\n  unbind audit verify -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			return auditVerifyRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	addOutputFlag(cmd, &opts.Output)
	return cmd
}

func auditVerifyRun(ctx context.Context, io streams, opts *auditOptions) error {
	v, err := newAPIClient(opts.API).VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		if err := writeJSONTo(io.Out, v); err != nil {
			return err
		}
	} else if v.BrokenID == 0 {
		fmt.Fprintf(io.Out, "audit trail intact: %d rows, the chain verifies", v.Rows)
		if v.Unchained > 0 {
			fmt.Fprintf(io.Out, " (the first %d predate the chain and are not covered)", v.Unchained)
		}
		fmt.Fprintln(io.Out)
	} else {
		cli.Printf(io.Out, "audit trail BROKEN at row %d: %s\n", v.BrokenID, v.Reason)
	}
	if v.BrokenID != 0 {
		return cli.ExitError{Code: exitError}
	}
	return nil
}

func auditRun(ctx context.Context, io streams, opts *auditOptions) error {
	entries, err := newAPIClient(opts.API).AuditTrail(ctx, opts.ID, opts.Limit, opts.All)
	if err != nil {
		return err
	}
	body := api.AuditBody{Entries: entries}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, body.Entries)
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT (UTC)\tDEVICE\tACTOR\tACTION\tDETAIL\tNOTE")
	for _, e := range body.Entries {
		cli.Printf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.At.UTC().Format(time.RFC3339), dash(e.DeviceID), e.Actor, e.Action, dash(e.Detail), dash(e.Note))
	}
	return tw.Flush()
}

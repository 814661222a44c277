package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
)

type lotOptions struct {
	API    string
	Output string
	// ID is the lot; Customer and Reference open it (add).
	ID, Customer, Reference string
	// Codes name phones to join: device IDs, serials, IMEIs or certificate IDs.
	Codes []string
	Note  string
	// Dir is where report writes the pack.
	Dir string
}

type lotRunF = func(context.Context, streams, *lotOptions) error

func newLotCmd(io streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lot",
		Short: "Group phones into lots: a customer's or supplier's batch under one reference",
		Long: `A lot is a batch of phones under one customer and reference (PO, RMA). A phone
is in at most one lot; a closed lot takes no more phones. Phones join by device
ID, serial, IMEI or certificate ID, all or none: one unknown code, or one phone
already in another lot, refuses the whole join.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newLotAddCmd(io, nil), newLotListCmd(io, nil), newLotShowCmd(io, nil),
		newLotCloseCmd(io, nil), newLotJoinCmd(io, nil))
	for _, newSub := range lotSubCmds {
		cmd.AddCommand(newSub(io))
	}
	return cmd
}

// lotSubCmds are further lot subcommands (report), added from their own files.
var lotSubCmds []func(streams) *cobra.Command

// lotCmd fills in what every lot subcommand shares: --api, -o, and the call
// of run (or of runF in flag tests).
func lotCmd(cmd *cobra.Command, io streams, opts *lotOptions, args func([]string), run, runF lotRunF) *cobra.Command {
	cmd.RunE = func(c *cobra.Command, a []string) error {
		if err := checkOutput(opts.Output); err != nil {
			return err
		}
		if args != nil {
			args(a)
		}
		if runF != nil {
			return runF(c.Context(), io, opts)
		}
		return run(c.Context(), io, opts)
	}
	addAPIFlag(cmd, &opts.API)
	addOutputFlag(cmd, &opts.Output)
	return cmd
}

func newLotAddCmd(io streams, runF lotRunF) *cobra.Command {
	opts := &lotOptions{}
	cmd := lotCmd(&cobra.Command{
		Use:     "add ID --customer NAME [--ref REFERENCE]",
		Short:   "Open a lot (operator)",
		Example: "  unbind lot add L-2026-0042 --customer \"Acme Refurb\" --ref PO-4711",
		Args:    cobra.ExactArgs(1),
	}, io, opts, func(a []string) { opts.ID = a[0] }, lotAddRun, runF)
	cmd.Flags().StringVar(&opts.Customer, "customer", "", "the customer or supplier the lot belongs to")
	cmd.Flags().StringVar(&opts.Reference, "ref", "", "the customer's reference: PO, RMA")
	cmd.Flags().StringVar(&opts.Note, "note", "", "a note for the audit trail")
	_ = cmd.MarkFlagRequired("customer")
	return cmd
}

func lotAddRun(ctx context.Context, io streams, opts *lotOptions) error {
	l, err := newAPIClient(opts.API).AddLot(ctx, api.LotRequest{ID: opts.ID, Customer: opts.Customer, Reference: opts.Reference, Note: opts.Note})
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, l)
	}
	cli.Printf(io.Out, "opened lot %s for %s\n", l.ID, l.Customer)
	return nil
}

func newLotListCmd(io streams, runF lotRunF) *cobra.Command {
	return lotCmd(&cobra.Command{
		Use:   "list",
		Short: "List the lots, newest first",
		Args:  cobra.NoArgs,
	}, io, &lotOptions{}, nil, lotListRun, runF)
}

func lotListRun(ctx context.Context, io streams, opts *lotOptions) error {
	ls, err := newAPIClient(opts.API).Lots(ctx)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, api.LotsBody{Lots: ls})
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCUSTOMER\tREFERENCE\tSTATE\tPHONES\tCREATED (UTC)\tCLOSED (UTC)")
	for _, l := range ls {
		cli.Printf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", l.ID, l.Customer, dashIfEmpty(l.Reference), l.State, l.Devices,
			utcOrDash(l.CreatedAt), utcOrDash(l.ClosedAt))
	}
	return tw.Flush()
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

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

func newLotShowCmd(io streams, runF lotRunF) *cobra.Command {
	opts := &lotOptions{}
	return lotCmd(&cobra.Command{
		Use:   "show ID",
		Short: "Show a lot and its phones",
		Args:  cobra.ExactArgs(1),
	}, io, opts, func(a []string) { opts.ID = a[0] }, lotShowRun, runF)
}

func lotShowRun(ctx context.Context, io streams, opts *lotOptions) error {
	d, err := newAPIClient(opts.API).Lot(ctx, opts.ID)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, d)
	}
	l := d.Lot
	cli.Printf(io.Out, "lot %s: %s, reference %s, %s, %d phones\ncreated %s by %s\n", l.ID, l.Customer, dashIfEmpty(l.Reference),
		l.State, l.Devices, utcOrDash(l.CreatedAt), l.CreatedBy)
	if !l.ClosedAt.IsZero() {
		cli.Printf(io.Out, "closed %s by %s\n", utcOrDash(l.ClosedAt), l.ClosedBy)
	}
	if len(d.Devices) == 0 {
		return nil
	}
	cli.Printf(io.Out, "\n")
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tSERIAL\tIMEI\tMAKER\tMODEL\tVERDICT\tJOINED (UTC)\tBY")
	for _, p := range d.Devices {
		cli.Printf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.DeviceID, dashIfEmpty(p.Serial), dashIfEmpty(p.IMEI),
			dashIfEmpty(p.Manufacturer), dashIfEmpty(p.Model), dashIfEmpty(p.Verdict), utcOrDash(p.JoinedAt), p.JoinedBy)
	}
	return tw.Flush()
}

func newLotCloseCmd(io streams, runF lotRunF) *cobra.Command {
	opts := &lotOptions{}
	cmd := lotCmd(&cobra.Command{
		Use:   "close ID",
		Short: "Close a lot: it takes no more phones (operator)",
		Args:  cobra.ExactArgs(1),
	}, io, opts, func(a []string) { opts.ID = a[0] }, lotCloseRun, runF)
	cmd.Flags().StringVar(&opts.Note, "note", "", "a note for the audit trail")
	return cmd
}

func lotCloseRun(ctx context.Context, io streams, opts *lotOptions) error {
	l, err := newAPIClient(opts.API).CloseLot(ctx, opts.ID, opts.Note)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, l)
	}
	cli.Printf(io.Out, "closed lot %s with %d phones\n", l.ID, l.Devices)
	return nil
}

func newLotJoinCmd(io streams, runF lotRunF) *cobra.Command {
	opts := &lotOptions{}
	cmd := lotCmd(&cobra.Command{
		Use:   "join ID CODE...",
		Short: "Add phones to an open lot by device ID, serial, IMEI or certificate ID (operator)",
		Long: `join adds the phones the codes name to an open lot, all or none: if one code
names no phone, several phones, or a phone in another lot, nothing joins and
every refused code is listed. A phone already in this lot stays as it was.`,
		Example: "  unbind lot join L-2026-0042 R58N12ABCDE 861234567890123",
		Args:    cobra.MinimumNArgs(2),
	}, io, opts, func(a []string) { opts.ID, opts.Codes = a[0], a[1:] }, lotJoinRun, runF)
	cmd.Flags().StringVar(&opts.Note, "note", "", "a note for the audit trail")
	return cmd
}

func lotJoinRun(ctx context.Context, io streams, opts *lotOptions) error {
	j, err := newAPIClient(opts.API).JoinLot(ctx, opts.ID, api.LotJoinRequest{Codes: opts.Codes, Note: opts.Note})
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, j)
	}
	for i, id := range j.DeviceIDs {
		cli.Printf(io.Out, "%s\t%s\n", opts.Codes[i], id)
	}
	cli.Printf(io.Err, "%d codes joined lot %s\n", len(j.DeviceIDs), j.Lot)
	return nil
}

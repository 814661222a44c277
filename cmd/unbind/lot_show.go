package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
)

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

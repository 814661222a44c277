package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
)

type stationOptions struct {
	API    string
	Output string
	Name   string
	// Lot is what lot sets the station to; Clear clears the choice.
	Lot   string
	Clear bool
	Note  string
}

type stationRunF = func(context.Context, streams, *stationOptions) error

func newStationCmd(io streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "station",
		Short: "See the bench stations and set the lot each one's phones join",
		Long: `A station is a bench PC whose agents reach phones over USB
(unbind-agent run --adb SERIAL --station NAME [--lot ID]). Each phone
remembers the station that reported it last. A phone in no lot, reported by
a station set to an open lot, joins that lot; an operator's choice (station
lot) wins over the agents' --lot.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newStationListCmd(io, nil), newStationShowCmd(io, nil), newStationLotCmd(io, nil))
	return cmd
}

// stationCmd fills in what every station subcommand shares.
func stationCmd(cmd *cobra.Command, io streams, opts *stationOptions, args func([]string), run, runF stationRunF) *cobra.Command {
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

func newStationListCmd(io streams, runF stationRunF) *cobra.Command {
	return stationCmd(&cobra.Command{Use: "list", Short: "List the bench stations", Args: cobra.NoArgs},
		io, &stationOptions{}, nil, stationListRun, runF)
}

func stationListRun(ctx context.Context, io streams, opts *stationOptions) error {
	sts, err := newAPIClient(opts.API).Stations(ctx)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, api.StationsBody{Stations: sts})
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATION\tLOT\tSET BY\tPHONES\tLAST SEEN")
	for _, st := range sts {
		cli.Printf(tw, "%s\t%s\t%s\t%d\t%s\n", st.Name, dashIfEmpty(st.Lot), lotSource(st), st.Phones, ago(st.LastSeen))
	}
	return tw.Flush()
}

// lotSource says where a station's lot comes from.
func lotSource(st api.Station) string {
	switch {
	case st.ChosenLot != "":
		return st.ChosenBy
	case st.AgentLot != "":
		return "agent --lot"
	}
	return "-"
}

func newStationShowCmd(io streams, runF stationRunF) *cobra.Command {
	opts := &stationOptions{}
	return stationCmd(&cobra.Command{Use: "show NAME", Short: "Show a station and the phones it reported last", Args: cobra.ExactArgs(1)},
		io, opts, func(a []string) { opts.Name = a[0] }, stationShowRun, runF)
}

func stationShowRun(ctx context.Context, io streams, opts *stationOptions) error {
	d, err := newAPIClient(opts.API).Station(ctx, opts.Name)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, d)
	}
	cli.Printf(io.Out, "station %s: lot %s (%s), %d phones, last seen %s\n", d.Name, dashIfEmpty(d.Lot), lotSource(d.Station),
		d.Phones, ago(d.LastSeen))
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tMODEL\tVERDICT\tSEEN")
	for _, p := range d.Devices {
		cli.Printf(tw, "%s\t%s\t%s\t%s\n", p.ID, dashIfEmpty(p.Identity.Model), verdictOf(p), ago(p.StationSeenAt))
	}
	return tw.Flush()
}

func newStationLotCmd(io streams, runF stationRunF) *cobra.Command {
	opts := &stationOptions{}
	cmd := stationCmd(&cobra.Command{
		Use:   "lot NAME (LOT | --clear)",
		Short: "Set the open lot that phones in no lot join at a station (operator)",
		Example: `  unbind station lot bench-3 L-2026-0042
  unbind station lot bench-3 --clear   # the agents' --lot applies again`,
		Args: func(c *cobra.Command, a []string) error {
			if len(a) < 1 || len(a) > 2 || (len(a) == 2) == opts.Clear {
				return fmt.Errorf("%w: give a station and either a lot or --clear", errUsage)
			}
			return nil
		},
	}, io, opts, func(a []string) { opts.Name, opts.Lot = a[0], a[len(a)-1] }, stationLotRun, runF)
	cmd.Flags().BoolVar(&opts.Clear, "clear", false, "clear the operator's choice")
	cmd.Flags().StringVar(&opts.Note, "note", "", "a note for the audit trail")
	return cmd
}

func stationLotRun(ctx context.Context, io streams, opts *stationOptions) error {
	if opts.Clear {
		opts.Lot = ""
	}
	st, err := newAPIClient(opts.API).SetStationLot(ctx, opts.Name, api.StationLotRequest{Lot: opts.Lot, Note: opts.Note})
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, st)
	}
	cli.Printf(io.Out, "station %s: lot %s (%s)\n", st.Name, dashIfEmpty(st.Lot), lotSource(st))
	return nil
}

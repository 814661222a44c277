package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
	"github.com/unbind/unbind/protocol"
)

type devicesOptions struct {
	API                                   string
	Output                                string
	Bound, Safe, Unknown, Online, Offline bool
	Manufacturer, Model                   string
}

func newDevicesCmd(io streams, runF func(context.Context, *devicesOptions) error) *cobra.Command {
	opts := &devicesOptions{}
	cmd := &cobra.Command{
		Use:   "devices",
		Short: "List the phones in the registry",
		Long: `List the phones in the registry with their verdict:
  safe     every check answered and found no lock
  at_risk  a lock-bearing account, Find Device or lost mode is present
  unknown  a check could not be completed (never treated as safe)
Filters combine with AND; --bound, --safe and --unknown exclude each other, as
do --online and --offline. --manufacturer and --model match the whole value in
any case, like release --filter manufacturer=NAME,model=NAME.`,
		Example: `  unbind devices
  unbind devices --bound --online
  unbind devices --manufacturer Xiaomi --safe
  unbind devices --safe -o json | jq -r '.[].id'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return devicesRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	addOutputFlag(cmd, &opts.Output)
	f := cmd.Flags()
	f.BoolVar(&opts.Bound, "bound", false, "only phones with a lock present (at_risk)")
	f.BoolVar(&opts.Safe, "safe", false, "only phones verified safe to reset")
	f.BoolVar(&opts.Unknown, "unknown", false, "only phones whose state could not be verified")
	f.BoolVar(&opts.Online, "online", false, "only phones whose agent is connected")
	f.BoolVar(&opts.Offline, "offline", false, "only phones whose agent is not connected")
	f.StringVar(&opts.Manufacturer, "manufacturer", "", "only phones of this maker (any case)")
	f.StringVar(&opts.Model, "model", "", "only phones of this model (any case)")
	cmd.MarkFlagsMutuallyExclusive("bound", "safe", "unknown")
	cmd.MarkFlagsMutuallyExclusive("online", "offline")
	return cmd
}

func devicesRun(ctx context.Context, io streams, opts *devicesOptions) error {
	devices, err := newAPIClient(opts.API).Devices(ctx, api.DeviceFilter{
		Bound: opts.Bound, Safe: opts.Safe, Unknown: opts.Unknown, Online: opts.Online, Offline: opts.Offline,
		Manufacturer: opts.Manufacturer, Model: opts.Model,
	})
	if err != nil {
		return err
	}
	body := api.DevicesBody{Devices: devices}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, body.Devices)
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tMANUFACTURER\tMODEL\tVERDICT\tRISKS\tONLINE\tLAST SEEN")
	for _, d := range body.Devices {
		cli.Printf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, dash(d.Identity.Manufacturer), dash(d.Identity.Model),
			verdictOf(d), riskKinds(d.State)+identityMark(d), yesNo(d.Online), ago(d.LastSeen))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(body.Devices) == 0 {
		fmt.Fprintln(io.Err, "no devices match")
	}
	return nil
}

// identityMark flags, beside a phone's risks, an identity that cannot be
// trusted: such a phone is never reset nor certified.
func identityMark(d api.Device) string {
	switch {
	case !d.Disowned.IsZero():
		return " (DISOWNED)"
	case len(d.IdentityConflict) > 0:
		return " (IDENTITY CONFLICT with " + strings.Join(d.IdentityConflict, ",") + ")"
	}
	return ""
}

// verdictOf never shows a device without a report as safe.
func verdictOf(d api.Device) protocol.Verdict {
	if d.State == nil || d.Verdict == "" {
		return protocol.VerdictUnknown
	}
	return d.Verdict
}

func riskKinds(r *protocol.Report) string {
	if r == nil {
		return "no report yet"
	}
	if len(r.Risks) == 0 {
		return "-"
	}
	return protocol.JoinRiskKinds(r.RiskKinds(), ",")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func ago(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
	"github.com/unbind/unbind/protocol"
)

func newDeviceCmd(io streams, runF func(context.Context, *deviceOptions) error) *cobra.Command {
	cmd := newIDCmd(&cobra.Command{
		Use:     "device ID",
		Short:   "Show one phone: identity, current state, risks and history",
		Example: "  unbind device R58M12ABC\n  unbind device R58M12ABC -o json\n  unbind device revoke R58M12ABC",
	}, io, deviceRun, runF)
	cmd.AddCommand(newRevokeCmd(io, "device", nil), newResolveCmd(io, nil))
	return cmd
}

func deviceRun(ctx context.Context, io streams, opts *deviceOptions) error {
	d, err := newAPIClient(opts.API).Device(ctx, opts.ID)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, deviceJSONOf(d))
	}
	dev := d.Device
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	cli.Printf(tw, "Device\t%s\n", dev.ID)
	cli.Printf(tw, "Model\t%s %s (%s)\n", dash(dev.Identity.Manufacturer), dash(dev.Identity.Model), dash(dev.Identity.Brand))
	cli.Printf(tw, "Android\t%s (SDK %d) %s\n", dash(dev.Identity.AndroidVersion), dev.Identity.SDK, dev.Identity.VendorOS)
	cli.Printf(tw, "Online\t%s (since %s)\n", yesNo(dev.Online), ago(dev.PresenceAt))
	cli.Printf(tw, "First seen\t%s\n", ago(dev.FirstSeen))
	cli.Printf(tw, "Last seen\t%s\n", ago(dev.LastSeen))
	if dev.Station != "" {
		cli.Printf(tw, "Station\t%s (%s)\n", dev.Station, ago(dev.StationSeenAt))
	}
	cli.Printf(tw, "Serial\t%s%s\n", dash(dev.Identity.Serial), serialSource(dev.Identity.SerialSource))
	cli.Printf(tw, "IMEI\t%s\n", dash(dev.Identity.IMEI))
	if dev.IdentityProblem != "" {
		cli.Printf(tw, "Identity\tNOT TRUSTED: %s\n", dev.IdentityProblem)
	}
	cli.Printf(tw, "Verdict\t%s\n", verdictOf(dev))
	if dev.ClockOffset != nil {
		cli.Printf(tw, "Phone clock\t%s\n", clockOffset(*dev.ClockOffset))
	}
	if s := dev.State; s != nil {
		cli.Printf(tw, "Checked\t%s\n", ago(s.CheckedAt))
		cli.Printf(tw, "Find Device\t%s\n", s.FindDevice)
		cli.Printf(tw, "Lost mode\t%s\n", s.LostMode)
		for _, r := range s.Risks {
			user := ""
			if r.User != nil {
				user = fmt.Sprintf(" user %d", *r.User)
			}
			cli.Printf(tw, "Risk\t%s%s: %s [%s]\n", r.Kind, user, r.Evidence, r.Check)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(io.Out, "\nState history (newest first):")
	tw = tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  AT\tVERDICT\tRISKS\tFIND DEVICE\tLOST MODE")
	for _, h := range d.StateHistory {
		cli.Printf(tw, "  %s\t%s\t%s\t%s\t%s\n", ago(h.At), h.Verdict, kindList(h.RiskKinds), h.FindDevice, h.LostMode)
	}
	fmt.Fprintln(tw, "\n  PRESENCE AT\tSTATUS")
	for _, p := range d.PresenceHistory {
		cli.Printf(tw, "  %s\t%s\n", ago(p.At), p.Status)
	}
	if len(d.Commands) > 0 {
		fmt.Fprintln(tw, "\n  COMMAND\tKIND\tSTATE\tUPDATED")
		for _, c := range d.Commands {
			cli.Printf(tw, "  %s\t%s\t%s\t%s\n", c.ID, c.Kind, c.State, ago(c.UpdatedAt))
		}
	}
	return tw.Flush()
}

// serialSource says where the agent read the serial, when it said.
func serialSource(src string) string {
	if src == "" {
		return ""
	}
	return " (from " + src + ")"
}

// clockOffset says how far the phone's clock was from the controller's when
// its newest report arrived (positive: behind), network delay included.
func clockOffset(seconds float64) string {
	d := time.Duration(seconds * float64(time.Second)).Round(time.Second)
	switch {
	case d > 0:
		return d.String() + " behind the controller's"
	case d < 0:
		return (-d).String() + " ahead of the controller's"
	}
	return "in step with the controller's"
}

// deviceJSON is what `device -o json` prints: the device object exactly as
// `devices -o json` lists it, with its histories and commands beside its
// fields rather than around it.
type deviceJSON struct {
	api.Device
	StateHistory    []api.StateChange    `json:"state_history"`
	PresenceHistory []api.PresenceChange `json:"presence_history"`
	Commands        []api.Command        `json:"commands"`
}

func deviceJSONOf(d api.DeviceDetail) deviceJSON {
	return deviceJSON{Device: d.Device, StateHistory: d.StateHistory, PresenceHistory: d.PresenceHistory, Commands: d.Commands}
}

// kindList prints risk kinds as `devices` does: comma-joined, "-" for none.
func kindList(kinds []protocol.RiskKind) string {
	if len(kinds) == 0 {
		return "-"
	}
	return protocol.JoinRiskKinds(kinds, ",")
}

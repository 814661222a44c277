package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
)

// confirmAbove is how many phones --all or --filter may select before the
// release asks for confirmation (or --yes).
const confirmAbove = 3

// planRelease handles --dry-run and the confirmation of a wide release. It
// returns false when nothing is to be started.
func planRelease(ctx context.Context, ios streams, client *api.Client, req api.ReleaseRequest, opts *releaseOptions) (bool, error) {
	wide := opts.All || opts.Filter != ""
	if !opts.DryRun && (!wide || opts.Yes) {
		return true, nil
	}
	devices, err := client.PlanReleases(ctx, req)
	if err != nil {
		return false, err
	}
	if opts.DryRun {
		if opts.Output == "json" {
			return false, writeJSONTo(ios.Out, devices)
		}
		return false, printPlan(ios.Out, devices, "would release (dry run; nothing started)")
	}
	if len(devices) <= confirmAbove {
		return true, nil
	}
	f, ok := opts.In.(*os.File)
	if !ok || !cli.IsTerminal(f) {
		return false, fmt.Errorf("%w: this would start releases (and factory resets) on %d phones; pass --yes to confirm, or --dry-run to list them", errUsage, len(devices))
	}
	if err := printPlan(ios.Err, devices, "about to release"); err != nil {
		return false, err
	}
	fmt.Fprintf(ios.Err, "Type %d to release these %d phones: ", len(devices), len(devices))
	line, _ := bufio.NewReader(opts.In).ReadString('\n')
	if strings.TrimSpace(line) != fmt.Sprint(len(devices)) {
		return false, fmt.Errorf("not confirmed: nothing was started")
	}
	return true, nil
}

func printPlan(w io.Writer, devices []api.Device, title string) error {
	fmt.Fprintf(w, "%s %d phone(s):\n", title, len(devices))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ID\tMANUFACTURER\tMODEL\tVERDICT\tONLINE")
	for _, d := range devices {
		verdict := string(d.Verdict)
		if verdict == "" {
			verdict = "unknown"
		}
		cli.Printf(tw, "  %s\t%s\t%s\t%s\t%s\n", d.ID, d.Identity.Manufacturer, d.Identity.Model, verdict, yesNo(d.Online))
	}
	return tw.Flush()
}

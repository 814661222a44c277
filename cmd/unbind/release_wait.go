package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
	"github.com/unbind/unbind/internal/cli/releasewatch"
)

// waitReleases polls until every release has ended, reporting each phone's
// stage as it changes (watcher).
func waitReleases(ctx context.Context, io streams, client *api.Client, rs []api.Release, opts *releaseOptions) ([]api.Release, error) {
	ids := make([]string, 0, len(rs))
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	w := releasewatch.New(io.Out, io.Err, opts.Output == "json", cli.IsTerminal(io.Err))
	t := time.NewTicker(opts.Poll)
	defer t.Stop()
	for {
		got, err := client.Releases(ctx, ids)
		if err != nil {
			w.Stop()
			return rs, err
		}
		rs = got
		if err := w.Observe(rs); err != nil {
			return rs, err
		}
		if releasewatch.AllFinished(rs) {
			w.Stop()
			return rs, nil
		}
		select {
		case <-ctx.Done():
			w.Stop()
			fmt.Fprintln(io.Err, "stopped waiting; the releases go on in the controller")
			return rs, ctx.Err()
		case <-t.C:
		}
	}
}

func printReleases(io streams, rs []api.Release) error {
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tRELEASE\tSTAGE\tOUTCOME\tREASON")
	for _, r := range rs {
		cli.Printf(tw, "%s\t%s\t%s\t%s\t%s\n", r.DeviceID, r.ID, r.Stage, dash(r.Outcome), dash(r.Reason))
	}
	return tw.Flush()
}

// warnKept says which phones already had a release running, kept with its
// own deadline rather than the request's --timeout.
func warnKept(io streams, rs []api.Release) {
	for _, r := range rs {
		if r.Kept {
			cli.Printf(io.Err, "%s already has a release running (stage %s, until %s); it is kept. Pass --restart to replace it with this --timeout.\n",
				r.DeviceID, r.Stage, r.Deadline.UTC().Format(time.RFC3339))
		}
	}
}

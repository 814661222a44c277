package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/release"
	"github.com/unbind/unbind/internal/cli"
)

// waitReleases polls until every release has ended, printing progress when it changes.
func waitReleases(ctx context.Context, io streams, client *api.Client, rs []api.Release, opts *releaseOptions) ([]api.Release, error) {
	ids := make([]string, 0, len(rs))
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	last := ""
	t := time.NewTicker(opts.Poll)
	defer t.Stop()
	for {
		got, err := client.Releases(ctx, ids)
		if err != nil {
			return rs, err
		}
		rs = got
		line, done := progress(rs)
		if line != last && opts.Output == "table" {
			cli.Printf(io.Err, "%s  %s\n", time.Now().Format("15:04:05"), line)
			last = line
		}
		if done {
			return rs, nil
		}
		select {
		case <-ctx.Done():
			fmt.Fprintln(io.Err, "stopped waiting; the releases go on in the controller")
			return rs, ctx.Err()
		case <-t.C:
		}
	}
}

// progress is a bar over the fleet and counts per kind of wait.
func progress(rs []api.Release) (string, bool) {
	var released, failed, person, working int
	for _, r := range rs {
		switch release.Stage(r.Stage) {
		case release.StageReleased:
			released++
		case release.StageFailed, release.StageCanceled:
			failed++
		case release.StageSignOut, release.StageFindDevice, release.StageWaitingForReset:
			person++
		default:
			working++
		}
	}
	const width = 30
	done := released + failed
	filled := 0
	if len(rs) > 0 {
		filled = done * width / len(rs)
	}
	bar := "[" + strings.Repeat("#", filled) + strings.Repeat(".", width-filled) + "]"
	return fmt.Sprintf("%s %d/%d  released %d  failed %d  waiting for a person %d  verifying/resetting %d",
		bar, done, len(rs), released, failed, person, working), done == len(rs)
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

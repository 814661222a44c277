package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/release"
	"github.com/unbind/unbind/internal/cli"
)

type releaseOptions struct {
	API       string
	Output    string
	DeviceIDs []string
	All       bool
	Filter    string
	Note      string
	Timeout   time.Duration
	Wait      bool
	Poll      time.Duration
}

func newReleaseCmd(io streams, runF func(context.Context, *releaseOptions) error) *cobra.Command {
	opts := &releaseOptions{}
	cmd := &cobra.Command{
		Use:   "release [DEVICE_ID...]",
		Short: "Take phones from bound to reset and safe to resell",
		Long: `release drives each phone through: verify its state, guide the person at the
phone to sign out of every lock-bearing account, verify, guide them to switch
Find Device off, verify, and only then factory-reset it (the reset is
interlocked: the controller and the agent each require a fresh, verified
"safe" report). Phones already safe go straight to the reset. Phones still
bound when --timeout runs out end as failed with the reason, never reset.

With --wait it shows progress over the fleet and a summary at the end, and
exits 0 only if every phone was released.`,
		Example: `  unbind release R58M12ABC --wait
  unbind release --filter manufacturer=Xiaomi,online --wait
  unbind release --all --timeout 45m --wait -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			opts.DeviceIDs = args
			n := 0
			for _, set := range []bool{len(args) > 0, opts.All, opts.Filter != ""} {
				if set {
					n++
				}
			}
			if n != 1 {
				return fmt.Errorf("%w: give device IDs, --all or --filter (exactly one)", errUsage)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return releaseRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	addOutputFlag(cmd, &opts.Output)
	f := cmd.Flags()
	f.BoolVar(&opts.All, "all", false, "release every phone in the registry")
	f.StringVar(&opts.Filter, "filter", "", "release the phones matching all of: bound, safe, unknown, online, offline, manufacturer=NAME, model=NAME (comma-separated)")
	f.StringVar(&opts.Note, "note", "", "a note for the audit trail (who runs the release is the API token's operator)")
	f.DurationVar(&opts.Timeout, "timeout", 30*time.Minute, "give up on a phone still bound after this long")
	f.BoolVar(&opts.Wait, "wait", false, "wait until every phone is released or failed, showing progress")
	f.DurationVar(&opts.Poll, "poll", time.Second, "how often --wait asks the controller")
	return cmd
}

func releaseRun(ctx context.Context, io streams, opts *releaseOptions) error {
	client := newAPIClient(opts.API)
	rs, err := client.StartReleases(ctx, api.ReleaseRequest{
		DeviceIDs: opts.DeviceIDs, All: opts.All, Filter: opts.Filter, Note: opts.Note,
		TimeoutSeconds: int(opts.Timeout / time.Second),
	})
	if err != nil {
		return err
	}
	if opts.Output == "table" {
		fmt.Fprintf(io.err, "releasing %d phone(s)\n", len(rs))
	}
	if opts.Wait {
		if rs, err = waitReleases(ctx, io, client, rs, opts); err != nil {
			return err
		}
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].DeviceID < rs[j].DeviceID })
	if opts.Output == "json" {
		if err := writeJSONTo(io.out, rs); err != nil {
			return err
		}
	} else if err := printReleases(io, rs); err != nil {
		return err
	}
	if opts.Wait {
		for _, r := range rs {
			if r.Outcome != string(release.StageReleased) {
				return exitCodeError{code: exitError}
			}
		}
	}
	return nil
}

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
			cli.Printf(io.err, "%s  %s\n", time.Now().Format("15:04:05"), line)
			last = line
		}
		if done {
			return rs, nil
		}
		select {
		case <-ctx.Done():
			fmt.Fprintln(io.err, "stopped waiting; the releases go on in the controller")
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
		case release.StageSignOut, release.StageFindDevice:
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
	tw := tabwriter.NewWriter(io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tRELEASE\tSTAGE\tOUTCOME\tREASON")
	for _, r := range rs {
		cli.Printf(tw, "%s\t%s\t%s\t%s\t%s\n", r.DeviceID, r.ID, r.Stage, dash(r.Outcome), dash(r.Reason))
	}
	return tw.Flush()
}

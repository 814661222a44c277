package main

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
	"github.com/unbind/unbind/internal/cli/releasewatch"
)

func releaseRun(ctx context.Context, io streams, opts *releaseOptions) error {
	client := newAPIClient(opts.API)
	req := api.ReleaseRequest{
		DeviceIDs: opts.DeviceIDs, All: opts.All, Filter: opts.Filter, Note: opts.Note,
		TimeoutSeconds: int(opts.Timeout / time.Second), Restart: opts.Restart, OnTimeout: opts.OnTimeout,
	}
	if start, err := planRelease(ctx, io, client, req, opts); err != nil || !start {
		return err
	}
	rs, err := client.StartReleases(ctx, req)
	if err != nil {
		return err
	}
	warnKept(io, rs)
	if opts.Output == "table" {
		fmt.Fprintf(io.Err, "releasing %d phone(s)\n", len(rs))
	}
	if opts.Wait {
		if rs, err = waitReleases(ctx, io, client, rs, opts); err != nil {
			return err
		}
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].DeviceID < rs[j].DeviceID })
	switch {
	case opts.Output == "json" && opts.Wait:
		err = releasewatch.WriteSummary(io.Out, rs)
	case opts.Output == "json":
		err = writeJSONTo(io.Out, rs)
	default:
		err = printReleases(io, rs)
	}
	if err != nil {
		return err
	}
	if opts.Wait {
		for _, r := range rs {
			if r.Outcome != api.OutcomeReleased {
				return cli.ExitError{Code: exitError}
			}
		}
	}
	return nil
}

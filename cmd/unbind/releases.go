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
)

type releasesOptions struct {
	API, Output  string
	Since, Until string
	Query        api.ReleaseQuery
	Now          func() time.Time
}

func newReleasesCmd(io streams, runF func(context.Context, *releasesOptions) error) *cobra.Command {
	opts := &releasesOptions{Now: time.Now}
	cmd := &cobra.Command{
		Use:   "releases",
		Short: "List releases, newest first, by state, phone, lot, batch and time",
		Long: `releases lists the releases the controller ran and runs, newest first, one page
at a time (--limit, at most 1000). When more are left, it prints on stderr the
command for the next page (--cursor). Times are local; -o json gives them in UTC,
with next_cursor.

--state is one of ` + strings.Join(api.ReleaseStates, ", ") + `. A batch is the
releases one request started ("unbind release" prints its BATCH); --lot takes the
phones in that lot now.`,
		Example: `  unbind releases
  unbind releases --state running
  unbind releases --state failed --since 24h
  unbind releases --batch 5c8f0d3e9a1b2c47 -o json
  unbind releases --lot PO-4711 --limit 500`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			now := opts.Now()
			var err error
			if opts.Query.Since, err = parseTimeFlag("since", opts.Since, now); err != nil {
				return fmt.Errorf("%w: %w", errUsage, err)
			}
			if opts.Query.Until, err = parseTimeFlag("until", opts.Until, now); err != nil {
				return fmt.Errorf("%w: %w", errUsage, err)
			}
			// The API's own parser says what is allowed, before asking it.
			if _, err := api.ParseReleaseQuery(opts.Query.Values()); err != nil {
				return fmt.Errorf("%w: %w", errUsage, err)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return releasesRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	addOutputFlag(cmd, &opts.Output)
	f := cmd.Flags()
	f.StringVar(&opts.Query.State, "state", "", "only releases in this state: "+strings.Join(api.ReleaseStates, ", "))
	f.StringVar(&opts.Query.DeviceID, "device", "", "only the releases of this phone (device ID)")
	f.StringVar(&opts.Query.Lot, "lot", "", "only the releases of the phones in this lot")
	f.StringVar(&opts.Query.Batch, "batch", "", "only the releases of this batch")
	f.StringVar(&opts.Since, "since", "", "only releases started at or after this time (RFC 3339, YYYY-MM-DD, or an age like 24h or 7d)")
	f.StringVar(&opts.Until, "until", "", "only releases started before this time (same forms as --since)")
	f.IntVar(&opts.Query.Limit, "limit", api.DefaultReleaseLimit, fmt.Sprintf("releases per page, 1 to %d", api.MaxReleaseLimit))
	f.StringVar(&opts.Query.Cursor, "cursor", "", "go on where the previous page ended (as the previous page said)")
	return cmd
}

func releasesRun(ctx context.Context, io streams, opts *releasesOptions) error {
	rs, next, err := newAPIClient(opts.API).ListReleases(ctx, opts.Query)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, api.ReleasesBody{Releases: rs, NextCursor: next})
	}
	if len(rs) == 0 {
		cli.Printf(io.Out, "No release matches.\n")
		return nil
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	cli.Printf(tw, "STARTED\tRELEASE\tBATCH\tDEVICE\tSTATE\tSTAGE\tREASON\n")
	for _, r := range rs {
		cli.Printf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.CreatedAt.Local().Format("2006-01-02 15:04:05"),
			r.ID, dash(r.BatchID), r.DeviceID, r.State, r.Stage, dash(oneLine(r.Reason)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if next != "" {
		cli.Printf(io.Err, "More releases: %s\n", nextPageCommand(opts, next))
	}
	return nil
}

// nextPageCommand is the command line of the next page: the same filters
// with its cursor.
func nextPageCommand(opts *releasesOptions, cursor string) string {
	parts := []string{"unbind releases"}
	if opts.API != "" {
		parts = append(parts, "--api "+opts.API)
	}
	// Times as resolved: an age such as 24h would move between pages.
	when := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	for _, f := range []struct{ name, val string }{
		{"state", opts.Query.State}, {"device", opts.Query.DeviceID}, {"lot", opts.Query.Lot},
		{"batch", opts.Query.Batch}, {"since", when(opts.Query.Since)}, {"until", when(opts.Query.Until)},
	} {
		if f.val != "" {
			parts = append(parts, "--"+f.name+" "+shellWord(f.val))
		}
	}
	if opts.Query.Limit != api.DefaultReleaseLimit {
		parts = append(parts, fmt.Sprintf("--limit %d", opts.Query.Limit))
	}
	return strings.Join(append(parts, "--cursor "+cursor), " ")
}

// shellWord quotes s for a POSIX shell when it needs it.
func shellWord(s string) string {
	if strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// oneLine keeps a reason on its table row.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

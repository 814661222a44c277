package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
)

type exportOptions struct {
	API    string
	Filter string
	Since  string
	Format string
	// File is --output; "" writes to standard output.
	File string
	// Now reads the clock for a relative --since.
	Now func() time.Time
}

func newExportCmd(io streams, runF func(context.Context, *exportOptions) error) *cobra.Command {
	opts := &exportOptions{Now: time.Now}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write one row per phone as CSV or JSON, for an inventory system or a spreadsheet",
		Long: `export writes one row per phone: device ID, serial, IMEI when it was read,
maker, model, verdict, risk kinds, its newest release (stage, outcome, reason,
start and finish times, operator) and the ID and SHA-256 of that release's
certificate.

CSV (the default) follows RFC 4180 with a header line; a cell that starts
with =, +, -, @, a tab or a carriage return gets a leading ' so that a
spreadsheet shows it as text instead of running it as a formula. JSON is an
array of objects with the values as they are.

--filter takes the terms of release --filter; --since keeps the phones seen
at or after a time: RFC 3339, a date (YYYY-MM-DD, local midnight), or an age
such as 36h or 7d.`,
		Example: `  unbind export --output batch.csv
  unbind export --filter manufacturer=Xiaomi,safe --since 2026-03-02
  unbind export --since 7d --format json | jq '.[] | select(.release_outcome == "released")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Format != api.ExportCSV && opts.Format != api.ExportJSON {
				return fmt.Errorf("%w: --format %q: want csv or json", errUsage, opts.Format)
			}
			if _, err := parseSince(opts.Since, time.Now()); err != nil {
				return fmt.Errorf("%w: %w", errUsage, err)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return exportRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	f := cmd.Flags()
	f.StringVar(&opts.Filter, "filter", "", "only the phones matching all of: bound, safe, unknown, online, offline, manufacturer=NAME, model=NAME (comma-separated)")
	f.StringVar(&opts.Since, "since", "", "only the phones seen at or after this time (RFC 3339, YYYY-MM-DD, or an age like 24h or 7d)")
	f.StringVar(&opts.Format, "format", api.ExportCSV, "csv or json")
	f.StringVar(&opts.File, "output", "", "write to FILE (replaced whole, only once the export is complete) instead of standard output")
	return cmd
}

func exportRun(ctx context.Context, io streams, opts *exportOptions) error {
	since, err := parseSince(opts.Since, opts.Now())
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	q := api.ExportQuery{Filter: opts.Filter, Since: since, Format: opts.Format}
	client := newAPIClient(opts.API)
	if opts.File == "" {
		return client.Export(ctx, q, io.Out)
	}
	// A temporary file beside FILE, renamed over it at the end: FILE is
	// never left half written.
	tmp, err := os.CreateTemp(filepath.Dir(opts.File), "."+filepath.Base(opts.File)+".*")
	if err != nil {
		return fmt.Errorf("export to %s: %w", opts.File, err)
	}
	defer os.Remove(tmp.Name()) // gone after the rename; removes a failed one
	if err := client.Export(ctx, q, tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("export to %s: %w", opts.File, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("export to %s: %w", opts.File, err)
	}
	if err := os.Rename(tmp.Name(), opts.File); err != nil {
		return fmt.Errorf("export to %s: %w", opts.File, err)
	}
	fmt.Fprintf(io.Err, "exported to %s\n", opts.File)
	return nil
}

// parseSince reads --since: RFC 3339, a local date, or an age before now
// (a Go duration, or whole days as "7d"). "" is the zero time.
func parseSince(s string, now time.Time) (time.Time, error) { return parseTimeFlag("since", s, now) }

// parseTimeFlag reads the time flag --name as parseSince does.
func parseTimeFlag(name, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--%s %q: want an RFC 3339 time, a date (YYYY-MM-DD) or an age such as 24h or 7d", name, s)
}

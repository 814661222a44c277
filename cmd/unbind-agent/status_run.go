package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/unbind/unbind/android/phonecheck"
	"github.com/unbind/unbind/internal/cli"
	"github.com/unbind/unbind/protocol"
)

// exitCode is the exit status for a phone's verdict.
func exitCode(r phonecheck.Result) int {
	switch r.Verdict() {
	case string(protocol.VerdictSafe):
		return exitSafe
	case string(protocol.VerdictAtRisk):
		return exitNotSafe
	case string(protocol.VerdictUnknown):
		return exitUnknown
	}
	return exitError
}

// jsonFailure returns err, first printing it as a JSON object (verdict
// "error") when the output is JSON, so that a script reading stdout gets an
// answer rather than nothing.
func jsonFailure(io cli.Streams, output string, err error) error {
	if output == "json" {
		if werr := phonecheck.WriteJSONFailure(io.Out, err); werr != nil {
			return errors.Join(err, fmt.Errorf("write status: %w", werr))
		}
	}
	return err
}

func statusRun(ctx context.Context, io cli.Streams, opts *statusOptions) error {
	logger, err := newLogger(io.Err, opts.LogLevel)
	if err != nil {
		return err
	}
	if err := opts.checkLocalPhone(); err != nil {
		return err
	}
	if opts.phones == nil && opts.FromCapture == "" && opts.ADBSerial != "" {
		if err := checkADB(opts.ADBPath, opts.lookPath); err != nil {
			return jsonFailure(io, opts.Output, err)
		}
	}
	src := opts.source()
	all := opts.ADBSerial == adbAll
	if opts.FromCapture != "" {
		if src, all, err = phonecheck.FromCapture(opts.FromCapture); err != nil {
			return err
		}
	}
	check := phonecheck.Options{Parallel: opts.Parallel, Device: opts.deviceConfig(logger),
		ShowAccountNames: opts.ShowAccountNames, Version: version, Logger: logger}
	// A bench table shows each phone as soon as it is done, then a summary.
	var stream *phonecheck.TableStream
	if all && opts.Output != "json" {
		stream = phonecheck.NewTableStream(io.Out)
		check.Done = stream.Line
	}
	var results []phonecheck.Result
	if all {
		if results, err = phonecheck.All(ctx, src, check); err != nil {
			return jsonFailure(io, opts.Output, err)
		}
	} else {
		results = []phonecheck.Result{phonecheck.One(ctx, src, check, opts.ADBSerial)}
	}
	if err := ctx.Err(); err != nil {
		return err // interrupted: half-done checks are not a verdict
	}

	switch {
	case opts.Output == "json":
		err = phonecheck.WriteJSON(io.Out, results, all)
	case all:
		err = stream.Finish(results)
	default:
		err = phonecheck.WriteText(io.Out, results[0])
	}
	if err != nil {
		return fmt.Errorf("write status: %w", err)
	}
	code := exitSafe
	for _, r := range results {
		if r.Err != nil && !all {
			fmt.Fprintf(io.Err, "unbind-agent: status of %s: %v\n", phonecheck.Describe(r.Serial), r.Err)
		}
		code = max(code, exitCode(r))
	}
	if code != exitSafe {
		return cli.ExitError{Code: code}
	}
	return nil
}

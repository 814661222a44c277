package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/android/capture"
	"github.com/unbind/unbind/android/phonecheck"
	"github.com/unbind/unbind/internal/cli"
)

type captureOptions struct {
	phoneOptions
	Out string
}

func newCaptureCmd(io cli.Streams) *cobra.Command {
	opts := &captureOptions{}
	cmd := &cobra.Command{
		Use:   "capture --out DIR",
		Short: "Record a phone's raw answers to the status checks, for replay with status --from-capture",
		Long: `capture runs the commands status runs and stores each raw answer in a new
directory DIR/<maker>-<model>-<serial>/ with a manifest.json, and prints
that directory. Capturing again into the same DIR keeps the earlier
captures: the new directory gets a number (-2, -3...). Account names, e-mail
addresses, phone numbers, IMEIs and serials become pseudonyms (SERIAL0001...,
numbered per run) unless --show-account-names.`,
		Example: `  unbind-agent capture --adb all --out captures/
  unbind-agent status --from-capture captures/Xiaomi-23127PN0CG-SERIAL0001`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Out == "" || opts.CommandTimeout <= 0 {
				return fmt.Errorf("%w: --out is required and --command-timeout must be positive", errUsage)
			}
			return captureRun(cmd.Context(), io, opts)
		},
	}
	opts.phoneOptions.addFlags(cmd)
	cmd.Flags().StringVar(&opts.Out, "out", "", "directory to write one capture directory per phone into")
	return cmd
}

func captureRun(ctx context.Context, io cli.Streams, opts *captureOptions) error {
	if opts.ADBSerial != "" {
		if err := checkADB(opts.ADBPath, nil); err != nil {
			return err
		}
	}
	src := phonecheck.ADBSource(opts.ADBPath)
	serials := []string{opts.ADBSerial}
	if opts.ADBSerial == adbAll {
		var err error
		if serials, err = src.Ready(ctx); err != nil {
			return err
		}
	}
	copts := capture.Options{CommandTimeout: opts.CommandTimeout, ShowAccountNames: opts.ShowAccountNames,
		Tool: "unbind-agent " + version}
	return phonecheck.Capture(ctx, src, serials, copts, opts.Out, func(dir string) { fmt.Fprintln(io.Out, dir) })
}

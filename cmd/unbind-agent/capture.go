package main

import (
	"cmp"
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/android/capture"
)

type captureOptions struct {
	phoneOptions
	Out string
}

func newCaptureCmd(io streams) *cobra.Command {
	opts := &captureOptions{}
	cmd := &cobra.Command{
		Use:   "capture --out DIR",
		Short: "Record a phone's raw answers to the status checks, for replay with status --from-capture",
		Long: `capture runs the commands status runs and stores each raw answer in
DIR/<serial>/ with a manifest.json. Account names, e-mail addresses, phone
numbers, IMEIs and serials become pseudonyms unless --show-account-names.`,
		Example: `  unbind-agent capture --adb all --out captures/
  unbind-agent status --from-capture captures/SERIAL0001`,
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

func captureRun(ctx context.Context, io streams, opts *captureOptions) error {
	serials := []string{opts.ADBSerial}
	if opts.ADBSerial == adbAll {
		devs, err := android.ListADBDevices(ctx, opts.ADBPath)
		if err != nil {
			return err
		}
		serials = serials[:0]
		for _, d := range devs {
			if d.Ready() {
				serials = append(serials, d.Serial)
			}
		}
	}
	names := capture.NewPseudonyms() // one table: each phone's serial gets its own pseudonym
	for _, serial := range serials {
		o := opts.phoneOptions
		o.ADBSerial = serial
		copts := capture.Options{CommandTimeout: o.CommandTimeout, ShowAccountNames: o.ShowAccountNames,
			Transport: "local", Serial: serial, Tool: "unbind-agent " + version, Pseudonyms: names}
		if serial != "" {
			copts.Transport = "adb"
		}
		res, err := capture.Phone(ctx, o.transport(), copts)
		if err != nil {
			return fmt.Errorf("capture %s: %w", describeSerial(serial), err)
		}
		dir, err := res.Write(opts.Out)
		if err != nil {
			return err
		}
		fmt.Fprintln(io.out, dir)
	}
	return nil
}

// replaySource answers from the captures in dir: one phone, or every phone
// of a capture run as with --adb all.
func replaySource(dir string) (*phoneSource, bool, error) {
	names, replays, err := capture.OpenAll(dir)
	if err != nil {
		return nil, false, err
	}
	devs := make([]android.ADBDevice, len(names))
	for i, n := range names {
		devs[i] = android.ADBDevice{Serial: n, State: "device"}
	}
	return &phoneSource{
		transport: func(serial string) android.Transport { return replays[cmp.Or(serial, names[0])] },
		list:      func(context.Context) ([]android.ADBDevice, error) { return devs, nil },
	}, len(names) > 1, nil
}

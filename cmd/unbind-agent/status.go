package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/protocol"
)

// adbAll is the --adb value that selects every attached phone.
const adbAll = "all"

type statusOptions struct {
	phoneOptions
	Output   string
	Parallel int
	LogLevel string
	// FromCapture judges captured phones instead of live ones.
	FromCapture string

	// phones finds and opens phones; nil means the real ones (this phone,
	// or adb). Tests put simulated phones here.
	phones *phoneSource
}

// phoneSource opens phones. transport("") is the phone this runs on.
type phoneSource struct {
	transport func(serial string) android.Transport
	list      func(ctx context.Context) ([]android.ADBDevice, error)
}

func (o *statusOptions) source() *phoneSource {
	if o.phones != nil {
		return o.phones
	}
	return &phoneSource{
		transport: func(serial string) android.Transport {
			if serial == "" {
				return &android.LocalShell{}
			}
			return &android.ADB{Serial: serial, Path: o.ADBPath}
		},
		list: func(ctx context.Context) ([]android.ADBDevice, error) {
			return android.ListADBDevices(ctx, o.ADBPath)
		},
	}
}

func newStatusCmd(io streams, runF func(context.Context, *statusOptions) error) *cobra.Command {
	opts := &statusOptions{}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Say whether a phone is safe to factory-reset, and if not why and what to do",
		Long: `status reads a phone once and says whether a factory reset would leave it
locked (Mi account and Find Device, Google FRP, Samsung Reactivation Lock,
HUAWEI ID, Xiaomi lost mode), with the evidence and the steps that clear it.
It is safe only when every check answered and none found a lock.

Exit status: 0 safe, 1 not safe, 2 could not tell (some check did not answer),
3 or more: the agent itself failed. With --adb all, the highest of all phones.

--output json prints one JSON object (--adb all: a JSON array of them) with
the report's fields (device, safe_to_reset, risks, accounts, find_device,
lost_mode, rooted, checked_at) and verdict: safe, at_risk, unknown or error.`,
		Example: `  # on the phone
  adb shell /data/local/tmp/unbind-agent status
  # on a bench PC: one phone, then every attached phone
  unbind-agent status --adb R58M12ABCDE
  unbind-agent status --adb all --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Output != "text" && opts.Output != "json" {
				return fmt.Errorf("%w: --output %q: want text or json", errUsage, opts.Output)
			}
			if opts.Parallel < 1 {
				return fmt.Errorf("%w: --parallel must be at least 1", errUsage)
			}
			if opts.CommandTimeout <= 0 {
				return fmt.Errorf("%w: --command-timeout must be positive", errUsage)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return statusRun(cmd.Context(), io, opts)
		},
	}
	opts.phoneOptions.addFlags(cmd)
	cmd.Flags().Lookup("adb").Usage = `read the phone with this serial over adb (bench PC), or "all" for every attached phone`
	f := cmd.Flags()
	f.StringVarP(&opts.Output, "output", "o", "text", "text or json")
	f.IntVar(&opts.Parallel, "parallel", 4, "phones checked at once with --adb all")
	f.StringVar(&opts.LogLevel, "log-level", "warn", "debug, info, warn or error (logs go to stderr)")
	f.StringVar(&opts.FromCapture, "from-capture", "", "judge a phone recorded by capture (its directory, or the --out directory for all of them) instead of a live one")
	cmd.MarkFlagsMutuallyExclusive("from-capture", "adb")
	return cmd
}

// phoneStatus is the outcome for one phone.
type phoneStatus struct {
	Serial string
	// ADBState is adb's word for a phone it cannot use ("offline",
	// "unauthorized"); such a phone is not checked.
	ADBState string
	Report   protocol.Report
	// Err is set when the phone could not be read at all.
	Err error
}

// verdictError adds to protocol's verdicts: the agent could not read the
// phone at all.
const verdictError = "error"

// checkReadPhone names the failed check of a phone that could not be read.
const checkReadPhone = "read phone"

func (s phoneStatus) verdict() string {
	if s.Err != nil || s.ADBState != "" {
		return verdictError
	}
	return string(s.Report.Verdict())
}

func (s phoneStatus) exitCode() int {
	switch s.verdict() {
	case string(protocol.VerdictSafe):
		return exitSafe
	case string(protocol.VerdictAtRisk):
		return exitNotSafe
	case string(protocol.VerdictUnknown):
		return exitUnknown
	}
	return exitError
}

func statusRun(ctx context.Context, io streams, opts *statusOptions) error {
	logger, err := newLogger(io.err, opts.LogLevel)
	if err != nil {
		return err
	}
	src := opts.source()
	all := opts.ADBSerial == adbAll
	if opts.FromCapture != "" {
		if src, all, err = replaySource(opts.FromCapture); err != nil {
			return err
		}
	}

	var statuses []phoneStatus
	if all {
		if statuses, err = checkAll(ctx, src, opts, logger); err != nil {
			return err
		}
	} else {
		statuses = []phoneStatus{checkOne(ctx, src, opts, logger, opts.ADBSerial)}
	}
	if err := ctx.Err(); err != nil {
		return err // interrupted: half-done checks are not a verdict
	}

	if opts.Output == "json" {
		err = writeStatusJSON(io.out, statuses, all)
	} else if all {
		err = writeStatusTable(io.out, statuses)
	} else {
		err = writeStatusText(io.out, statuses[0])
	}
	if err != nil {
		return fmt.Errorf("write status: %w", err)
	}
	code := exitSafe
	for _, s := range statuses {
		if s.Err != nil && !all {
			fmt.Fprintf(io.err, "unbind-agent: status of %s: %v\n", describeSerial(s.Serial), s.Err)
		}
		code = max(code, s.exitCode())
	}
	if code != exitSafe {
		return exitCodeError{code}
	}
	return nil
}

// checkAll checks every phone adb lists, opts.Parallel at a time, and
// returns them ordered by serial whatever order they finished in.
func checkAll(ctx context.Context, src *phoneSource, opts *statusOptions, logger *slog.Logger) ([]phoneStatus, error) {
	devs, err := src.list(ctx)
	if err != nil {
		return nil, err
	}
	if len(devs) == 0 {
		return nil, errors.New("no phone attached: adb devices lists none (check the cable and that USB debugging is on)")
	}
	slices.SortStableFunc(devs, func(a, b android.ADBDevice) int { return cmp.Compare(a.Serial, b.Serial) })
	statuses := make([]phoneStatus, len(devs))
	var g errgroup.Group
	g.SetLimit(opts.Parallel)
	for i, d := range devs {
		if !d.Ready() {
			statuses[i] = phoneStatus{Serial: d.Serial, ADBState: d.State}
			continue
		}
		g.Go(func() error {
			statuses[i] = checkOne(ctx, src, opts, logger, d.Serial)
			return nil
		})
	}
	_ = g.Wait() // each check keeps its own error
	return statuses, nil
}

// checkOne reads one phone and judges it; serial "" is the phone this runs on.
func checkOne(ctx context.Context, src *phoneSource, opts *statusOptions, logger *slog.Logger, serial string) phoneStatus {
	if serial != "" {
		logger = logger.With(agent.LogDevice, serial)
	}
	dev := android.NewDevice(src.transport(serial), opts.deviceConfig(logger))
	a := agent.New(dev, agent.Config{ShowAccountNames: opts.ShowAccountNames, Logger: logger, Version: version})
	rep, err := a.Check(ctx)
	if err != nil {
		return phoneStatus{Serial: serial, Err: err}
	}
	if serial == "" {
		serial = rep.Device.Serial
	}
	return phoneStatus{Serial: serial, Report: rep}
}

func describeSerial(serial string) string {
	if serial == "" {
		return "this phone"
	}
	return serial
}

// errorReport stands in for the report of a phone that could not be read,
// so that JSON readers looking only at safe_to_reset and risks still see
// that nothing is known.
func (s phoneStatus) errorReport(now time.Time) protocol.Report {
	evidence := "could not read the phone: " + android.Reason(s.Err)
	if s.ADBState != "" {
		evidence = "adb lists the phone as " + s.ADBState
	}
	return protocol.Report{
		Device:     protocol.Identity{Serial: s.Serial},
		Risks:      []protocol.Risk{{Kind: protocol.RiskUnknown, Check: checkReadPhone, Evidence: evidence}},
		FindDevice: protocol.TriUnknown,
		LostMode:   protocol.TriUnknown,
		CheckedAt:  now.UTC(),
	}
}

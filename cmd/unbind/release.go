package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
)

type releaseOptions struct {
	Restart   bool
	API       string
	Output    string
	DeviceIDs []string
	All       bool
	Filter    string
	Note      string
	Timeout   time.Duration
	Wait      bool
	Poll      time.Duration
	DryRun    bool
	Yes       bool
	OnTimeout string
	// In answers the confirmation prompt.
	In io.Reader
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
bound when --timeout runs out end as failed with the reason, never reset; with
--on-timeout hold they wait on hold instead ("unbind holds") and go on by
themselves once they show clean.

With --wait it reports each phone's stage as it changes, then a summary. As a
table: a line per change on stderr (time, phone, release ID, stage, and outcome
and reason at the end) with, indented below it, what the person at the phone or
the operator must do now; a line of counts per stage redrawn in place when
stderr is a terminal, and the table on stdout at the end. With -o json, stdout
is JSON Lines, one object a line:

  {"event":"stage","device":ID,"release":ID,"stage":S,"finished":false,
   "instruction":TEXT,"outcome":O,"reason":R,"command":ID,"time":RFC3339}

for each phone when it is first seen and whenever its stage or outcome
changes ("finished" is true on its last line; outcome, reason and command
are left out when empty), and last

  {"event":"summary","total":N,"outcomes":{"released":N,...},
   "all_released":true|false,"releases":[...]}

Without --wait, -o json prints the array of releases started.

Exit status: 0 when the releases started (with --wait: when every phone was
released); 1 on an error, or with --wait when a phone was not released (failed,
canceled, or waiting on hold); 2 when the command was called wrongly.`,
		Example: `  unbind release R58M12ABC --wait
  unbind release --filter manufacturer=Xiaomi,online --wait
  unbind release --filter manufacturer=Xiaomi --dry-run
  unbind release --all --timeout 45m --wait --yes -o json`,
		// Device IDs, beside the cancel subcommand.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			if opts.OnTimeout != api.OnTimeoutFail && opts.OnTimeout != api.OnTimeoutHold {
				return fmt.Errorf("%w: --on-timeout %q: want fail or hold", errUsage, opts.OnTimeout)
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
			opts.In = cmd.InOrStdin()
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
	f.BoolVar(&opts.DryRun, "dry-run", false, "list the phones this would release, with their verdicts, and start nothing")
	f.BoolVar(&opts.Yes, "yes", false, "confirm a release of more than 3 phones by --all or --filter without asking")
	f.BoolVar(&opts.Restart, "restart", false, "replace a phone's running release with a new one (with this --timeout) instead of keeping it")
	f.StringVar(&opts.OnTimeout, "on-timeout", api.OnTimeoutFail, `what a phone still bound at --timeout (or locked by someone elsewhere) becomes: "fail", or "hold" to wait on hold and go on once it shows clean`)
	cmd.AddCommand(newReleaseCancelCmd(io, nil))
	cmd.AddCommand(newReleaseConfirmCmd(io, nil))
	cmd.AddCommand(newReleaseHoldCmd(io, nil))
	return cmd
}

package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/android/phonecheck"
	"github.com/unbind/unbind/internal/cli"
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
	phones *phonecheck.Source
	// lookPath finds a program on this machine; nil means exec.LookPath.
	// Tests make getprop missing here.
	lookPath func(string) (string, error)
}

// errNotAPhone is status without --adb on a machine without getprop: not a
// phone, so there is nothing local to read.
var errNotAPhone = errors.New("this machine is not an Android phone (getprop not found)")

// checkLocalPhone says when status without --adb runs somewhere that is not
// an Android phone, and how to read phones from a bench PC instead.
func (o *statusOptions) checkLocalPhone() error {
	if o.phones != nil || o.FromCapture != "" || o.ADBSerial != "" {
		return nil
	}
	look := o.lookPath
	if look == nil {
		look = exec.LookPath
	}
	if _, err := look("getprop"); err != nil {
		return fmt.Errorf("%w.\nOn a bench PC, read phones attached over USB with adb:\n"+
			"  unbind-agent status --adb SERIAL   one phone (serials: adb devices)\n"+
			"  unbind-agent status --adb all      every attached phone", errNotAPhone)
	}
	return nil
}

func (o *statusOptions) source() *phonecheck.Source {
	if o.phones != nil {
		return o.phones
	}
	return phonecheck.ADBSource(o.ADBPath)
}

func newStatusCmd(io cli.Streams, runF func(context.Context, *statusOptions) error) *cobra.Command {
	opts := &statusOptions{}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Say whether a phone is safe to factory-reset, and if not why and what to do",
		Long: `status reads a phone once and says whether a factory reset would leave it
locked, with the evidence and the steps that clear it. It checks every lock
of the catalogue (docs/safe.md): the accounts of Google, Xiaomi, Samsung,
HUAWEI, HONOR, vivo and OPPO and any phone maker's account it cannot judge,
Find Device, vivo Find my phone, lost mode, company management and reset
protection policies, Samsung Knox Guard, and a phone already waiting at FRP.
It is safe only when every check answered and none found a lock.

With --adb all the table prints each phone's line as soon as that phone is
done (so in the order they finish), then the counts and the serials of the
phones that are not safe, sorted; --output json prints one array at the end.

Exit status: 0 safe, 1 not safe, 2 could not tell (some check did not answer),
3 or more: the agent itself failed (3 also when, without --adb, this machine
is not an Android phone). With --adb all, the highest of all phones.

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
			switch opts.Output {
			case "table":
				opts.Output = "text" // unbind's name for the same thing
			case "text", "json":
			default:
				return fmt.Errorf("%w: --output %q: want table (or text) or json", errUsage, opts.Output)
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
	f.StringVarP(&opts.Output, "output", "o", "text", "table (same as text) or json")
	f.IntVar(&opts.Parallel, "parallel", 4, "phones checked at once with --adb all")
	f.StringVar(&opts.LogLevel, "log-level", "warn", "debug, info, warn or error (logs go to stderr)")
	f.StringVar(&opts.FromCapture, "from-capture", "", "judge a phone recorded by capture (its directory, or the --out directory for all of them) instead of a live one")
	cmd.MarkFlagsMutuallyExclusive("from-capture", "adb")
	return cmd
}

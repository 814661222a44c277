package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/internal/cli"
)

// version is set by the linker (-X main.version=...).
var version = "dev"

// Exit codes of status: the verdict, then failures of the agent itself.
const (
	exitSafe      = 0
	exitNotSafe   = 1
	exitUnknown   = 2
	exitError     = 3
	exitUsage     = 4
	exitInterrupt = 130
)

var errUsage = cli.ErrUsage

// exitCodes map the errors of a command to exit statuses.
var exitCodes = cli.ExitCodes{Error: exitError, Usage: exitUsage, Interrupt: exitInterrupt}

func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	io := cli.Streams{Out: stdout, Err: stderr}
	root := newRootCmd(io)
	root.SetArgs(args)
	return io.Exit(ctx, "unbind-agent", cli.Execute(ctx, root), exitCodes)
}

func newRootCmd(io cli.Streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "unbind-agent",
		Short: "Check a phone's activation locks and release it safely",
		Long: `unbind-agent reads a phone's account binding, Find Device and lost-mode state.

On the phone (pushed by adb to /data/local/tmp, run as the shell user) it
reads the phone it runs on; on a bench PC, --adb SERIAL reads a phone over adb.
A phone is safe to reset only when every check answered and none found a lock.`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	cli.AddVersionFlag(root, io.Out, "unbind-agent "+version)
	root.SetOut(io.Out)
	root.SetErr(io.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return fmt.Errorf("%w: %w", errUsage, err)
	})
	root.AddCommand(
		newRunCmd(io, nil),
		newEnrollCmd(io, nil),
		newStatusCmd(io, nil),
		newCaptureCmd(io),
		newInstallCmd(io, nil),
		newVersionCmd(io),
	)
	for _, newCmd := range optionalCmds {
		root.AddCommand(newCmd(io))
	}
	return root
}

// optionalCmds are subcommands that files behind build tags register from
// init (simulate, with -tags sim), so that shipped binaries do not carry them.
var optionalCmds []func(cli.Streams) *cobra.Command

func newVersionCmd(io cli.Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(io.Out, "unbind-agent", version)
			return err
		},
	}
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	return cli.NewLogger(w, level)
}

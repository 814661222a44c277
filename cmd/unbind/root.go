package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
)

// version is set by the linker (-X main.version=...).
var version = "dev"

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// errUsage marks errors in how the command was called.
var errUsage = cli.ErrUsage

func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := cli.Execute(ctx, root)
	return streams{Out: stdout, Err: stderr}.Exit(ctx, "unbind", err,
		cli.ExitCodes{Error: exitError, Usage: exitUsage, UsageErrors: []error{api.ErrBadURL}})
}

// streams carries the outputs every subcommand writes to.
type streams = cli.Streams

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	io := streams{Out: stdout, Err: stderr}
	root := &cobra.Command{
		Use:   "unbind",
		Short: "Release phones from their activation locks before a factory reset",
		Long: `unbind runs the Unbind controller and queries it.

The controller keeps a registry of phones, embeds an MQTT broker for their
agents and serves an HTTP API. A phone is shown as safe to reset only when its
agent verified, on the phone, that no lock-bearing account, Find Device or
lost mode remains; anything unverified is unknown, never safe.`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	cli.AddVersionFlag(root, stdout, "unbind "+version)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return fmt.Errorf("%w: %w", errUsage, err)
	})
	root.AddCommand(
		newServeCmd(io, nil),
		newDevicesCmd(io, nil),
		newDeviceCmd(io, nil),
		newReleaseCmd(io, nil),
		newHoldsCmd(io, nil),
		newReleasesCmd(io, nil),
		newCommandsCmd(io, nil),
		newMonitorCmd(io, nil),
		newCancelCmd(io, nil),
		newAuditCmd(io, nil),
		newCertCmd(io, nil),
		newKeyCmd(io, nil),
		newConsoleCmd(io, nil),
		newEnrollCmd(io, nil),
		newOperatorCmd(io),
		newLoginCmd(io),
		newBackupCmd(io, nil),
		newWebhookCmd(io),
		newLotCmd(io),
		newStationCmd(io),
		newLabelCmd(io, nil),
		newExportCmd(io, nil),
		newVersionCmd(io),
	)
	for _, newCmd := range optionalCmds {
		root.AddCommand(newCmd(io))
	}
	return root
}

// optionalCmds are subcommands that files behind build tags register from
// init (the demo, with -tags sim), so that shipped binaries do not carry them.
var optionalCmds []func(streams) *cobra.Command

func newVersionCmd(io streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(io.Out, "unbind", version)
			return err
		},
	}
}

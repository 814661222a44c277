//go:build sim

package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/internal/cli"
	"github.com/unbind/unbind/sim/simfleet"
)

func init() {
	optionalCmds = append(optionalCmds, func(io cli.Streams) *cobra.Command { return newSimulateCmd(io, nil) })
}

type simulateOptions struct {
	BrokerURL  string
	Controller string
	Phones     int
	Seed       int64
	Interval   time.Duration
	LogLevel   string
}

func newSimulateCmd(io cli.Streams, runF func(context.Context, *simulateOptions) error) *cobra.Command {
	opts := &simulateOptions{}
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Run the agent against a fleet of simulated phones",
		Long: `simulate runs one real agent per simulated phone, each with its own MQTT
session, against a controller's broker. The phones answer the same shell
commands as real ones, in the same formats, and fail the same ways.`,
		Example: "  unbind-agent simulate --broker tcp://127.0.0.1:1883 --controller http://127.0.0.1:8080 --phones 100",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Phones < 1 {
				return fmt.Errorf("%w: --phones must be at least 1", errUsage)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return simulateRun(cmd.Context(), io, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.BrokerURL, "broker", "tcp://127.0.0.1:1883", "MQTT broker URL")
	f.StringVar(&opts.Controller, "controller", "", "controller API URL to enroll every phone with (needed by the embedded broker; each phone takes one token)")
	f.IntVar(&opts.Phones, "phones", 20, "number of simulated phones")
	f.Int64Var(&opts.Seed, "seed", 1, "seed of the fleet's mix")
	f.DurationVar(&opts.Interval, "interval", 30*time.Second, "time between each phone's routine checks")
	f.StringVar(&opts.LogLevel, "log-level", "warn", "debug, info, warn or error")
	return cmd
}

func simulateRun(ctx context.Context, io cli.Streams, opts *simulateOptions) error {
	logger, err := newLogger(io.Err, opts.LogLevel)
	if err != nil {
		return err
	}
	var token string
	if opts.Controller != "" {
		// Minting enrollment tokens needs an operator's API token: the one
		// `unbind serve` stores on its machine, `unbind login`'s, or $UNBIND_TOKEN.
		if token, err = cli.LoadToken(opts.Controller); err != nil {
			return err
		}
	}
	fleet := simfleet.Start(ctx, simfleet.Config{
		BrokerURL: opts.BrokerURL, Phones: androidsim.Fleet(opts.Phones, opts.Seed),
		Interval: opts.Interval, ActiveInterval: time.Second, Logger: logger,
		Enroll: simfleet.EnrollVia(opts.Controller, token),
	})
	fmt.Fprintf(io.Out, "%d simulated phones reporting to %s; Ctrl-C stops them\n", opts.Phones, opts.BrokerURL)
	<-ctx.Done()
	fleet.Close()
	for serial, err := range fleet.Errors() {
		fmt.Fprintf(io.Err, "%s: %v\n", serial, err)
	}
	return nil
}

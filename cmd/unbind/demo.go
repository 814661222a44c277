//go:build sim

package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/sim/demo"
	"github.com/unbind/unbind/sim/simfleet"
)

func init() {
	optionalCmds = append(optionalCmds, func(io streams) *cobra.Command { return newDemoCmd(io, nil) })
}

type demoOptions struct {
	serveOptions
	Phones   int
	Seed     int64
	Guide    bool
	Interval time.Duration
	// Fresh empties the demo's registry at start.
	Fresh bool
}

func newDemoCmd(io streams, runF func(context.Context, *demoOptions) error) *cobra.Command {
	opts := &demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the controller with a fleet of simulated phones and a live summary",
		Long: `demo starts the controller on its embedded defaults and a fleet of simulated
phones, each running the real agent over real MQTT on loopback: Xiaomi phones
with a Mi account and Find Device on, Google and Samsung accounts, clean
phones, a phone in lost mode and phones whose state cannot be read.

With --guide (the default) the person at every phone found at risk is guided
once per state of the phone (sign_out, or disable_find_device): the command is
canceled once the phone shows the screen, so no phone stays busy and a release
can guide it at once. Its simulated owner signs out promptly, late, partly or
never, and the summary follows. Nothing is ever reset by the demo.

The demo starts from an empty registry (its own file, demo.db beside the
controller's): --fresh=false keeps the phones, history and audit trail of the
previous run. Ctrl-C stops it and exits 0.`,
		Example: "  unbind demo\n  unbind demo --phones 200 --http-listen 127.0.0.1:9090",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Phones < 1 {
				return fmt.Errorf("%w: --phones must be at least 1", errUsage)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return demoRun(cmd.Context(), io, opts)
		},
	}
	opts.serveOptions.addFlags(cmd)
	f := cmd.Flags()
	f.Lookup("db").DefValue = demoDBPath()
	opts.DBPath = demoDBPath()
	f.Lookup("log-level").DefValue = "error"
	opts.LogLevel = "error"
	f.IntVar(&opts.Phones, "phones", 50, "number of simulated phones")
	f.Int64Var(&opts.Seed, "seed", 1, "seed of the simulated fleet's mix")
	f.BoolVar(&opts.Guide, "guide", true, "guide the person at every phone at risk, once per state of the phone")
	f.DurationVar(&opts.Interval, "interval", 5*time.Second, "time between each phone's routine checks")
	f.BoolVar(&opts.Fresh, "fresh", true, "start from an empty registry (false: keep the previous run's)")
	return cmd
}

func demoDBPath() string {
	return filepath.Join(filepath.Dir(defaultDBPath()), "demo.db")
}

func demoRun(ctx context.Context, io streams, opts *demoOptions) error {
	logger, err := newLogger(io, opts.LogLevel)
	if err != nil {
		return err
	}
	if opts.Registry != "" {
		return fmt.Errorf("%w: the demo keeps its own SQLite registry (--db); --registry is for serve", errUsage)
	}
	if opts.Fresh {
		if err := removeRegistry(opts.DBPath); err != nil {
			return err
		}
	}
	c, err := startController(ctx, &opts.serveOptions, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := ensureLocalToken(ctx, c.Controller, c.APIURL()); err != nil {
		return err
	}

	phoneTLS, err := demoPhoneTLS(opts.TLSCert)
	if err != nil {
		return err
	}
	fleet := simfleet.Start(ctx, simfleet.Config{
		TLS:       phoneTLS,
		BrokerURL: c.BrokerURL(), Phones: androidsim.Fleet(opts.Phones, opts.Seed),
		Interval: opts.Interval, ActiveInterval: time.Second, Logger: logger,
		Enroll: demo.EnrollInProcess(c.Controller),
	})
	defer fleet.Close()

	registryNote := "emptied at start; --fresh=false keeps it"
	if !opts.Fresh {
		registryNote = "kept from the previous run (--fresh=false)"
	}
	fmt.Fprintf(io.Out, "unbind demo: %d simulated phones\n  MQTT broker: %s\n  HTTP API:    %s\n  console:     %s/ (sign in: go run ./cmd/unbind console)\n  registry:    %s (%s)\n",
		opts.Phones, c.BrokerURL(), c.APIURL(), c.APIURL(), opts.DBPath, registryNote)
	fmt.Fprintf(io.Out, "Try, in another terminal:  go run ./cmd/unbind devices --api %s\nCtrl-C stops the demo.\n\n", c.APIURL())

	if err := demo.Watch(ctx, c.Controller, io.Out, opts.Guide); err != nil {
		return err
	}
	fmt.Fprintln(io.Out, "\nstopping: phones go offline, the registry is flushed")
	return nil
}

package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/internal/cli"
	"github.com/unbind/unbind/protocol"
)

type runOptions struct {
	phoneOptions
	BrokerURL string
	CAFile    string
	Username  string
	Password  string
	DeviceID  string
	StateDir  string
	Interval  time.Duration
	LogLevel  string
	// Station and Lot name the bench and its lot (with --adb only).
	Station, Lot string
	brokerSet    bool // --broker given: it wins over the enrolled broker URL
}

func newRunCmd(io cli.Streams, runF func(context.Context, *runOptions) error) *cobra.Command {
	opts := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Report the phone to the controller and carry out its commands",
		Example: `  # on the phone, after: adb reverse tcp:1883 tcp:1883
  /data/local/tmp/unbind-agent run --broker tcp://127.0.0.1:1883
  # on a bench PC, for one USB phone
  unbind-agent run --adb R58M12ABC --broker tcp://127.0.0.1:1883
  # the same phone at bench station bench-3, joining lot L-2026-0042
  unbind-agent run --adb R58M12ABC --station bench-3 --lot L-2026-0042`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.brokerSet = cmd.Flags().Changed("broker")
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRun(cmd.Context(), io, opts)
		},
	}
	opts.phoneOptions.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&opts.BrokerURL, "broker", "tcp://127.0.0.1:1883", "MQTT broker URL (use an IP address: Android has no resolver for Go)")
	f.StringVar(&opts.CAFile, "ca", "", "PEM file of the CA to trust for an ssl:// broker (default: the system roots)")
	f.StringVar(&opts.Username, "username", "", "MQTT user name")
	f.StringVar(&opts.Password, "password", "", "MQTT password")
	f.StringVar(&opts.DeviceID, "device-id", "", "ID on the wire (default: the phone's serial)")
	f.StringVar(&opts.StateDir, "state-dir", "", "where enroll stored the credentials (default: as for enroll)")
	f.DurationVar(&opts.Interval, "interval", time.Minute, "time between routine checks")
	f.StringVar(&opts.LogLevel, "log-level", "info", "debug, info, warn or error")
	f.StringVar(&opts.Station, "station", "", "with --adb: the bench station's name in the console (default: the host name)")
	f.StringVar(&opts.Lot, "lot", "", "with --adb: the open lot that phones in no lot join at this station (the console's choice wins)")
	return cmd
}

func runRun(ctx context.Context, io cli.Streams, opts *runOptions) error {
	logger, err := newLogger(io.Err, opts.LogLevel)
	if err != nil {
		return err
	}
	phone, err := opts.phone(logger)
	if err != nil {
		return err
	}
	station, err := opts.station()
	if err != nil {
		return err
	}
	cfg := agent.Config{
		BrokerURL: opts.BrokerURL, Username: opts.Username, Password: opts.Password,
		DeviceID: opts.DeviceID, Interval: opts.Interval, ShowAccountNames: opts.ShowAccountNames,
		Station: station, Lot: opts.Lot, Version: version, Logger: logger,
	}
	if cfg.TLS, err = clientTLS(opts.CAFile); err != nil {
		return err
	}
	if err := applyEnrollment(&cfg, opts, logger); err != nil {
		return err
	}
	return agent.New(phone, cfg).Run(ctx)
}

// station is the bench station's name: --station, else the host name, for
// an agent that reaches its phone over adb; none on the phone.
func (o *runOptions) station() (string, error) {
	if o.ADBSerial == "" && (o.Station != "" || o.Lot != "") {
		return "", fmt.Errorf("%w: --station and --lot name a bench PC: use them with --adb", errUsage)
	}
	if o.ADBSerial == "" {
		return "", nil
	}
	name, err := o.Station, error(nil)
	if name == "" {
		name, err = os.Hostname()
	}
	if err == nil {
		err = (protocol.Station{Name: name, Lot: o.Lot}).Validate()
	}
	if err != nil {
		return "", fmt.Errorf("%w: --station %q, --lot %q: %w", errUsage, name, o.Lot, err)
	}
	return name, nil
}

// applyEnrollment layers what enroll stored under the flags given: flags win.
func applyEnrollment(cfg *agent.Config, opts *runOptions, logger *slog.Logger) error {
	dir, err := stateDir(opts.StateDir, opts.ADBSerial)
	if err != nil {
		return err
	}
	cfg.StateDir = dir
	e, err := agent.LoadEnrollment(dir)
	if errors.Is(err, agent.ErrNotEnrolled) {
		logger.Warn("agent not enrolled: every command will be rejected; run unbind-agent enroll", "state_dir", dir)
		return nil
	}
	if err != nil {
		return err
	}
	cfg.ControllerKey = e.ControllerKey
	if cfg.Username == "" && cfg.Password == "" {
		cfg.Username, cfg.Password = e.Username, e.Password
	}
	if cfg.DeviceID == "" {
		cfg.DeviceID = e.DeviceID
	}
	if !opts.brokerSet && e.BrokerURL != "" {
		cfg.BrokerURL = e.BrokerURL
	}
	return nil
}

// clientTLS trusts the CA in caFile, or the system roots when it is empty.
func clientTLS(caFile string) (*tls.Config, error) {
	return cli.TrustTLS("--ca", caFile)
}

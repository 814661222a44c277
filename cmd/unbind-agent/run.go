package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/agent"
)

type runOptions struct {
	phoneOptions
	BrokerURL string
	Username  string
	Password  string
	DeviceID  string
	Interval  time.Duration
	LogLevel  string
}

func newRunCmd(io streams, runF func(context.Context, *runOptions) error) *cobra.Command {
	opts := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Report the phone to the controller and carry out its commands",
		Example: `  # on the phone, after: adb reverse tcp:1883 tcp:1883
  /data/local/tmp/unbind-agent run --broker tcp://127.0.0.1:1883
  # on a bench PC, for one USB phone
  unbind-agent run --adb R58M12ABC --broker tcp://127.0.0.1:1883`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRun(cmd.Context(), io, opts)
		},
	}
	opts.phoneOptions.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&opts.BrokerURL, "broker", "tcp://127.0.0.1:1883", "MQTT broker URL (use an IP address: Android has no resolver for Go)")
	f.StringVar(&opts.Username, "username", "", "MQTT user name")
	f.StringVar(&opts.Password, "password", "", "MQTT password")
	f.StringVar(&opts.DeviceID, "device-id", "", "ID on the wire (default: the phone's serial)")
	f.DurationVar(&opts.Interval, "interval", time.Minute, "time between routine checks")
	f.StringVar(&opts.LogLevel, "log-level", "info", "debug, info, warn or error")
	return cmd
}

func runRun(ctx context.Context, io streams, opts *runOptions) error {
	logger, err := newLogger(io.err, opts.LogLevel)
	if err != nil {
		return err
	}
	phone, err := opts.phone(logger)
	if err != nil {
		return err
	}
	a := agent.New(phone, agent.Config{
		BrokerURL: opts.BrokerURL, Username: opts.Username, Password: opts.Password,
		DeviceID: opts.DeviceID, Interval: opts.Interval, ShowAccountNames: opts.ShowAccountNames,
		Version: version, Logger: logger,
	})
	return a.Run(ctx)
}

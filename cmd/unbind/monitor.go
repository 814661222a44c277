package main

import (
	"context"
	"fmt"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/broker"
)

type monitorOptions struct {
	API    string
	Output string
	Name   string
}

func newMonitorCmd(io streams, runF func(context.Context, *monitorOptions) error) *cobra.Command {
	opts := &monitorOptions{}
	cmd := &cobra.Command{
		Use:   "monitor NAME",
		Short: "Create a read-only MQTT login for an observer (dashboard, mosquitto_sub)",
		Long: `monitor creates (or replaces) a read-only login for the embedded broker: it may
follow every phone's state, presence and command events, and publish nothing.
The password is shown once. Creating a login that exists replaces its
password and ends the sessions of the old one. (A monitor cannot be named
"revoke": that is the subcommand below.)`,
		Example: "  unbind monitor bench-screen",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			opts.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return monitorRun(cmd.Context(), io, opts)
		},
	}
	addAPIFlag(cmd, &opts.API)
	addOutputFlag(cmd, &opts.Output)
	cmd.AddCommand(newRevokeCmd(io, "monitor", nil))
	return cmd
}

func monitorRun(ctx context.Context, io streams, opts *monitorOptions) error {
	m, err := newAPIClient(opts.API).NewMonitor(ctx, api.MonitorRequest{Name: opts.Name})
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSONTo(io.Out, m)
	}
	host, port := "127.0.0.1", "1883"
	if u, err := url.Parse(m.BrokerURL); err == nil && u.Hostname() != "" {
		host, port = u.Hostname(), u.Port()
	}
	_, err = fmt.Fprintf(io.Out, "username: %s\npassword: %s\n\nfor example:\n  mosquitto_sub -h %s -p %s -i '%s' -u '%s' -P '%s' -t 'unbind/v1/devices/+/state' -v\n",
		m.Username, m.Password, host, port, broker.MonitorClientID(m.Name), m.Username, m.Password)
	return err
}

package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/internal/cli"
)

type enrollOptions struct {
	phoneOptions
	Token      string
	Controller string
	DeviceID   string
	StateDir   string
}

func newEnrollCmd(io cli.Streams, runF func(context.Context, *enrollOptions) error) *cobra.Command {
	opts := &enrollOptions{}
	cmd := &cobra.Command{
		Use:   "enroll",
		Short: "Trade a one-time token for this phone's credentials and the controller's key",
		Long: `enroll trades a token printed by "unbind enroll" for the phone's own MQTT
credentials and the controller's public key, and stores them owner-only in the
state directory, where "unbind-agent run" finds them. From then on the agent
runs only commands signed by that controller.`,
		Example: `  unbind-agent enroll --token TOKEN --controller http://192.168.1.10:8080
  unbind-agent enroll --token TOKEN --controller http://127.0.0.1:8080 --adb R58M12ABC`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Token == "" || opts.Controller == "" {
				return fmt.Errorf("%w: --token and --controller are required", errUsage)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return enrollRun(cmd.Context(), io, opts)
		},
	}
	opts.phoneOptions.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&opts.Token, "token", "", "one-time token from unbind enroll")
	f.StringVar(&opts.Controller, "controller", "", "controller API base URL, e.g. http://192.168.1.10:8080")
	f.StringVar(&opts.DeviceID, "device-id", "", "ID on the wire (default: the --adb serial, or the phone's serial)")
	f.StringVar(&opts.StateDir, "state-dir", "", "where to keep credentials (default: /data/local/tmp/unbind on a phone, else the user config directory)")
	return cmd
}

func enrollRun(ctx context.Context, io cli.Streams, opts *enrollOptions) error {
	dir, err := stateDir(opts.StateDir, opts.ADBSerial)
	if err != nil {
		return err
	}
	id := opts.DeviceID
	if id == "" {
		id = opts.ADBSerial
	}
	if id == "" {
		if id, err = readSerial(ctx, io, &opts.phoneOptions); err != nil {
			return err
		}
	}
	client := &http.Client{Timeout: 30 * time.Second}
	e, err := agent.Enroll(ctx, client, opts.Controller, opts.Token, id)
	if err != nil {
		return err
	}
	if err := agent.SaveEnrollment(dir, e); err != nil {
		return err
	}
	_, err = fmt.Fprintf(io.Out, "enrolled %s with %s; credentials in %s\nbroker: %s\n", e.DeviceID, opts.Controller, dir, e.BrokerURL)
	return err
}

// readSerial reads the phone once to learn its serial.
func readSerial(ctx context.Context, io cli.Streams, o *phoneOptions) (string, error) {
	logger, err := newLogger(io.Err, "error")
	if err != nil {
		return "", err
	}
	phone, err := o.phone(logger)
	if err != nil {
		return "", err
	}
	r, err := agent.New(phone, agent.Config{Logger: logger}).Check(ctx)
	if err != nil {
		return "", err
	}
	if r.Device.Serial == "" {
		return "", fmt.Errorf("%w: the phone's serial is unreadable; pass --device-id", errUsage)
	}
	return r.Device.Serial, nil
}

// stateDir is flag, else the default for this host and phone.
func stateDir(flag, adbSerial string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	return agent.DefaultStateDir(adbSerial)
}

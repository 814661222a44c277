package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/internal/cli"
)

type installOptions struct {
	ADBSerial string
	ADBPath   string
	BrokerURL string
	Dist      string
	Timeout   time.Duration
	Parallel  int
	// Token and Controller enroll the phone's agent before it starts.
	Token      string
	Controller string
	// RunArgs are passed on to `unbind-agent run` on the phone.
	RunArgs []string
}

func newInstallCmd(io cli.Streams, runF func(context.Context, *installOptions) error) *cobra.Command {
	opts := &installOptions{}
	cmd := &cobra.Command{
		Use:   "install --adb SERIAL|all --broker URL [-- RUN-FLAGS...]",
		Short: "Push the agent to USB phones and start it there, reporting to a broker",
		Long: `install puts the agent on each phone and starts it in the background, so
that it keeps reporting after adb disconnects (not after a reboot):

  1. reads ro.product.cpu.abi and picks the build from --dist
     (arm64-v8a: unbind-agent-android-arm64; armeabi-v7a: unbind-agent-linux-armv7)
  2. stops an agent an earlier install started, pushes the build to
     ` + android.PhoneAgentPath + `, makes it executable and checks that it runs
  3. for a broker on 127.0.0.1 or localhost: adb reverse tcp:PORT tcp:PORT,
     so the phone reaches the bench's broker over USB without Wi-Fi or DNS
  4. with --token and --controller (one phone): enrolls the agent there,
     reversing the controller's port too when it is on loopback
  5. starts "unbind-agent run --broker URL" with setsid and nohup (toybox,
     Android 7 and later; nohup alone where setsid is missing), logging to
     ` + android.PhoneAgentLog + `

Phones cannot resolve host names (a cgo-free binary has no resolver on
Android), so --broker must be an IP address or localhost. Flags after --
are passed to "unbind-agent run" on the phone.`,
		Example: `  make android
  unbind-agent install --adb all --broker tcp://127.0.0.1:1883
  unbind-agent install --adb R58M12ABCDE --token TOKEN --controller http://127.0.0.1:8080
  unbind-agent install --adb R58M12ABCDE --broker tcp://192.168.1.20:1883 -- --interval 30s`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.ADBSerial == "" {
				return fmt.Errorf("%w: --adb SERIAL or --adb all is required", errUsage)
			}
			if cmd.ArgsLenAtDash() != 0 && len(args) > 0 {
				return fmt.Errorf("%w: unexpected argument %q (flags for run go after --)", errUsage, args[0])
			}
			if (opts.Token == "") != (opts.Controller == "") {
				return fmt.Errorf("%w: --token and --controller go together", errUsage)
			}
			if opts.Token != "" && opts.ADBSerial == adbAll {
				return fmt.Errorf("%w: a --token enrolls one phone: use --adb SERIAL", errUsage)
			}
			if opts.Timeout <= 0 || opts.Parallel < 1 {
				return fmt.Errorf("%w: --timeout must be positive and --parallel at least 1", errUsage)
			}
			if len(args) > 0 {
				opts.RunArgs = args
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return installRun(cmd.Context(), io, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.ADBSerial, "adb", "", `serial of the phone to install on, or "all" for every attached phone`)
	f.StringVar(&opts.ADBPath, "adb-path", "adb", "adb binary to use")
	f.StringVar(&opts.BrokerURL, "broker", "tcp://127.0.0.1:1883", "MQTT broker URL as the phone sees it (an IP address or localhost)")
	f.StringVar(&opts.Dist, "dist", "dist", "directory holding the agent builds of make android")
	f.DurationVar(&opts.Timeout, "timeout", 2*time.Minute, "time limit of each adb command")
	f.IntVar(&opts.Parallel, "parallel", 4, "phones installed at once with --adb all")
	f.StringVar(&opts.Token, "token", "", "enroll the phone's agent with this one-time token (from unbind enroll) before starting it")
	f.StringVar(&opts.Controller, "controller", "", "controller API URL for --token, as the phone sees it (an IP address or localhost)")
	return cmd
}

// phoneBroker is android.PhoneBrokerURL for --broker, a usage error when
// the phone cannot use it.
func phoneBroker(raw string) (brokerURL, reversePort string, err error) {
	u, port, err := android.PhoneBrokerURL("--broker", raw)
	return u, port, usageIf(err, android.ErrPhoneURL)
}

// phoneController is phoneBroker for --controller.
func phoneController(raw string) (controllerURL, reversePort string, err error) {
	u, port, err := android.PhoneControllerURL("--controller", raw)
	return u, port, usageIf(err, android.ErrPhoneURL)
}

// usageIf marks err as a usage error when it is target.
func usageIf(err, target error) error {
	if errors.Is(err, target) {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	return err
}

func installRun(ctx context.Context, io cli.Streams, opts *installOptions) error {
	if err := checkADB(opts.ADBPath, nil); err != nil {
		return err
	}
	cfg := android.InstallConfig{ADBPath: opts.ADBPath, Dist: opts.Dist, Timeout: opts.Timeout, Token: opts.Token, RunArgs: opts.RunArgs}
	var err error
	if cfg.Broker, cfg.BrokerPort, err = phoneBroker(opts.BrokerURL); err != nil {
		return err
	}
	if opts.Token != "" {
		if cfg.Controller, cfg.ControllerPort, err = phoneController(opts.Controller); err != nil {
			return err
		}
	}
	results, err := android.InstallAll(ctx, cfg, []string{opts.ADBSerial}, opts.ADBSerial == adbAll, opts.Parallel)
	if err != nil {
		return err
	}
	failed := 0
	for _, r := range results {
		if r.Err != nil {
			failed++
			fmt.Fprintf(io.Out, "%s: FAILED: %v\n", r.Serial, r.Err)
			continue
		}
		fmt.Fprintf(io.Out, "%s: %s (%s, %s) started, reporting to %s%s; log %s\n",
			r.Serial, r.Build, r.ABI, r.Version, cfg.Broker, r.Reverse, android.PhoneAgentLog)
	}
	if len(results) > 1 {
		fmt.Fprintf(io.Out, "%d phones: %d started, %d failed\n", len(results), len(results)-failed, failed)
	}
	if failed > 0 {
		return cli.ExitError{Code: exitError}
	}
	return nil
}

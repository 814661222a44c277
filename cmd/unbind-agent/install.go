package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/unbind/unbind/android"
)

// Where the agent lives on a phone: the one directory the shell user may
// write and execute from.
const (
	phoneAgentPath = "/data/local/tmp/unbind-agent"
	phoneAgentLog  = "/data/local/tmp/unbind-agent.log"
)

// agentBuilds maps ro.product.cpu.abi to the `make android` build that runs
// there. 32-bit phones get the static linux/arm build: GOOS=android GOARCH=arm
// needs cgo and the NDK.
var agentBuilds = map[string]string{
	"arm64-v8a":   "unbind-agent-android-arm64",
	"armeabi-v7a": "unbind-agent-linux-armv7",
	"armeabi":     "unbind-agent-linux-armv7",
}

// errNoBuild: the phone's CPU has no agent build; the agent can still read
// it from the bench with `run --adb`.
var errNoBuild = errors.New("no agent build for this ABI")

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

func newInstallCmd(io streams, runF func(context.Context, *installOptions) error) *cobra.Command {
	opts := &installOptions{}
	cmd := &cobra.Command{
		Use:   "install --adb SERIAL|all --broker URL [-- RUN-FLAGS...]",
		Short: "Push the agent to USB phones and start it there, reporting to a broker",
		Long: `install puts the agent on each phone and starts it in the background, so
that it keeps reporting after adb disconnects (not after a reboot):

  1. reads ro.product.cpu.abi and picks the build from --dist
     (arm64-v8a: unbind-agent-android-arm64; armeabi-v7a: unbind-agent-linux-armv7)
  2. stops an agent an earlier install started, pushes the build to
     ` + phoneAgentPath + `, makes it executable and checks that it runs
  3. for a broker on 127.0.0.1 or localhost: adb reverse tcp:PORT tcp:PORT,
     so the phone reaches the bench's broker over USB without Wi-Fi or DNS
  4. with --token and --controller (one phone): enrolls the agent there,
     reversing the controller's port too when it is on loopback
  5. starts "unbind-agent run --broker URL" with setsid and nohup (toybox,
     Android 7 and later; nohup alone where setsid is missing), logging to
     ` + phoneAgentLog + `

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

// phoneBroker checks a broker URL for use on a phone. It returns the URL to
// give the agent there and, for a broker on this host's loopback, the port
// adb must reverse ("" otherwise).
func phoneBroker(raw string) (brokerURL, reversePort string, err error) {
	return phoneURL("--broker", raw, map[string]string{
		"tcp": "1883", "mqtt": "1883", "ssl": "8883", "tls": "8883", "mqtts": "8883", "ws": "80", "wss": "443",
	})
}

// phoneController is phoneBroker for the controller's API URL.
func phoneController(raw string) (controllerURL, reversePort string, err error) {
	return phoneURL("--controller", raw, map[string]string{"http": "80", "https": "443"})
}

// phoneURL makes raw usable on a phone: an IP address (phones resolve no
// names), localhost as 127.0.0.1, and an explicit port from the scheme's
// default.
func phoneURL(flag, raw string, defaultPorts map[string]string) (phoneURL, reversePort string, err error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", "", fmt.Errorf("%w: %s %q: want scheme://host:port", errUsage, flag, raw)
	}
	port, known := defaultPorts[u.Scheme]
	if !known {
		return "", "", fmt.Errorf("%w: %s %q: unknown scheme %q", errUsage, flag, raw, u.Scheme)
	}
	if u.Port() != "" {
		port = u.Port()
	}
	host := u.Hostname()
	if host == "localhost" {
		host = "127.0.0.1" // the phone's own loopback, which adb reverse forwards
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return "", "", fmt.Errorf("%w: %s host %q: a phone cannot resolve names; use an IP address, or 127.0.0.1 with adb reverse", errUsage, flag, host)
	}
	u.Host = net.JoinHostPort(host, port)
	if ip.IsLoopback() {
		return u.String(), port, nil
	}
	return u.String(), "", nil
}

func installRun(ctx context.Context, io streams, opts *installOptions) error {
	broker, reversePort, err := phoneBroker(opts.BrokerURL)
	if err != nil {
		return err
	}
	in := &installer{opts: opts, broker: broker, brokerPort: reversePort}
	if opts.Token != "" {
		if in.controller, in.controllerPort, err = phoneController(opts.Controller); err != nil {
			return err
		}
	}

	serials := []string{opts.ADBSerial}
	results := []installResult{}
	if opts.ADBSerial == adbAll {
		devs, err := android.ListADBDevices(ctx, opts.ADBPath)
		if err != nil {
			return err
		}
		if len(devs) == 0 {
			return errors.New("no phone attached: adb devices lists none")
		}
		serials = nil
		for _, d := range devs {
			if d.Ready() {
				serials = append(serials, d.Serial)
			} else {
				results = append(results, installResult{Serial: d.Serial, Err: fmt.Errorf("adb lists it as %s", d.State)})
			}
		}
	}

	done := make([]installResult, len(serials))
	var g errgroup.Group
	g.SetLimit(opts.Parallel)
	for i, serial := range serials {
		g.Go(func() error {
			done[i] = in.install(ctx, serial)
			return nil
		})
	}
	_ = g.Wait() // each phone keeps its own error
	if err := ctx.Err(); err != nil {
		return err
	}
	results = append(results, done...)
	slices.SortStableFunc(results, func(a, b installResult) int { return cmp.Compare(a.Serial, b.Serial) })

	failed := 0
	for _, r := range results {
		if r.Err != nil {
			failed++
			fmt.Fprintf(io.out, "%s: FAILED: %v\n", r.Serial, r.Err)
			continue
		}
		fmt.Fprintf(io.out, "%s: %s (%s, %s) started, reporting to %s%s; log %s\n",
			r.Serial, r.Build, r.ABI, r.Version, broker, r.Reverse, phoneAgentLog)
	}
	if len(results) > 1 {
		fmt.Fprintf(io.out, "%d phones: %d started, %d failed\n", len(results), len(results)-failed, failed)
	}
	if failed > 0 {
		return exitCodeError{exitError}
	}
	return nil
}

// installer installs on one phone at a time; it is shared by the goroutines
// of --adb all and holds nothing mutable.
type installer struct {
	opts       *installOptions
	broker     string
	controller string
	// brokerPort and controllerPort are the ports of this host the phone
	// reaches through adb reverse, when the broker or the controller is on
	// loopback; "" otherwise.
	brokerPort, controllerPort string
}

type installResult struct {
	Serial  string
	ABI     string
	Build   string
	Version string
	Reverse string
	Err     error
}

func (in *installer) install(ctx context.Context, serial string) installResult {
	r := installResult{Serial: serial}
	res, err := in.adb(ctx, serial, "shell", "getprop ro.product.cpu.abi")
	if err = failed(res, err); err != nil {
		r.Err = fmt.Errorf("read the phone's ABI: %w", err)
		return r
	}
	if r.ABI, err = android.ParseGetpropValue(res.Stdout); err != nil || r.ABI == "" {
		r.Err = errors.New("read the phone's ABI: ro.product.cpu.abi is empty")
		return r
	}
	if r.Build = agentBuilds[r.ABI]; r.Build == "" {
		r.Err = fmt.Errorf("ABI %s: %w (only arm64-v8a and armeabi-v7a); run the agent on the bench instead: unbind-agent run --adb %s", r.ABI, errNoBuild, serial)
		return r
	}
	local := filepath.Join(in.opts.Dist, r.Build)
	if _, err := os.Stat(local); err != nil {
		r.Err = fmt.Errorf("%s is missing (run make android): %w", local, err)
		return r
	}

	// An agent an earlier install started would share this phone's MQTT
	// identity with the new one; pkill exits 1 when there was none.
	if _, err := in.adb(ctx, serial, "shell", "pkill -x unbind-agent"); err != nil {
		r.Err = fmt.Errorf("stop the running agent: %w", err)
		return r
	}
	steps := []struct {
		what string
		args []string
	}{
		{"push " + r.Build, []string{"push", local, phoneAgentPath}},
		{"make it executable", []string{"shell", "chmod 755 " + phoneAgentPath}},
	}
	for _, s := range steps {
		if err := failed(in.adb(ctx, serial, s.args...)); err != nil {
			r.Err = fmt.Errorf("%s: %w", s.what, err)
			return r
		}
	}
	res, err = in.adb(ctx, serial, "shell", phoneAgentPath+" version")
	if err = failed(res, err); err != nil {
		r.Err = fmt.Errorf("the pushed agent does not run on this phone: %w", err)
		return r
	}
	r.Version = strings.TrimSpace(string(res.Stdout))
	for _, port := range []string{in.brokerPort, in.controllerPort} {
		if port == "" || port == in.brokerPort && r.Reverse != "" {
			continue
		}
		spec := "tcp:" + port
		if err := failed(in.adb(ctx, serial, "reverse", spec, spec)); err != nil {
			r.Err = fmt.Errorf("adb reverse %s: %w", spec, err)
			return r
		}
		if port == in.brokerPort {
			r.Reverse = " through adb reverse " + spec
		}
	}
	if in.controller != "" {
		enroll := phoneAgentPath + " enroll --token " + shQuote(in.opts.Token) + " --controller " + shQuote(in.controller)
		if err := failed(in.adb(ctx, serial, "shell", enroll)); err != nil {
			r.Err = fmt.Errorf("enroll: %w", err)
			return r
		}
	}
	if err := failed(in.adb(ctx, serial, "shell", startLine(in.broker, in.opts.RunArgs))); err != nil {
		r.Err = fmt.Errorf("start the agent: %w", err)
		return r
	}
	return r
}

// startLine is the phone-shell command that starts the agent so that it
// outlives the adb session: setsid takes it out of adbd's session and
// process group, nohup ignores the hangup, and every stream is redirected so
// that adb does not wait for it. The phone's shell is mksh; setsid and nohup
// are toybox (Android 7 and later), so nohup alone is the fallback.
func startLine(broker string, runArgs []string) string {
	words := []string{"./unbind-agent", "run", "--broker", broker}
	words = append(words, runArgs...)
	for i, w := range words {
		words[i] = shQuote(w)
	}
	run := strings.Join(words, " ") + " </dev/null >" + filepath.Base(phoneAgentLog) + " 2>&1 &"
	return "cd " + filepath.Dir(phoneAgentPath) + " && if command -v setsid >/dev/null 2>&1; then setsid nohup " +
		run + " else nohup " + run + " fi"
}

// shQuote quotes w for the phone's shell unless it is plainly safe.
func shQuote(w string) string {
	if w != "" && strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+:,./_-=") == "" {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// adb runs one adb command for serial under the install timeout. A command
// that ran is a Result whatever its exit code; an error means adb could not
// be run or did not finish.
func (in *installer) adb(ctx context.Context, serial string, args ...string) (android.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, in.opts.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, in.opts.ADBPath, append([]string{"-s", serial}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A child that keeps adb's pipes open must not hold the install up.
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	res := android.Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	if ctx.Err() != nil {
		return res, fmt.Errorf("adb %s: %w", args[0], ctx.Err())
	}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		res.ExitCode = exitErr.ExitCode()
	case err != nil:
		return res, fmt.Errorf("adb %s: %w", args[0], err)
	}
	return res, nil
}

// failed turns a command that ran but failed into an error carrying the
// first line it printed (adb's or the phone shell's message).
func failed(res android.Result, err error) error {
	if err != nil || res.ExitCode == 0 {
		return err
	}
	msg := bytes.TrimSpace(res.Stderr)
	if len(msg) == 0 {
		msg = bytes.TrimSpace(res.Stdout)
	}
	if i := bytes.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return fmt.Errorf("exit %d: %s", res.ExitCode, msg)
}

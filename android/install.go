package android

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// Where the agent lives on a phone: the one directory the shell user may
// write and execute from.
const (
	PhoneAgentPath = "/data/local/tmp/unbind-agent"
	PhoneAgentLog  = "/data/local/tmp/unbind-agent.log"
)

// AgentBuilds maps ro.product.cpu.abi to the `make android` build that runs
// there. 32-bit phones get the static linux/arm build: GOOS=android GOARCH=arm
// needs cgo and the NDK.
var AgentBuilds = map[string]string{
	"arm64-v8a":   "unbind-agent-android-arm64",
	"armeabi-v7a": "unbind-agent-linux-armv7",
	"armeabi":     "unbind-agent-linux-armv7",
}

var (
	// ErrNoBuild: the phone's CPU has no agent build; the agent can still
	// read it from the bench with `run --adb`.
	ErrNoBuild = errors.New("no agent build for this ABI")
	// ErrPhoneURL: a URL a phone cannot use (no IP address, unknown scheme).
	ErrPhoneURL = errors.New("URL unusable on a phone")
)

// PhoneBrokerURL checks a broker URL for use on a phone. It returns the URL
// to give the agent there and, for a broker on this host's loopback, the
// port adb must reverse ("" otherwise). flag names the input in errors.
func PhoneBrokerURL(flag, raw string) (brokerURL, reversePort string, err error) {
	return phoneURL(flag, raw, map[string]string{
		"tcp": "1883", "mqtt": "1883", "ssl": "8883", "tls": "8883", "mqtts": "8883", "ws": "80", "wss": "443",
	})
}

// PhoneControllerURL is PhoneBrokerURL for the controller's API URL.
func PhoneControllerURL(flag, raw string) (controllerURL, reversePort string, err error) {
	return phoneURL(flag, raw, map[string]string{"http": "80", "https": "443"})
}

// phoneURL makes raw usable on a phone: an IP address (phones resolve no
// names), localhost as 127.0.0.1, and an explicit port from the scheme's
// default.
func phoneURL(flag, raw string, defaultPorts map[string]string) (phoneURL, reversePort string, err error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", "", fmt.Errorf("%w: %s %q: want scheme://host:port", ErrPhoneURL, flag, raw)
	}
	port, known := defaultPorts[u.Scheme]
	if !known {
		return "", "", fmt.Errorf("%w: %s %q: unknown scheme %q", ErrPhoneURL, flag, raw, u.Scheme)
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
		return "", "", fmt.Errorf("%w: %s host %q: a phone cannot resolve names; use an IP address, or 127.0.0.1 with adb reverse", ErrPhoneURL, flag, host)
	}
	u.Host = net.JoinHostPort(host, port)
	if ip.IsLoopback() {
		return u.String(), port, nil
	}
	return u.String(), "", nil
}

// InstallConfig says what Install puts on each phone.
type InstallConfig struct {
	ADBPath string
	// Dist holds the builds of AgentBuilds.
	Dist    string
	Timeout time.Duration
	// Broker and Controller are URLs as the phone sees them (PhoneBrokerURL);
	// BrokerPort and ControllerPort are this host's ports the phone reaches
	// through adb reverse, "" for none. Controller and Token, when set,
	// enroll the agent before it starts.
	Broker, BrokerPort         string
	Controller, ControllerPort string
	Token                      string
	// RunArgs are passed on to `unbind-agent run` on the phone.
	RunArgs []string
}

// InstallResult is what Install did on one phone.
type InstallResult struct {
	Serial  string
	ABI     string
	Build   string
	Version string
	// Reverse describes the broker's adb reverse, "" without one.
	Reverse string
	Err     error
}

// InstallAll installs on each serial, parallel phones at a time, and
// returns one result per phone sorted by serial. With all it installs on
// every phone adb lists; the ones not ready get a result with an error.
func InstallAll(ctx context.Context, cfg InstallConfig, serials []string, all bool, parallel int) ([]InstallResult, error) {
	results := []InstallResult{}
	if all {
		devs, err := ListADBDevices(ctx, cfg.ADBPath)
		if err != nil {
			return nil, err
		}
		if len(devs) == 0 {
			return nil, errors.New("no phone attached: adb devices lists none")
		}
		serials = nil
		for _, d := range devs {
			if d.Ready() {
				serials = append(serials, d.Serial)
			} else {
				results = append(results, InstallResult{Serial: d.Serial, Err: fmt.Errorf("adb lists it as %s", d.State)})
			}
		}
	}
	done := make([]InstallResult, len(serials))
	var g errgroup.Group
	g.SetLimit(parallel)
	for i, serial := range serials {
		g.Go(func() error {
			done[i] = Install(ctx, cfg, serial)
			return nil
		})
	}
	_ = g.Wait() // each phone keeps its own error
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	results = append(results, done...)
	slices.SortStableFunc(results, func(a, b InstallResult) int { return cmp.Compare(a.Serial, b.Serial) })
	return results, nil
}

// Install puts the agent on one phone and starts it there: read the ABI,
// stop an agent an earlier install started, push, chmod, check it runs, adb
// reverse, enroll, start.
func Install(ctx context.Context, cfg InstallConfig, serial string) InstallResult {
	r := InstallResult{Serial: serial}
	adb := func(args ...string) (Result, error) {
		return runProcess(ctx, cfg.Timeout, append([]string{cfg.ADBPath, "-s", serial}, args...))
	}
	res, err := adb("shell", "getprop ro.product.cpu.abi")
	if err = installStepFailed(res, err); err != nil {
		r.Err = fmt.Errorf("read the phone's ABI: %w", err)
		return r
	}
	if r.ABI, err = ParseGetpropValue(res.Stdout); err != nil || r.ABI == "" {
		r.Err = errors.New("read the phone's ABI: ro.product.cpu.abi is empty")
		return r
	}
	if r.Build = AgentBuilds[r.ABI]; r.Build == "" {
		r.Err = fmt.Errorf("ABI %s: %w (only arm64-v8a and armeabi-v7a); run the agent on the bench instead: unbind-agent run --adb %s", r.ABI, ErrNoBuild, serial)
		return r
	}
	local := filepath.Join(cfg.Dist, r.Build)
	if _, err := os.Stat(local); err != nil {
		r.Err = fmt.Errorf("%s is missing (run make android): %w", local, err)
		return r
	}
	// An agent an earlier install started would share this phone's MQTT
	// identity with the new one; pkill exits 1 when there was none.
	if _, err := adb("shell", "pkill -x unbind-agent"); err != nil {
		r.Err = fmt.Errorf("stop the running agent: %w", err)
		return r
	}
	steps := []struct {
		what string
		args []string
	}{
		{"push " + r.Build, []string{"push", local, PhoneAgentPath}},
		{"make it executable", []string{"shell", "chmod 755 " + PhoneAgentPath}},
	}
	for _, s := range steps {
		if err := installStepFailed(adb(s.args...)); err != nil {
			r.Err = fmt.Errorf("%s: %w", s.what, err)
			return r
		}
	}
	res, err = adb("shell", PhoneAgentPath+" version")
	if err = installStepFailed(res, err); err != nil {
		r.Err = fmt.Errorf("the pushed agent does not run on this phone: %w", err)
		return r
	}
	r.Version = strings.TrimSpace(string(res.Stdout))
	for _, port := range []string{cfg.BrokerPort, cfg.ControllerPort} {
		if port == "" || port == cfg.BrokerPort && r.Reverse != "" {
			continue
		}
		spec := "tcp:" + port
		if err := installStepFailed(adb("reverse", spec, spec)); err != nil {
			r.Err = fmt.Errorf("adb reverse %s: %w", spec, err)
			return r
		}
		if port == cfg.BrokerPort {
			r.Reverse = " through adb reverse " + spec
		}
	}
	if cfg.Controller != "" {
		enroll := PhoneAgentPath + " enroll --token " + shellQuote(cfg.Token) + " --controller " + shellQuote(cfg.Controller)
		if err := installStepFailed(adb("shell", enroll)); err != nil {
			r.Err = fmt.Errorf("enroll: %w", err)
			return r
		}
	}
	if err := installStepFailed(adb("shell", StartLine(cfg.Broker, cfg.RunArgs))); err != nil {
		r.Err = fmt.Errorf("start the agent: %w", err)
		return r
	}
	return r
}

// StartLine is the phone-shell command that starts the agent so that it
// outlives the adb session: setsid takes it out of adbd's session and
// process group, nohup ignores the hangup, and every stream is redirected so
// that adb does not wait for it. The phone's shell is mksh; setsid and nohup
// are toybox (Android 7 and later), so nohup alone is the fallback.
func StartLine(broker string, runArgs []string) string {
	words := append([]string{"./unbind-agent", "run", "--broker", broker}, runArgs...)
	run := shellJoin(words) + " </dev/null >" + filepath.Base(PhoneAgentLog) + " 2>&1 &"
	return "cd " + filepath.Dir(PhoneAgentPath) + " && if command -v setsid >/dev/null 2>&1; then setsid nohup " +
		run + " else nohup " + run + " fi"
}

// installStepFailed turns a command that ran but failed into an error carrying
// the first line it printed (adb's or the phone shell's message).
func installStepFailed(res Result, err error) error {
	if err != nil || res.ExitCode == 0 {
		return err
	}
	msg := firstLine(res.Stderr)
	if msg == "" {
		msg = firstLine(res.Stdout)
	}
	return fmt.Errorf("exit %d: %s", res.ExitCode, msg)
}

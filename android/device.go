package android

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/unbind/unbind/agent"
)

// DefaultCommandTimeout bounds one command when DeviceConfig leaves it zero.
// The slowest honest answer, the full account dump, takes about a second;
// the Find Device provider is known to block forever.
const DefaultCommandTimeout = 10 * time.Second

// Attribute keys of the Device's log lines.
const (
	logKeyCheck  = "check"
	logKeyReason = "reason"
	logKeyUser   = "user"
	logKeyStep   = "step"
	logKeyMethod = "method"
)

// DeviceConfig tunes a Device. The zero value is usable.
type DeviceConfig struct {
	// CommandTimeout bounds every command; a command that hangs becomes a
	// "timed out" problem instead of stalling the agent.
	CommandTimeout time.Duration
	// Logger receives what failed and why, never what a phone printed.
	// Nil discards.
	Logger *slog.Logger
	// Now stamps observations; nil means time.Now.
	Now func() time.Time
	// AccountNames reads the full account dump first, for names to show
	// (masked) in reports. Off, the name-free `dumpsys account --checkin` is
	// preferred, the full dump is read only for users the checkin form could
	// not answer, and names found there are dropped.
	AccountNames bool
}

// Device is an Android phone seen through a Transport. It implements
// agent.Phone. It keeps no state between calls, so one Device may serve
// several goroutines if its Transport can.
type Device struct {
	t   Transport
	cfg DeviceConfig
	log *slog.Logger
}

var _ agent.Phone = (*Device)(nil)

// NewDevice returns a Device that runs its commands through t.
func NewDevice(t Transport, cfg DeviceConfig) *Device {
	if cfg.CommandTimeout <= 0 {
		cfg.CommandTimeout = DefaultCommandTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Device{t: t, cfg: cfg, log: log}
}

// run runs argv with the per-command time limit. It returns the Result of a
// command that ran, even one that failed, with a nil error; otherwise an error
// wrapping ErrTimedOut or ErrCommandNotFound, the transport's error, or the
// caller's context error when ctx itself is done.
func (d *Device) run(ctx context.Context, argv ...string) (Result, error) {
	cctx, cancel := context.WithTimeout(ctx, d.cfg.CommandTimeout)
	defer cancel()
	res, err := d.t.Run(cctx, argv...)
	switch {
	case ctx.Err() != nil:
		return res, fmt.Errorf("%s: %w", argv[0], ctx.Err())
	case err != nil && (cctx.Err() != nil || errors.Is(err, context.DeadlineExceeded)):
		return res, fmt.Errorf("%s: %w", argv[0], ErrTimedOut)
	case err != nil:
		return res, fmt.Errorf("%s: %w", argv[0], err)
	case res.ExitCode == 127 && notFound(res):
		return res, fmt.Errorf("%s: %w", argv[0], ErrCommandNotFound)
	}
	return res, nil
}

func notFound(res Result) bool {
	return bytes.Contains(res.Stderr, []byte("not found")) || bytes.Contains(res.Stdout, []byte("not found"))
}

// commandFailed says whether err means the command did not run at all, as
// opposed to running and answering badly.
func commandFailed(err error) bool {
	return err != nil && !errors.Is(err, ErrTimedOut) && !errors.Is(err, ErrCommandNotFound)
}

// combined returns stdout and then stderr, for commands whose errors go to
// either stream depending on the Android version and on whether adb used a
// terminal, and whose answer is a message rather than a value.
func combined(res Result) []byte {
	if len(res.Stderr) == 0 {
		return res.Stdout
	}
	out := make([]byte, 0, len(res.Stdout)+len(res.Stderr)+1)
	out = append(out, res.Stdout...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return append(out, res.Stderr...)
}

// explain settles a command whose stdout was parsed with result perr. Values
// come from stdout alone (old phones print linker warnings on stderr), but
// when the parse failed, a denial on stderr is the better reason, and a
// command that exited non-zero failed even if its stdout looked fine.
func explain(res Result, perr error) error {
	if perr == nil {
		if res.ExitCode == 0 {
			return nil
		}
		if err := denial(res.Stderr); err != nil {
			return err
		}
		return &ExitError{Code: res.ExitCode}
	}
	if err := denial(res.Stderr); err != nil && !errors.Is(perr, err) {
		return err
	}
	if errors.Is(perr, ErrEmptyOutput) && res.ExitCode != 0 {
		return &ExitError{Code: res.ExitCode}
	}
	return perr
}

// failure turns a command that ran but exited non-zero into an error,
// using a recognised message when the phone printed one.
func failure(res Result) error {
	if res.ExitCode == 0 {
		return nil
	}
	if err := denial(combined(res)); err != nil {
		return err
	}
	return &ExitError{Code: res.ExitCode}
}

func intPtr(i int) *int { return &i }

// Package phonecheck reads phones once and says whether each is safe to
// reset: one phone, or every phone adb lists a few at a time, and the words
// a person at the bench reads (verdict, evidence, what to do next). It is
// what `unbind-agent status` runs; exit codes stay with the command.
package phonecheck

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/protocol"
)

// Source opens phones. Transport("") is the phone this runs on (or, for a
// source of several phones, the first).
type Source struct {
	Transport func(serial string) android.Transport
	List      func(ctx context.Context) ([]android.ADBDevice, error)
}

// ADBSource is the real phones: this one, and those adb (at adbPath) lists.
func ADBSource(adbPath string) *Source {
	return &Source{
		Transport: func(serial string) android.Transport {
			if serial == "" {
				return &android.LocalShell{}
			}
			return &android.ADB{Serial: serial, Path: adbPath}
		},
		List: func(ctx context.Context) ([]android.ADBDevice, error) {
			return android.ListADBDevices(ctx, adbPath)
		},
	}
}

// Options say how each phone is read and judged.
type Options struct {
	// Parallel is how many phones All checks at once (at least 1).
	Parallel int
	Device   android.DeviceConfig
	// ShowAccountNames puts account names in reports unmasked.
	ShowAccountNames bool
	Version          string
	Logger           *slog.Logger
	// Done, when set, is told about each phone All has finished with, as
	// soon as it is finished (phones adb cannot use at once), one call at a
	// time, in the order they finish.
	Done func(Result)
}

// VerdictError adds to protocol's verdicts: the phone could not be read at
// all (or adb cannot use it).
const VerdictError = "error"

// CheckReadPhone names the failed check of a phone that could not be read.
const CheckReadPhone = "read phone"

// Result is the outcome for one phone.
type Result struct {
	Serial string
	// ADBState is adb's word for a phone it cannot use ("offline",
	// "unauthorized"); such a phone is not checked.
	ADBState string
	Report   protocol.Report
	// Err is set when the phone could not be read at all.
	Err error
}

// Verdict is the report's verdict, or VerdictError.
func (r Result) Verdict() string {
	if r.Err != nil || r.ADBState != "" {
		return VerdictError
	}
	return string(r.Report.Verdict())
}

// All checks every phone src lists, o.Parallel at a time, and returns them
// ordered by serial whatever order they finished in. Each phone keeps its
// own error; the error is for the listing.
func All(ctx context.Context, src *Source, o Options) ([]Result, error) {
	devs, err := src.List(ctx)
	if err != nil {
		return nil, err
	}
	if len(devs) == 0 {
		return nil, errors.New("no phone attached: adb devices lists none (check the cable and that USB debugging is on)")
	}
	slices.SortStableFunc(devs, func(a, b android.ADBDevice) int { return cmp.Compare(a.Serial, b.Serial) })
	results := make([]Result, len(devs))
	var mu sync.Mutex
	done := func(r Result) {
		if o.Done == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		o.Done(r)
	}
	var g errgroup.Group
	g.SetLimit(max(o.Parallel, 1))
	for i, d := range devs {
		if !d.Ready() {
			results[i] = Result{Serial: d.Serial, ADBState: d.State}
			done(results[i])
			continue
		}
		g.Go(func() error {
			results[i] = One(ctx, src, o, d.Serial)
			done(results[i])
			return nil
		})
	}
	_ = g.Wait() // each check keeps its own error
	return results, nil
}

// One reads one phone and judges it; serial "" is the phone this runs on.
func One(ctx context.Context, src *Source, o Options, serial string) Result {
	logger := cmp.Or(o.Logger, slog.New(slog.DiscardHandler))
	if serial != "" {
		logger = logger.With(agent.LogDevice, serial)
	}
	dc := o.Device
	dc.Logger = logger
	dev := android.NewDevice(src.Transport(serial), dc)
	a := agent.New(dev, agent.Config{ShowAccountNames: o.ShowAccountNames, Logger: logger, Version: o.Version})
	rep, err := a.Check(ctx)
	if err != nil {
		return Result{Serial: serial, Err: err}
	}
	if serial == "" {
		serial = rep.Device.Serial
	}
	return Result{Serial: serial, Report: rep}
}

// Describe names a phone by serial; "" is the phone this runs on.
func Describe(serial string) string {
	if serial == "" {
		return "this phone"
	}
	return serial
}

// errorReport stands in for the report of a phone that could not be read,
// so that JSON readers looking only at safe_to_reset and risks still see
// that nothing is known.
func (r Result) errorReport(now time.Time) protocol.Report {
	evidence := "could not read the phone: " + android.Reason(r.Err)
	if r.ADBState != "" {
		evidence = "adb lists the phone as " + r.ADBState
	}
	return agent.UnreadableReport(protocol.Identity{Serial: r.Serial}, CheckReadPhone, evidence, now)
}

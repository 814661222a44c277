package androidsim

import (
	"context"
	"fmt"

	"github.com/unbind/unbind/android"
)

// Bench is the phone as a bench PC's adb reaches it over USB, for an agent
// that runs on the PC (unbind-agent run --adb). Commands run only while adb
// lists the phone as "device"; the host's own view (android.HostView)
// follows the phone: "recovery" once a confirmed reset takes it down (or
// not listed, with Options.RecoveryUnlisted), not listed once it rebooted
// wiped (USB debugging is off) or while its cable is pulled (Unplug).
type Bench struct{ p *Phone }

var (
	_ android.Transport = Bench{}
	_ android.HostView  = Bench{}
)

var _ android.HostSerial = Bench{}

// HostSerial is the serial the bench's adb lists the phone by.
func (b Bench) HostSerial() string { return b.p.Serial() }

// Bench returns the phone as seen over USB by a bench's adb.
func (p *Phone) Bench() Bench { return Bench{p: p} }

// Run runs argv through adb, failing as adb does unless the phone is listed
// as "device".
func (b Bench) Run(ctx context.Context, argv ...string) (android.Result, error) {
	if state, listed, err := b.HostState(ctx); err != nil {
		return android.Result{}, err
	} else if state != "device" {
		if !listed {
			return android.Result{}, fmt.Errorf("error: device '%s' not found: %w", b.p.Serial(), android.ErrDeviceUnreachable)
		}
		return android.Result{}, fmt.Errorf("error: closed (device %s is in %s): %w", b.p.Serial(), state, android.ErrDeviceUnreachable)
	}
	return b.p.Run(ctx, argv...)
}

// HostState is what `adb devices` says of the phone. The person's pending
// actions are carried out first, as Run does.
func (b Bench) HostState(ctx context.Context) (state string, listed bool, err error) {
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	p := b.p
	p.mu.Lock()
	defer p.mu.Unlock()
	p.applyDueLocked(p.now())
	switch {
	case p.unplugged, p.faults.Unreachable, p.adbOff:
		return "", false, nil
	case p.goingDown != "" && p.recoveryUnlisted:
		return "", false, nil
	case p.goingDown != "":
		return "recovery", true, nil
	}
	return "device", true, nil
}

// Unplug pulls the phone's USB cable: a bench's adb stops listing it, and
// nothing else about the phone changes.
func (p *Phone) Unplug() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.unplugged = true
}

// Plug puts the cable back.
func (p *Phone) Plug() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.unplugged = false
}

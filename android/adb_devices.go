package android

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ADBDevice is one line of `adb devices`. State is what adb says, e.g.
// "device" (ready), "offline", "unauthorized" or "no permissions (...)".
type ADBDevice struct {
	Serial string `json:"serial"`
	State  string `json:"state"`
}

// Ready reports whether commands can run on the device.
func (d ADBDevice) Ready() bool { return d.State == "device" }

// ListADBDevices runs `adb devices` on this host and parses it. adbPath
// defaults to "adb".
func ListADBDevices(ctx context.Context, adbPath string) ([]ADBDevice, error) {
	if adbPath == "" {
		adbPath = "adb"
	}
	res, err := runProcess(ctx, 0, []string{adbPath, "devices"})
	if err != nil {
		return nil, fmt.Errorf("list adb devices: %w", err)
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("list adb devices: %w", &ExitError{Code: res.ExitCode})
	}
	devs, err := ParseADBDevices(res.Stdout)
	if err != nil {
		return nil, fmt.Errorf("list adb devices: %w", err)
	}
	return devs, nil
}

// ParseADBDevices parses `adb devices`:
//
//	List of devices attached
//	R58M12ABCDE	device
//	emulator-5554	offline
//
// Lines before the header (the daemon's start-up chatter) are skipped;
// without the header the output is unrecognized.
func ParseADBDevices(out []byte) ([]ADBDevice, error) {
	if blank(out) {
		return nil, ErrEmptyOutput
	}
	ls, _ := lines(out)
	i := 0
	for i < len(ls) && !strings.HasPrefix(strings.TrimSpace(ls[i]), "List of devices attached") {
		i++
	}
	if i == len(ls) {
		return nil, fmt.Errorf("adb devices: no header: %w", ErrUnrecognized)
	}
	devs := []ADBDevice{}
	for _, l := range ls[i+1:] {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "* ") {
			continue
		}
		serial, state, ok := strings.Cut(t, "\t")
		if !ok {
			// Some adb builds pad with spaces instead of a tab.
			serial, state, ok = strings.Cut(t, " ")
		}
		serial, state = strings.TrimSpace(serial), strings.TrimSpace(state)
		if !ok || serial == "" || state == "" {
			return nil, fmt.Errorf("adb devices: %w", ErrUnrecognized)
		}
		devs = append(devs, ADBDevice{Serial: serial, State: state})
	}
	return devs, nil
}

// HostView is implemented by transports that reach the phone from a host,
// as adb does on a bench PC: the host still lists the phone while the phone
// cannot run commands (rebooting into recovery), and stops listing it when
// it is gone (wiped, rebooted without USB debugging, or unplugged).
type HostView interface {
	// HostState says how the host lists the phone: listed is false when it
	// does not list it at all; state is adb's word for it ("device",
	// "recovery", "sideload", "offline", ...).
	HostState(ctx context.Context) (state string, listed bool, err error)
}

var _ HostView = ADB{}

// HostSerial is implemented by transports that select the phone by the
// serial its USB connection announces (adb -s SERIAL, as `adb devices`
// lists it): a serial the host read, which the phone cannot change as
// easily as its own ro.serialno property.
type HostSerial interface {
	// HostSerial is that serial, or "" when the host picks no phone by one
	// or reaches it over the network (host:port is no serial).
	HostSerial() string
}

var _ HostSerial = ADB{}

// HostSerial is a's serial, unless it names a network address.
func (a ADB) HostSerial() string {
	if strings.Contains(a.Serial, ":") {
		return ""
	}
	return a.Serial
}

// HostState lists the host's phones with `adb devices` and finds a's.
// Without a serial there is no telling which phone is a's: an error.
func (a ADB) HostState(ctx context.Context) (state string, listed bool, err error) {
	if a.Serial == "" {
		return "", false, errors.New("adb: no serial to look for in adb devices")
	}
	path := a.Path
	if path == "" {
		path = "adb"
	}
	res, err := runProcess(ctx, a.Timeout, []string{path, "devices"})
	if err != nil {
		return "", false, fmt.Errorf("adb devices, for %s: %w", a.Serial, err)
	}
	if res.ExitCode != 0 {
		return "", false, fmt.Errorf("adb devices, for %s: %s: %w", a.Serial, firstLine(res.Stderr), &ExitError{Code: res.ExitCode})
	}
	devs, err := ParseADBDevices(res.Stdout)
	if err != nil {
		return "", false, fmt.Errorf("adb devices, for %s: %w", a.Serial, err)
	}
	state, listed = FindADBDevice(devs, a.Serial)
	return state, listed, nil
}

// FindADBDevice returns the state adb lists serial in, and false when adb
// does not list it.
func FindADBDevice(devs []ADBDevice, serial string) (state string, listed bool) {
	for _, d := range devs {
		if d.Serial == serial {
			return d.State, true
		}
	}
	return "", false
}

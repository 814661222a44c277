package android

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/protocol"
)

// bootIDPath holds the kernel's random ID of the current boot; any user may
// read it (confirmed: the file is world-readable on Linux and Android).
const bootIDPath = "/proc/sys/kernel/random/boot_id"

var bootIDForm = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ParseBootID reads the boot ID `cat` printed: a lower-case UUID. Anything
// else (an error, a denial, a cut line) is "".
func ParseBootID(out []byte) string {
	s := strings.TrimSpace(string(out))
	if !bootIDForm.MatchString(s) {
		return ""
	}
	return s
}

// readBootID returns the current boot's ID, or "" when unreadable.
func (d *Device) readBootID(ctx context.Context) string {
	res, err := d.run(ctx, "cat", bootIDPath)
	if err != nil || res.ExitCode != 0 {
		return ""
	}
	return ParseBootID(res.Stdout)
}

// Properties that show the phone going down. ShutdownThread sets
// sys.shutdown.requested ("1" for a reboot, then the reason) as shutdown
// begins, and PowerManagerService.lowLevelReboot sets sys.powerctl
// ("reboot,recovery") at its end; RecoverySystem.rebootWipeUserData reboots
// with reason "recovery" after writing the wipe command for recovery. Both
// names and values are confirmed in AOSP source; whether the shell user may
// read them on a given build is open (SELinux property contexts vary), so
// an unreadable property is no evidence either way.
var wipeProps = []string{"sys.shutdown.requested", "sys.powerctl"}

// ParseWipeProp says whether a value of one of wipeProps announces a reboot
// into recovery: "1recovery" (sys.shutdown.requested) or "reboot,recovery"
// (sys.powerctl). A plain reboot or shutdown is not a wipe.
func ParseWipeProp(value string) bool {
	v := strings.TrimSpace(value)
	return v == "1recovery" || v == "reboot,recovery" || strings.HasPrefix(v, "1recovery,") || strings.HasPrefix(v, "reboot,recovery,")
}

// LookForWipe looks once for a phone going down into recovery, which is
// where a confirmed Settings reset goes. Through a transport with a host
// view (adb on a bench PC) it asks the host first: the host still sees the
// phone after its shell is gone. Then it reads the shutdown properties. It
// implements agent.WipeWatcher.
func (d *Device) LookForWipe(ctx context.Context) (agent.WipeSign, error) {
	var hostErr error
	if hv, ok := d.t.(HostView); ok {
		cctx, cancel := context.WithTimeout(ctx, d.cfg.CommandTimeout)
		state, listed, err := hv.HostState(cctx)
		cancel()
		if err != nil {
			hostErr = err
		} else if sign := ReadHostState(state, listed); sign.Evidence != "" || listed && state != "device" {
			// In recovery, gone, or listed but not ready: the phone's
			// shell cannot answer now.
			return sign, nil
		}
	}
	var errs []error
	for _, name := range wipeProps {
		res, err := d.run(ctx, "getprop", name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		v := strings.TrimSpace(string(res.Stdout))
		if res.ExitCode == 0 && ParseWipeProp(v) {
			return agent.WipeSign{Evidence: protocol.EvidenceWipeStarted, Signal: name + "=" + v}, nil
		}
	}
	if len(errs) == len(wipeProps) {
		return agent.WipeSign{}, fmt.Errorf("watch for a wipe: %w", errors.Join(append(errs, hostErr)...))
	}
	return agent.WipeSign{}, nil
}

// ReadHostState reads how the bench's adb lists the phone during a reset:
// in recovery (or sideload, recovery's adb mode), the phone went down into
// recovery, as a confirmed Settings reset does: wipe_started, "adb: recovery".
// Not listed at all: adb_lost, which a pulled cable shows as well. Listed in
// any other state ("device", "offline", "unauthorized", "rescue"): nothing.
func ReadHostState(state string, listed bool) agent.WipeSign {
	switch {
	case !listed:
		return agent.WipeSign{Evidence: protocol.EvidenceADBLost, Signal: "adb: not listed"}
	case state == "recovery" || state == "sideload":
		return agent.WipeSign{Evidence: protocol.EvidenceWipeStarted, Signal: "adb: " + state}
	}
	return agent.WipeSign{}
}

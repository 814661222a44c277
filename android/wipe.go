package android

import (
	"context"
	"fmt"
	"regexp"
	"strings"
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

// WipeStarted looks once at the properties that show the phone going down
// into recovery, which is where a confirmed Settings reset goes. It
// implements agent.WipeWatcher; signal names the property and its value.
func (d *Device) WipeStarted(ctx context.Context) (signal string, started bool, err error) {
	var errs []error
	for _, name := range wipeProps {
		res, err := d.run(ctx, "getprop", name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		v := strings.TrimSpace(string(res.Stdout))
		if res.ExitCode == 0 && ParseWipeProp(v) {
			return name + "=" + v, true, nil
		}
	}
	if len(errs) == len(wipeProps) {
		return "", false, fmt.Errorf("watch for a wipe: %w", errs[0])
	}
	return "", false, nil
}

package main

import (
	"errors"
	"fmt"
	"os/exec"
)

// errNoADB: the adb program the bench needs to reach phones over USB is
// not installed (or not where --adb-path says).
var errNoADB = errors.New("adb not found")

// checkADB says, before any phone is read, when the adb program is
// missing, and how to get it: without it no phone can be reached, so the
// cable or the phone must not be blamed. look is exec.LookPath when nil.
func checkADB(adbPath string, look func(string) (string, error)) error {
	if look == nil {
		look = exec.LookPath
	}
	if _, err := look(adbPath); err != nil {
		where := fmt.Sprintf("%q is not on PATH", adbPath)
		if adbPath != "adb" {
			where = fmt.Sprintf("--adb-path %q: %v", adbPath, err)
		}
		return fmt.Errorf("%w (%s): the bench reaches phones over USB through Android's adb.\n"+
			"Install it: on Debian or Ubuntu `sudo apt install adb`; elsewhere Android SDK Platform-Tools\n"+
			"(https://developer.android.com/tools/releases/platform-tools), then put it on PATH\n"+
			"or pass its location with --adb-path /path/to/adb", errNoADB, where)
	}
	return nil
}

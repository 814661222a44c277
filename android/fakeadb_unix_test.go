//go:build unix

package android

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMain lets the test binary stand in for adb: tests link it under the
// name "adb" and hand that path to ADB.Path, as cli/cli's tests re-execute
// themselves as git. Each test gets its own link, so tests stay parallel.
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "adb" {
		os.Exit(fakeADB(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fakeADB behaves like adb for the serials the tests use: "phone" runs the
// command line with the host's sh, as adbd hands it to the phone's shell;
// other serials fail the way adb does.
func fakeADB(args []string) int {
	serial := ""
	if len(args) >= 2 && args[0] == "-s" {
		serial, args = args[1], args[2:]
	}
	if len(args) == 1 && args[0] == "devices" {
		b, err := os.ReadFile(os.Getenv("FAKE_ADB_DEVICES"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		os.Stdout.Write(b)
		return 0
	}
	if len(args) == 0 || args[0] != "shell" {
		fmt.Fprintln(os.Stderr, "fake adb: unsupported", args)
		return 2
	}
	switch serial {
	case "":
		fmt.Fprintln(os.Stderr, "error: no devices/emulators found")
		return 1
	case "gone":
		fmt.Fprintf(os.Stderr, "error: device '%s' not found\n", serial)
		return 1
	case "offline":
		fmt.Fprintln(os.Stderr, "error: device offline")
		return 1
	case "unauthorized":
		fmt.Fprintln(os.Stderr, "error: device unauthorized.\nThis adb server's $ADB_VENDOR_KEYS is not set\nTry 'adb kill-server' if that seems wrong.")
		return 1
	}
	cmd := exec.Command("sh", "-c", strings.Join(args[1:], " "))
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exitErr):
		return exitErr.ExitCode()
	}
	fmt.Fprintln(os.Stderr, err)
	return 2
}

// fakeADBPath links the test binary as "adb" in a fresh directory.
func fakeADBPath(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "adb")
	require.NoError(t, os.Symlink(self, path))
	return path
}

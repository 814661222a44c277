package android

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"
)

// ADB runs commands on a phone from a host through `adb -s SERIAL shell`.
type ADB struct {
	// Serial selects the phone; empty lets adb pick the only one attached.
	Serial string
	// Path is the adb executable; empty means "adb" from PATH.
	Path string
	// Timeout bounds each command on top of the caller's context; zero means
	// the context alone (Device always sets a deadline).
	Timeout time.Duration
}

// Run runs argv on the phone. adb joins its arguments into one command line
// for the phone's shell, so every word is quoted for that shell first.
// Modern adb passes the remote exit code through; a failure of adb itself
// (phone gone, offline, unauthorized) is an error wrapping
// ErrDeviceUnreachable, never a Result.
func (a ADB) Run(ctx context.Context, argv ...string) (Result, error) {
	if len(argv) == 0 {
		return Result{}, errors.New("adb: empty command")
	}
	path := a.Path
	if path == "" {
		path = "adb"
	}
	args := []string{path}
	if a.Serial != "" {
		args = append(args, "-s", a.Serial)
	}
	args = append(args, "shell", shellJoin(argv))
	res, err := runProcess(ctx, a.Timeout, args)
	if err != nil {
		return res, fmt.Errorf("adb %s: %w", a.Serial, err)
	}
	if adbFailed(res) {
		return res, fmt.Errorf("adb %s: %s: %w", a.Serial, firstLine(res.Stderr), ErrDeviceUnreachable)
	}
	return res, nil
}

// adbMessages are what adb itself prints when it cannot reach the phone.
var adbMessages = [][]byte{
	[]byte("not found"), []byte("no devices"), []byte("no emulators"),
	[]byte("offline"), []byte("unauthorized"), []byte("authorizing"),
	[]byte("more than one device"), []byte("closed"), []byte("protocol fault"),
	[]byte("cannot connect to daemon"), []byte("failed to start daemon"),
	[]byte("connection reset"), []byte("no permissions"),
}

// adbFailed tells adb's own errors from the remote command's: adb fails with
// exit 1 or 255, prints nothing on stdout and starts its message with
// "error:" or "adb:", while the phone's shell prefixes its own with its path.
func adbFailed(res Result) bool {
	if res.ExitCode != 1 && res.ExitCode != 255 || len(bytes.TrimSpace(res.Stdout)) != 0 {
		return false
	}
	msg := bytes.TrimSpace(res.Stderr)
	if !bytes.HasPrefix(msg, []byte("error:")) && !bytes.HasPrefix(msg, []byte("adb:")) {
		return false
	}
	line := []byte(firstLine(msg))
	for _, m := range adbMessages {
		if bytes.Contains(line, m) {
			return true
		}
	}
	return false
}

// firstLine returns the first line of b, bounded, for error messages. adb's
// messages carry the serial at most; phone output never reaches here.
func firstLine(b []byte) string {
	b = bytes.TrimSpace(b)
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	if len(b) > 200 {
		b = b[:200]
	}
	return string(bytes.TrimSpace(b))
}

//go:build unix

package android

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// printfArgv prints each argument followed by a NUL, so the test can see
// exactly which words arrived.
func printfArgv(args []string) []string {
	return append([]string{"printf", `%s\000`}, args...)
}

func splitNUL(b []byte) []string {
	parts := strings.Split(string(b), "\x00")
	return parts[:len(parts)-1]
}

func TestTransportsPassWordsIntact(t *testing.T) {
	transports := map[string]Transport{
		"local": LocalShell{},
		"adb":   ADB{Serial: "phone", Path: fakeADBPath(t)},
	}
	for name, tr := range transports {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res, err := tr.Run(context.Background(), printfArgv(awkwardArgs)...)
			require.NoError(t, err)
			require.Equal(t, 0, res.ExitCode, string(res.Stderr))
			assert.Equal(t, awkwardArgs, splitNUL(res.Stdout))
		})
	}
}

func TestTransportsResults(t *testing.T) {
	transports := map[string]Transport{
		"local": LocalShell{},
		"adb":   ADB{Serial: "phone", Path: fakeADBPath(t)},
	}
	tests := []struct {
		name       string
		argv       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"exit code passes through", []string{"sh", "-c", "echo out; echo err >&2; exit 3"}, 3, "out\n", "err\n"},
		{"failing program is a result", []string{"ls", "/nonexistent-unbind"}, 2, "", "nonexistent-unbind"},
		{"missing program is exit 127", []string{"no-such-program-unbind"}, 127, "", "not found"},
	}
	for name, tr := range transports {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				res, err := tr.Run(context.Background(), tt.argv...)
				require.NoError(t, err)
				assert.NotZero(t, res.ExitCode)
				if tt.name != "failing program is a result" {
					assert.Equal(t, tt.wantCode, res.ExitCode)
				}
				assert.Equal(t, tt.wantStdout, string(res.Stdout))
				assert.Contains(t, string(res.Stderr), tt.wantStderr)
			})
		}
	}
}

func TestADBUnreachable(t *testing.T) {
	path := fakeADBPath(t)
	for _, serial := range []string{"", "gone", "offline", "unauthorized"} {
		t.Run("serial "+serial, func(t *testing.T) {
			t.Parallel()
			_, err := ADB{Serial: serial, Path: path}.Run(context.Background(), "id")
			require.ErrorIs(t, err, ErrDeviceUnreachable)
		})
	}
	t.Run("no adb", func(t *testing.T) {
		_, err := ADB{Serial: "phone", Path: filepath.Join(t.TempDir(), "adb")}.Run(context.Background(), "id")
		require.Error(t, err)
		assert.NotErrorIs(t, err, ErrDeviceUnreachable)
	})
}

func TestListADBDevices(t *testing.T) {
	path := fakeADBPath(t)
	t.Setenv("FAKE_ADB_DEVICES", filepath.Join("testdata", "adb-devices", "mixed.txt"))
	devs, err := ListADBDevices(context.Background(), path)
	require.NoError(t, err)
	assert.Equal(t, []ADBDevice{
		{Serial: "R5CW12ABCDE", State: "device"},
		{Serial: "emulator-5554", State: "offline"},
		{Serial: "192.168.1.20:5555", State: "unauthorized"},
	}, devs)
	assert.True(t, devs[0].Ready())
	assert.False(t, devs[1].Ready())
}

// TestADBHostState: the bench's adb view of one phone, from `adb devices`:
// its state when listed, not listed when gone, and an error when the list
// cannot be read or no serial names the phone.
func TestADBHostState(t *testing.T) {
	path := fakeADBPath(t)
	dir := t.TempDir()
	devices := filepath.Join(dir, "devices")
	t.Setenv("FAKE_ADB_DEVICES", devices)
	write := func(s string) { require.NoError(t, os.WriteFile(devices, []byte(s), 0o644)) }
	a := ADB{Serial: "R5CW12ABCDE", Path: path}
	ctx := context.Background()

	write("List of devices attached\nR5CW12ABCDE\tdevice\n\n")
	state, listed, err := a.HostState(ctx)
	require.NoError(t, err)
	assert.True(t, listed)
	assert.Equal(t, "device", state)

	write("List of devices attached\nemulator-5554\toffline\nR5CW12ABCDE\trecovery\n")
	state, listed, err = a.HostState(ctx)
	require.NoError(t, err)
	assert.True(t, listed)
	assert.Equal(t, "recovery", state)

	write("List of devices attached\nemulator-5554\toffline\n\n")
	_, listed, err = a.HostState(ctx)
	require.NoError(t, err)
	assert.False(t, listed, "unplugged")

	write("adb server is out of date\n")
	_, _, err = a.HostState(ctx)
	require.ErrorIs(t, err, ErrUnrecognized, "no list is no answer")

	_, _, err = ADB{Path: path}.HostState(ctx)
	require.Error(t, err, "no serial: no telling which phone")
}

// TestTimeoutKillsProcessGroup runs a command that leaves a child sleeping
// and never returns, and checks that the timeout ends it and its child.
func TestTimeoutKillsProcessGroup(t *testing.T) {
	// The timeout only has to outlast process start-up (a re-executed test
	// binary under -race on a loaded machine), so it is generous.
	const timeout = 5 * time.Second
	transports := map[string]func(pidFile string) Transport{
		"local": func(string) Transport { return LocalShell{Timeout: timeout} },
		"adb": func(string) Transport {
			return ADB{Serial: "phone", Path: fakeADBPath(t), Timeout: timeout}
		},
	}
	for name, mk := range transports {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pidFile := filepath.Join(t.TempDir(), "pid")
			script := "sleep 1000 & echo $! > " + pidFile + "; wait"
			_, err := mk(pidFile).Run(context.Background(), "sh", "-c", script)
			require.ErrorIs(t, err, context.DeadlineExceeded)

			b, err := os.ReadFile(pidFile)
			require.NoError(t, err)
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			require.NoError(t, err)
			require.Eventually(t, func() bool { return !alive(pid) }, 30*time.Second, 20*time.Millisecond,
				"child %d outlived the timeout", pid)
		})
	}
}

// alive reports whether pid runs; a zombie waiting for a reaper does not.
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

func TestLocalShellCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := LocalShell{}.Run(ctx, "sleep", "1000")
	require.ErrorIs(t, err, context.Canceled)
}

//go:build unix

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android"
)

const installBench = `8a3f21c7    device bound-xiaomi
R5CW21XKQ7M device samsung-secure-folder abi=armeabi-v7a
X86PHONE01  device clean-xiaomi abi=x86_64
emulator-5554 offline
`

// fakeDist writes stand-ins for the make android builds: scripts the fake
// phone runs on this host when asked for the agent's version.
func fakeDist(t *testing.T) string {
	t.Helper()
	dist := t.TempDir()
	for _, name := range []string{"unbind-agent-android-arm64", "unbind-agent-linux-armv7"} {
		script := "#!/bin/sh\necho unbind-agent " + name + "\n"
		require.NoError(t, os.WriteFile(filepath.Join(dist, name), []byte(script), 0o644))
	}
	return dist
}

type loggedCall struct {
	Cmd  string   `json:"cmd"`
	Args []string `json:"args"`
}

// adbCalls returns what the fake adb was asked for one serial, without the
// "-s SERIAL".
func adbCalls(t *testing.T, dir, serial string) [][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "log"))
	require.NoError(t, err)
	var calls [][]string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var c loggedCall
		require.NoError(t, json.Unmarshal(sc.Bytes(), &c))
		if c.Cmd == "adb" && len(c.Args) > 2 && c.Args[0] == "-s" && c.Args[1] == serial {
			calls = append(calls, c.Args[2:])
		}
	}
	return calls
}

func TestInstallThroughFakeADB(t *testing.T) {
	dir := withFakePhones(t, installBench)
	dist := fakeDist(t)

	out, errOut, code := runAgent("install", "--adb", "all", "--broker", "tcp://localhost:1883", "--dist", dist, "--", "--interval", "30s")
	assert.Equal(t, exitError, code, "two phones fail; stderr: %s", errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 5, out)
	assert.Equal(t, "8a3f21c7: unbind-agent-android-arm64 (arm64-v8a, unbind-agent unbind-agent-android-arm64) started, "+
		"reporting to tcp://127.0.0.1:1883 through adb reverse tcp:1883; log /data/local/tmp/unbind-agent.log", lines[0])
	assert.True(t, strings.HasPrefix(lines[1], "R5CW21XKQ7M: unbind-agent-linux-armv7 (armeabi-v7a, "), lines[1])
	assert.True(t, strings.HasPrefix(lines[2], "X86PHONE01: FAILED: ABI x86_64: no agent build for this ABI"), lines[2])
	assert.Contains(t, lines[2], "unbind-agent run --adb X86PHONE01")
	assert.Equal(t, "emulator-5554: FAILED: adb lists it as offline", lines[3])
	assert.Equal(t, "4 phones: 2 started, 2 failed", lines[4])

	start := android.StartLine("tcp://127.0.0.1:1883", []string{"--interval", "30s"})
	assert.Equal(t, [][]string{
		{"shell", "getprop ro.product.cpu.abi"},
		{"shell", "pkill -x unbind-agent"},
		{"push", filepath.Join(dist, "unbind-agent-android-arm64"), "/data/local/tmp/unbind-agent"},
		{"shell", "chmod 755 /data/local/tmp/unbind-agent"},
		{"shell", "/data/local/tmp/unbind-agent version"},
		{"reverse", "tcp:1883", "tcp:1883"},
		{"shell", start},
	}, adbCalls(t, dir, "8a3f21c7"))
	assert.Equal(t, [][]string{{"shell", "getprop ro.product.cpu.abi"}}, adbCalls(t, dir, "X86PHONE01"),
		"nothing is pushed to a phone without a build")

	// The phones hold the right build, executable.
	for serial, build := range map[string]string{"8a3f21c7": "unbind-agent-android-arm64", "R5CW21XKQ7M": "unbind-agent-linux-armv7"} {
		pushed := filepath.Join(dir, "root", serial, "data", "local", "tmp", "unbind-agent")
		got, err := os.ReadFile(pushed)
		require.NoError(t, err, serial)
		want, err := os.ReadFile(filepath.Join(dist, build))
		require.NoError(t, err)
		assert.Equal(t, want, got, serial)
		info, err := os.Stat(pushed)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o755), info.Mode().Perm())
	}
}

func TestInstallOneThroughFakeADB(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		dist    func(t *testing.T) string
		code    int
		want    string
		reverse bool
	}{
		{"remote broker needs no reverse", []string{"--adb", "8a3f21c7", "--broker", "tcp://192.168.1.20:1883"}, fakeDist, exitSafe,
			"8a3f21c7: unbind-agent-android-arm64 (arm64-v8a, unbind-agent unbind-agent-android-arm64) started, reporting to tcp://192.168.1.20:1883; log", false},
		{"missing build", []string{"--adb", "8a3f21c7"}, func(t *testing.T) string { return t.TempDir() }, exitError,
			"unbind-agent-android-arm64 is missing (run make android)", false},
		{"phone not attached", []string{"--adb", "NOPE"}, fakeDist, exitError,
			"NOPE: FAILED: read the phone's ABI: exit 1: error: device 'NOPE' not found", false},
		{"host name broker", []string{"--adb", "8a3f21c7", "--broker", "tcp://bench.local:1883"}, fakeDist, exitUsage, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := withFakePhones(t, installBench)
			out, errOut, code := runAgent(append([]string{"install", "--dist", tc.dist(t)}, tc.args...)...)
			assert.Equal(t, tc.code, code, "stdout: %s\nstderr: %s", out, errOut)
			assert.Contains(t, out, tc.want)
			if tc.code == exitSafe {
				assert.Equal(t, 1, strings.Count(out, "\n"), "one phone, no summary")
				for _, c := range adbCalls(t, dir, "8a3f21c7") {
					assert.NotEqual(t, "reverse", c[0])
				}
			}
		})
	}
}

// TestInstallEnrollsThroughFakeADB: with --token the pushed agent enrolls
// before it starts, through adb reverse when the controller is on loopback.
func TestInstallEnrollsThroughFakeADB(t *testing.T) {
	dir := withFakePhones(t, installBench)
	dist := fakeDist(t)
	out, errOut, code := runAgent("install", "--adb", "8a3f21c7", "--dist", dist,
		"--token", "one-time token", "--controller", "http://localhost:8080")
	require.Equal(t, exitSafe, code, "stdout: %s\nstderr: %s", out, errOut)
	assert.Contains(t, out, "through adb reverse tcp:1883")
	calls := adbCalls(t, dir, "8a3f21c7")
	require.Len(t, calls, 9)
	assert.Equal(t, [][]string{
		{"reverse", "tcp:1883", "tcp:1883"},
		{"reverse", "tcp:8080", "tcp:8080"},
		{"shell", "/data/local/tmp/unbind-agent enroll --token 'one-time token' --controller http://127.0.0.1:8080"},
		{"shell", android.StartLine("tcp://127.0.0.1:1883", nil)},
	}, calls[5:])
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/protocol"
)

const testScenario = `8a3f21c7 device bound-xiaomi
R5CW21XKQ7M device samsung-secure-folder abi=armeabi-v7a
0b6c3f58 device hanging-find-device
emulator-5554 offline
UNAUTH01 unauthorized
`

// invoke runs the fake in-process as argv[0] with env.
func invoke(t *testing.T, env map[string]string, argv ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	f := &fake{env: func(k string) string { return env[k] }, stdout: &out, stderr: &errb}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code = f.main(ctx, argv)
	return out.String(), errb.String(), code
}

func scenarioEnv(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "devices")
	require.NoError(t, os.WriteFile(path, []byte(testScenario), 0o644))
	return map[string]string{envDevices: path, envRoot: filepath.Join(dir, "root"), envLog: filepath.Join(dir, "log")}
}

func TestADB(t *testing.T) {
	env := scenarioEnv(t)
	tests := []struct {
		name       string
		argv       []string
		wantOut    string
		wantErr    string
		wantCode   int
		exactLines bool
	}{
		{"devices", []string{"adb", "devices"}, "List of devices attached\n8a3f21c7\tdevice\nR5CW21XKQ7M\tdevice\n0b6c3f58\tdevice\nemulator-5554\toffline\nUNAUTH01\tunauthorized\n\n", "", 0, true},
		{"as argument", []string{"/x/fakephone", "adb", "-s", "8a3f21c7", "shell", "getprop", "ro.product.model"}, "23127PN0CG\n", "", 0, true},
		{"serial from scenario", []string{"adb", "-s", "R5CW21XKQ7M", "shell", "getprop", "ro.serialno"}, "R5CW21XKQ7M\n", "", 0, true},
		{"abi override", []string{"adb", "-s", "R5CW21XKQ7M", "shell", "getprop", "ro.product.cpu.abi"}, "armeabi-v7a\n", "", 0, true},
		{"quoted line", []string{"adb", "-s", "8a3f21c7", "shell", "su -c 'dumpsys account'"}, "", "inaccessible or not found", 127, false},
		{"checkin", []string{"adb", "-s", "8a3f21c7", "shell", "dumpsys account --checkin"}, "com.xiaomi,1", "", 0, false},
		{"not found", []string{"adb", "-s", "nope", "shell", "id"}, "", "error: device 'nope' not found", 1, false},
		{"offline", []string{"adb", "-s", "emulator-5554", "shell", "id"}, "", "error: device offline", 1, false},
		{"unauthorized", []string{"adb", "-s", "UNAUTH01", "shell", "id"}, "", "error: device unauthorized.", 1, false},
		{"no serial, many phones", []string{"adb", "shell", "id"}, "", "more than one device", 1, false},
		{"interactive", []string{"adb", "-s", "8a3f21c7", "shell"}, "", "not simulated", exitUsage, false},
		{"reverse", []string{"adb", "-s", "8a3f21c7", "reverse", "tcp:1883", "tcp:1883"}, "", "", 0, true},
		{"reverse other", []string{"adb", "-s", "8a3f21c7", "reverse", "--list"}, "", "only simulates", 1, false},
		{"pkill finds nothing", []string{"adb", "-s", "8a3f21c7", "shell", "pkill -x unbind-agent"}, "", "", 1, true},
		{"start line recorded", []string{"adb", "-s", "8a3f21c7", "shell", "setsid nohup /data/local/tmp/x run </dev/null >/dev/null 2>&1 &"}, "", "", 0, true},
		{"install's start line recorded", []string{"adb", "-s", "8a3f21c7", "shell", "cd /data/local/tmp && if command -v setsid >/dev/null 2>&1; then setsid nohup ./x run </dev/null >x.log 2>&1 & else nohup ./x run </dev/null >x.log 2>&1 & fi"}, "", "", 0, true},
		{"cd alone goes to the phone", []string{"adb", "-s", "8a3f21c7", "shell", "cd /data/local/tmp && id"}, "", "inaccessible or not found", 127, false},
		{"unknown command", []string{"adb", "-s", "8a3f21c7", "install", "x.apk"}, "", "unknown command install", 1, false},
		{"phone command", []string{"getprop", "ro.serialno"}, "", "set FAKEPHONE_PROFILE", exitUsage, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := invoke(t, env, tc.argv...)
			assert.Equal(t, tc.wantCode, code, "stderr: %s", errOut)
			if tc.exactLines {
				assert.Equal(t, tc.wantOut, out)
				assert.Equal(t, tc.wantErr, errOut)
				return
			}
			assert.Contains(t, out, tc.wantOut)
			assert.Contains(t, errOut, tc.wantErr)
		})
	}
}

// TestADBDevicesParses: the adapter's own parser reads the fake's listing.
func TestADBDevicesParses(t *testing.T) {
	out, _, code := invoke(t, scenarioEnv(t), "adb", "devices")
	require.Equal(t, 0, code)
	devs, err := android.ParseADBDevices([]byte(out))
	require.NoError(t, err)
	require.Len(t, devs, 5)
	assert.True(t, devs[0].Ready())
	assert.Equal(t, android.ADBDevice{Serial: "UNAUTH01", State: "unauthorized"}, devs[4])
}

// TestADBRecoveryAndUnplugged: the fake adb shows a phone rebooted into
// recovery (listed, no shell) and a phone unplugged (not listed), as the
// adapter's bench watch reads them.
func TestADBRecoveryAndUnplugged(t *testing.T) {
	env := scenarioEnv(t)
	require.NoError(t, os.WriteFile(env[envDevices], []byte("8a3f21c7 recovery\nR5CW21XKQ7M device samsung-secure-folder\n"), 0o644))
	_, errOut, code := invoke(t, env, "adb", "-s", "8a3f21c7", "shell", "getprop", "sys.powerctl")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "error: closed")
	sign := func(serial string) agent.WipeSign {
		out, _, code := invoke(t, env, "adb", "devices")
		require.Equal(t, 0, code)
		devs, err := android.ParseADBDevices([]byte(out))
		require.NoError(t, err)
		return android.ReadHostState(android.FindADBDevice(devs, serial))
	}
	assert.Equal(t, agent.WipeSign{Evidence: protocol.EvidenceWipeStarted, Signal: "adb: recovery"}, sign("8a3f21c7"))
	assert.Zero(t, sign("R5CW21XKQ7M"))
	assert.Equal(t, agent.WipeSign{Evidence: protocol.EvidenceADBLost, Signal: "adb: not listed"}, sign("0b6c3f58"), "unplugged")
}

func TestHangingProviderEndsWithContext(t *testing.T) {
	env := scenarioEnv(t)
	f := &fake{env: func(k string) string { return env[k] }, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- f.main(ctx, []string{"adb", "-s", "0b6c3f58", "shell", "content query --uri content://com.xiaomi.finddevice.provider/isLastStatusOpen"})
	}()
	cancel()
	assert.Equal(t, 128+15, <-done)
}

func TestPhoneCommands(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		argv     []string
		want     string
		wantCode int
	}{
		{"profile getprop", map[string]string{envProfile: "samsung-secure-folder"}, []string{"/bin/getprop", "ro.product.model"}, "SM-S911B\n", 0},
		{"profile users", map[string]string{envProfile: "samsung-secure-folder"}, []string{"pm", "list", "users"}, "UserInfo{150:Secure Folder:1030}", 0},
		{"rooted su", map[string]string{envProfile: "rooted"}, []string{"su", "-c", "id"}, "uid=0(root)", 0},
		{"unrooted su", map[string]string{envProfile: "clean-xiaomi"}, []string{"su", "-c", "id"}, "", 127},
		{"shell id", map[string]string{envProfile: "clean-xiaomi"}, []string{"id"}, "uid=2000(shell)", 0},
		{"denied dump", map[string]string{envProfile: "unreadable"}, []string{"dumpsys", "account"}, "Permission Denial", 0},
		{"unknown profile", map[string]string{envProfile: "pixel-9"}, []string{"id"}, "", exitUsage},
		{"serial without scenario match", map[string]string{envSerial: "nope"}, []string{"id"}, "", exitUsage},
		{"serial in default scenario", map[string]string{envSerial: "e41b9a06"}, []string{"getprop", "ro.serialno"}, "e41b9a06\n", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := invoke(t, tc.env, tc.argv...)
			assert.Equal(t, tc.wantCode, code, "stderr: %s", errOut)
			assert.Contains(t, out+errOut, tc.want)
		})
	}
}

func TestPushChmodRun(t *testing.T) {
	env := scenarioEnv(t)
	bin := filepath.Join(t.TempDir(), "agent")
	require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\necho ran \"$@\"\n"), 0o644))
	const remote = "/data/local/tmp/unbind-agent"
	adb := func(args ...string) (string, string, int) {
		return invoke(t, env, append([]string{"adb", "-s", "8a3f21c7"}, args...)...)
	}

	_, errOut, code := adb("shell", remote, "version")
	assert.Equal(t, 127, code, "before push")
	assert.Contains(t, errOut, "inaccessible or not found")

	out, _, code := adb("push", bin, remote)
	require.Equal(t, 0, code)
	assert.Contains(t, out, "1 file pushed")

	_, errOut, code = adb("shell", remote, "version")
	assert.Equal(t, 126, code, "pushed with mode 644")
	assert.Contains(t, errOut, "Permission denied")

	_, _, code = adb("shell", "chmod", "755", remote)
	require.Equal(t, 0, code)
	out, _, code = adb("shell", remote+" version 'a b'")
	assert.Equal(t, 0, code)
	assert.Equal(t, "ran version a b\n", out)

	_, errOut, code = adb("push", filepath.Join(t.TempDir(), "missing"), remote)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "cannot stat")
	_, _, code = adb("push", bin, "/system/bin/x")
	assert.Equal(t, 1, code, "outside /data/local/tmp")
	_, _, code = adb("shell", "chmod", "755", "/data/local/tmp/../../system/bin/sh")
	assert.Equal(t, 1, code)

	// Every invocation was logged, one JSON line each.
	b, err := os.ReadFile(env[envLog])
	require.NoError(t, err)
	var n int
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var inv invocation
		require.NoError(t, json.Unmarshal(sc.Bytes(), &inv))
		assert.Equal(t, "adb", inv.Cmd)
		n++
	}
	assert.Equal(t, 8, n)
	assert.True(t, strings.HasPrefix(string(b), `{"cmd":"adb","args":["-s","8a3f21c7","shell","/data/local/tmp/unbind-agent","version"]}`))
}

func TestLink(t *testing.T) {
	dir := t.TempDir()
	_, errOut, code := invoke(t, nil, "fakephone", "link", dir)
	require.Equal(t, 0, code, errOut)
	for _, name := range append([]string{"adb"}, phoneCommands...) {
		target, err := os.Readlink(filepath.Join(dir, name))
		require.NoError(t, err, name)
		assert.True(t, filepath.IsAbs(target))
	}
	_, err := os.Lstat(filepath.Join(dir, "sh"))
	assert.True(t, os.IsNotExist(err), "sh must never be linked")

	_, _, code = invoke(t, nil, "fakephone")
	assert.Equal(t, exitUsage, code)
	_, _, code = invoke(t, nil, "fakephone", "fastboot")
	assert.Equal(t, exitUsage, code)
}

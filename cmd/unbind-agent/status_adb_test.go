//go:build unix

package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bench is a USB hub of phones as the fake adb reports them.
const bench = `8a3f21c7      device        bound-xiaomi
e41b9a06      device        clean-xiaomi
R5CW21XKQ7M   device        samsung-secure-folder
7d0e44a9      device        rooted
f3a2c8b1      device        unreadable
0b6c3f58      device        hanging-find-device
emulator-5554 offline
AAAA0001      unauthorized
`

// Account names the bench's phones hold; no output may show them.
var benchAccountNames = []string{
	"lena.hoffmann@example.com", "2807000558", "minjun.kim@example.net",
	"minjun.kim@example.com", "private.minjun@example.com",
}

// TestStatusThroughFakeADB runs the whole status path: the command line,
// android.ADB exec'ing adb with quoted words, the phone's shell unquoting
// them, the real parsers and the verdict.
func TestStatusThroughFakeADB(t *testing.T) {
	withFakePhones(t, bench)
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"bound xiaomi", []string{"--adb", "8a3f21c7"}, exitNotSafe, []string{"NOT SAFE", "Sign out of the Mi account"}},
		{"clean xiaomi", []string{"--adb", "e41b9a06"}, exitSafe, []string{"SAFE to reset"}},
		{"samsung with secure folder", []string{"--adb", "R5CW21XKQ7M"}, exitNotSafe, []string{"signed in for user 150", "samsung_reactivation"}},
		{"rooted", []string{"--adb", "7d0e44a9"}, exitNotSafe, []string{"NOT SAFE"}},
		{"dump denied", []string{"--adb", "f3a2c8b1"}, exitUnknown, []string{"COULD NOT TELL", "permission denial"}},
		{"find device hangs", []string{"--adb", "0b6c3f58", "--command-timeout", "2s"}, exitNotSafe, []string{"timed out", "treated as on"}},
		{"offline", []string{"--adb", "emulator-5554"}, exitError, []string{"Could not read emulator-5554 (device unreachable)"}},
		{"not attached", []string{"--adb", "NOPE"}, exitError, []string{"device unreachable"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runAgent(append([]string{"status"}, tc.args...)...)
			assert.Equal(t, tc.code, code, "stdout: %s\nstderr: %s", out, errOut)
			for _, w := range tc.want {
				assert.Contains(t, out, w)
			}
			for _, name := range benchAccountNames {
				assert.NotContains(t, out+errOut, name)
			}
		})
	}
}

func TestStatusAllThroughFakeADB(t *testing.T) {
	withFakePhones(t, bench)
	out, errOut, code := runAgent("status", "--adb", "all", "--command-timeout", "2s")
	assert.Equal(t, exitError, code, "stderr: %s", errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 13, out)
	var serials []string
	for _, l := range lines[1:9] {
		serials = append(serials, strings.Fields(l)[0])
	}
	assert.ElementsMatch(t, []string{"0b6c3f58", "7d0e44a9", "8a3f21c7", "AAAA0001", "R5CW21XKQ7M", "e41b9a06", "emulator-5554", "f3a2c8b1"}, serials)
	assert.Equal(t, []string{
		"8 phones: 1 safe, 4 not safe, 1 could not tell, 2 not checked",
		"  not safe: 0b6c3f58, 7d0e44a9, 8a3f21c7, R5CW21XKQ7M",
		"  could not tell: f3a2c8b1",
		"  not checked: AAAA0001, emulator-5554",
	}, lines[9:])

	out, _, code = runAgent("status", "--adb", "all", "--command-timeout", "2s", "--output", "json")
	assert.Equal(t, exitError, code)
	var got []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	require.Len(t, got, 8)
	verdicts := map[string]string{}
	for _, g := range got {
		device := g["device"].(map[string]any)
		verdicts[device["serial"].(string)] = g["verdict"].(string)
	}
	assert.Equal(t, map[string]string{
		"0b6c3f58": "at_risk", "7d0e44a9": "at_risk", "8a3f21c7": "at_risk", "AAAA0001": "error",
		"R5CW21XKQ7M": "at_risk", "e41b9a06": "safe", "emulator-5554": "error", "f3a2c8b1": "unknown",
	}, verdicts)
}

// TestStatusOnThePhone: without --adb the agent runs the phone's commands
// itself, here the fake ones first on PATH.
func TestStatusOnThePhone(t *testing.T) {
	withFakePhones(t, bench)
	tests := []struct {
		profile string
		args    []string
		code    int
		want    string
	}{
		{"clean-xiaomi", nil, exitSafe, "SAFE to reset"},
		{"bound-xiaomi-miui", nil, exitNotSafe, "MIUI V140"},
		{"samsung-secure-folder", []string{"-o", "json"}, exitNotSafe, `"user": 150`},
		{"unreadable", nil, exitUnknown, "COULD NOT TELL"},
		{"hanging-find-device", []string{"--command-timeout", "2s"}, exitNotSafe, "timed out"},
		{"huawei-id", nil, exitNotSafe, "huawei_id"},
	}
	for _, tc := range tests {
		t.Run(tc.profile, func(t *testing.T) {
			t.Setenv("FAKEPHONE_PROFILE", tc.profile)
			out, errOut, code := runAgent(append([]string{"status"}, tc.args...)...)
			assert.Equal(t, tc.code, code, "stdout: %s\nstderr: %s", out, errOut)
			assert.Contains(t, out, tc.want)
		})
	}
}

//go:build unix

package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/phonecheck"
)

// TestNoADB: on a bench PC without adb, every command that reads phones
// over adb says adb is missing and how to get it (never the cable), exits
// 3, and -o json prints a JSON error object rather than nothing.
func TestNoADB(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no adb anywhere
	missing := filepath.Join(t.TempDir(), "platform-tools", "adb")
	tests := []struct {
		name string
		args []string
		json bool
	}{
		{"status all", []string{"status", "--adb", "all"}, false},
		{"status one", []string{"status", "--adb", "R58M12ABCDE"}, false},
		{"status all json", []string{"status", "--adb", "all", "-o", "json"}, true},
		{"status one json", []string{"status", "--adb", "R58M12ABCDE", "-o", "json"}, true},
		{"status, --adb-path wrong", []string{"status", "--adb", "all", "--adb-path", missing}, false},
		{"capture", []string{"capture", "--adb", "all", "--out", t.TempDir()}, false},
		{"install", []string{"install", "--adb", "all", "--broker", "tcp://127.0.0.1:1883"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runAgent(tc.args...)
			assert.Equal(t, exitError, code, "stdout: %s\nstderr: %s", out, errOut)
			assert.Contains(t, errOut, "adb not found")
			assert.Contains(t, errOut, "sudo apt install adb")
			assert.Contains(t, errOut, "Platform-Tools")
			assert.Contains(t, errOut, "--adb-path")
			assert.NotContains(t, errOut, "executable file not found")
			assert.NotContains(t, out+errOut, "cable")
			if tc.json {
				var got phonecheck.JSONFailure
				require.NoError(t, json.Unmarshal([]byte(out), &got), "stdout: %q", out)
				assert.Equal(t, phonecheck.VerdictError, got.Verdict)
				assert.Contains(t, got.Error, "adb not found")
			}
		})
	}
}

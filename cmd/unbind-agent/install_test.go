package main

import (
	"bytes"
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/internal/cli"
)

func TestNewInstallCmdFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    installOptions
		wantErr string
	}{
		{"defaults", []string{"--adb", "all"}, installOptions{
			ADBSerial: "all", ADBPath: "adb", BrokerURL: "tcp://127.0.0.1:1883", Dist: "dist", Timeout: 2 * time.Minute, Parallel: 4,
		}, ""},
		{"run flags after --", []string{"--adb", "R58M", "--broker", "tcp://10.0.0.2:1883", "--dist", "/tmp/d", "--", "--interval", "30s"}, installOptions{
			ADBSerial: "R58M", ADBPath: "adb", BrokerURL: "tcp://10.0.0.2:1883", Dist: "/tmp/d", Timeout: 2 * time.Minute, Parallel: 4,
			RunArgs: []string{"--interval", "30s"},
		}, ""},
		{"enroll one phone", []string{"--adb", "R58M", "--token", "tok", "--controller", "http://127.0.0.1:8080"}, installOptions{
			ADBSerial: "R58M", ADBPath: "adb", BrokerURL: "tcp://127.0.0.1:1883", Dist: "dist", Timeout: 2 * time.Minute, Parallel: 4,
			Token: "tok", Controller: "http://127.0.0.1:8080",
		}, ""},
		{"no phone", nil, installOptions{}, "--adb"},
		{"token without controller", []string{"--adb", "R58M", "--token", "tok"}, installOptions{}, "go together"},
		{"one token for all", []string{"--adb", "all", "--token", "tok", "--controller", "http://127.0.0.1:8080"}, installOptions{}, "enrolls one phone"},
		{"stray argument", []string{"--adb", "all", "R58M"}, installOptions{}, "unexpected argument"},
		{"no timeout", []string{"--adb", "all", "--timeout", "0s"}, installOptions{}, "--timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got *installOptions
			cmd := newInstallCmd(cli.Streams{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}, func(_ context.Context, o *installOptions) error {
				got = o
				return nil
			})
			cmd.SetArgs(tc.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, errUsage)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got)
			assert.Equal(t, tc.want, *got)
		})
	}
}

func TestPhoneBroker(t *testing.T) {
	tests := []struct {
		in, url, reverse string
		wantErr          bool
	}{
		{"tcp://127.0.0.1:1883", "tcp://127.0.0.1:1883", "1883", false},
		{"tcp://localhost:1884", "tcp://127.0.0.1:1884", "1884", false},
		{"mqtt://localhost", "mqtt://127.0.0.1:1883", "1883", false},
		{"ssl://127.0.0.1", "ssl://127.0.0.1:8883", "8883", false},
		{"tcp://[::1]:1883", "tcp://[::1]:1883", "1883", false},
		{"tcp://192.168.1.20:1883", "tcp://192.168.1.20:1883", "", false},
		{"tcp://bench.local:1883", "", "", true},
		{"gopher://127.0.0.1", "", "", true},
		{"127.0.0.1:1883", "", "", true},
		{"", "", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			url, reverse, err := phoneBroker(tc.in)
			if tc.wantErr {
				assert.ErrorIs(t, err, errUsage)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.url, url)
			assert.Equal(t, tc.reverse, reverse)
		})
	}
}

func TestPhoneController(t *testing.T) {
	tests := []struct {
		in, url, reverse string
		wantErr          bool
	}{
		{"http://localhost:8080", "http://127.0.0.1:8080", "8080", false},
		{"http://127.0.0.1", "http://127.0.0.1:80", "80", false},
		{"https://10.0.0.5/", "https://10.0.0.5:443/", "", false},
		{"http://controller:8080", "", "", true},
		{"tcp://127.0.0.1:1883", "", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			url, reverse, err := phoneController(tc.in)
			if tc.wantErr {
				assert.ErrorIs(t, err, errUsage)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.url, url)
			assert.Equal(t, tc.reverse, reverse)
		})
	}
}

func TestStartLine(t *testing.T) {
	line := android.StartLine("tcp://127.0.0.1:1883", []string{"--device-id", "bench 1", "--password", "it's"})
	assert.Equal(t, "cd /data/local/tmp && if command -v setsid >/dev/null 2>&1; then "+
		"setsid nohup ./unbind-agent run --broker tcp://127.0.0.1:1883 --device-id 'bench 1' --password 'it'\\''s' </dev/null >unbind-agent.log 2>&1 & "+
		"else nohup ./unbind-agent run --broker tcp://127.0.0.1:1883 --device-id 'bench 1' --password 'it'\\''s' </dev/null >unbind-agent.log 2>&1 & fi", line)
	// The phone's mksh and this host's sh agree on this much POSIX syntax.
	out, err := exec.Command("sh", "-n", "-c", line).CombinedOutput()
	assert.NoError(t, err, "%s", out)
}

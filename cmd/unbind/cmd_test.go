package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/internal/cli"
	"github.com/unbind/unbind/protocol"
)

// noLocalController gives the test an environment with no local
// controller, so that commands fall back to the built-in default API.
func noLocalController(t *testing.T) {
	t.Setenv("UNBIND_API", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
}

// executeQuiet runs cmd with args, discarding what it prints.
func executeQuiet(cmd *cobra.Command, args ...string) error {
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	return cmd.Execute()
}

func testStreams() (streams, *bytes.Buffer, *bytes.Buffer) {
	out, errb := &bytes.Buffer{}, &bytes.Buffer{}
	return streams{Out: out, Err: errb}, out, errb
}

func TestDevicesFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    devicesOptions
		wantErr bool
	}{
		{"defaults", nil, devicesOptions{API: "http://127.0.0.1:8080", Output: "table"}, false},
		{"filters and json", []string{"--bound", "--online", "-o", "json", "--api", "http://x:1"},
			devicesOptions{API: "http://x:1", Output: "json", Bound: true, Online: true}, false},
		{"bad output", []string{"-o", "yaml"}, devicesOptions{}, true},
		{"stray argument", []string{"extra"}, devicesOptions{}, true},
		{"maker and model", []string{"--manufacturer", "Xiaomi", "--model", "23127PN0CG"},
			devicesOptions{API: "http://127.0.0.1:8080", Output: "table", Manufacturer: "Xiaomi", Model: "23127PN0CG"}, false},
		{"safe and bound", []string{"--safe", "--bound"}, devicesOptions{}, true},
		{"unknown and safe", []string{"--unknown", "--safe"}, devicesOptions{}, true},
		{"online and offline", []string{"--online", "--offline"}, devicesOptions{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			noLocalController(t)
			var got *devicesOptions
			io, _, _ := testStreams()
			cmd := newDevicesCmd(io, func(_ context.Context, o *devicesOptions) error {
				got = o
				return nil
			})
			err := executeQuiet(cmd, tc.args...)
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, *got)
		})
	}
}

func state(id string, risks ...protocol.RiskKind) *protocol.DeviceState {
	s := &protocol.DeviceState{V: 1, DeviceID: id, Seq: 1, Report: protocol.Report{
		Device:      protocol.Identity{Serial: id, Manufacturer: "Xiaomi", Model: "Redmi Note 12"},
		SafeToReset: len(risks) == 0, Risks: []protocol.Risk{},
		FindDevice: protocol.TriOff, LostMode: protocol.TriOff, CheckedAt: time.Now().UTC(),
	}}
	for _, k := range risks {
		s.Risks = append(s.Risks, protocol.Risk{Kind: k, Check: "accounts", Evidence: "test", Account: "ja***@example.com"})
	}
	return s
}

// TestDevicesAndDeviceAgainstController runs the client commands against a
// real controller whose registry holds a bound, a safe and an unknown phone.
func TestDevicesAndDeviceAgainstController(t *testing.T) {
	c := startAuthed(t)
	now := time.Now().UTC()
	require.NoError(t, c.Registry().Apply(context.Background(), []registry.Update{
		{DeviceID: "bound1", ReceivedAt: now, State: state("bound1", protocol.RiskMiAccount, protocol.RiskFindDevice)},
		{DeviceID: "clean1", ReceivedAt: now, State: state("clean1")},
		{DeviceID: "dunno1", ReceivedAt: now, State: state("dunno1", protocol.RiskUnknown)},
		{DeviceID: "bound1", ReceivedAt: now, Presence: &protocol.Presence{V: 1, DeviceID: "bound1", Status: protocol.Online, At: now}},
	}))
	ctx := context.Background()

	io, out, _ := testStreams()
	require.NoError(t, devicesRun(ctx, io, &devicesOptions{API: c.APIURL(), Output: "table"}))
	table := out.String()
	assert.Contains(t, table, "VERDICT")
	assert.Regexp(t, `bound1 .* at_risk +mi_account,find_device +yes`, table)
	assert.Regexp(t, `clean1 .* safe `, table)
	assert.Regexp(t, `dunno1 .* unknown `, table)

	io, out, _ = testStreams()
	require.NoError(t, devicesRun(ctx, io, &devicesOptions{API: c.APIURL(), Output: "json", Safe: true}))
	var listed []registry.Device
	require.NoError(t, json.Unmarshal(out.Bytes(), &listed))
	require.Len(t, listed, 1)
	assert.Equal(t, "clean1", listed[0].ID)

	io, out, _ = testStreams()
	require.NoError(t, deviceRun(ctx, io, &deviceOptions{API: c.APIURL(), Output: "table", ID: "bound1"}))
	assert.Contains(t, out.String(), "Verdict      at_risk")
	assert.Contains(t, out.String(), "State history")
	assert.Regexp(t, `at_risk +find_device,mi_account `, out.String(), "risk kinds comma-joined as in devices")
	assert.NotContains(t, out.String(), "[mi_account")

	// --manufacturer and --model match the whole value in any case.
	for _, tc := range []struct {
		f    devicesOptions
		want []string
	}{
		{devicesOptions{Manufacturer: "xiaomi"}, []string{"bound1", "clean1", "dunno1"}},
		{devicesOptions{Manufacturer: "Xiao"}, nil},
		{devicesOptions{Manufacturer: "Xiaomi", Model: "REDMI NOTE 12", Safe: true}, []string{"clean1"}},
		{devicesOptions{Model: "Pixel 8"}, nil},
	} {
		io, out, _ = testStreams()
		f := tc.f
		f.API, f.Output = c.APIURL(), "json"
		require.NoError(t, devicesRun(ctx, io, &f))
		var got []registry.Device
		require.NoError(t, json.Unmarshal(out.Bytes(), &got))
		var ids []string
		for _, d := range got {
			ids = append(ids, d.ID)
		}
		assert.Equal(t, tc.want, ids, "%+v", tc.f)
	}

	// device -o json is the object devices -o json lists, plus its histories.
	io, out, _ = testStreams()
	require.NoError(t, devicesRun(ctx, io, &devicesOptions{API: c.APIURL(), Output: "json", Bound: true}))
	var fromList []map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &fromList))
	require.Len(t, fromList, 1)
	io, out, _ = testStreams()
	require.NoError(t, deviceRun(ctx, io, &deviceOptions{API: c.APIURL(), Output: "json", ID: "bound1"}))
	var shown map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &shown))
	for _, k := range []string{"state_history", "presence_history", "commands"} {
		assert.Contains(t, shown, k)
		delete(shown, k)
	}
	assert.Equal(t, fromList[0], shown)

	io, _, _ = testStreams()
	err := deviceRun(ctx, io, &deviceOptions{API: c.APIURL(), Output: "table", ID: "nope"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `device "nope" not found`)
}

func TestClientSaysWhenControllerIsDown(t *testing.T) {
	io, _, _ := testStreams()
	err := devicesRun(context.Background(), io, &devicesOptions{API: "http://127.0.0.1:1", Output: "table"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is `unbind serve` running?")
}

func TestServeReportsTakenPortWithFlag(t *testing.T) {
	c := startAuthed(t)
	taken := c.APIURL()[len("http://"):]
	io, _, _ := testStreams()
	err := serveRun(context.Background(), io, &serveOptions{
		DBPath: t.TempDir() + "/r.db", MQTTListen: "127.0.0.1:0", HTTPListen: taken, LogLevel: "error",
	})
	require.Error(t, err)
	assert.Equal(t, taken+" is already in use; pass --http-listen with another address", err.Error())
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, errb := &bytes.Buffer{}, &bytes.Buffer{}
		assert.Equal(t, exitOK, run(args, out, errb), args)
		assert.Equal(t, "unbind dev\n", out.String(), args)
	}
}

// TestUsageErrorsExit2: every error in how unbind was called exits 2, the
// ones cobra finds before a command runs included.
func TestUsageErrorsExit2(t *testing.T) {
	noLocalController(t)
	tests := [][]string{
		{"devices", "--no-such-flag"},
		{"no-such-command"},
		{"devices", "extra"},
		{"device"},
		{"cert", "verify"},
		{"audit", "a", "b"},
		{"devices", "-o", "yaml"},
		{"devices", "--safe", "--bound"},
		{"devices", "--online", "--offline"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, errb := &bytes.Buffer{}, &bytes.Buffer{}
			assert.Equal(t, exitUsage, run(args, out, errb), errb.String())
			assert.Contains(t, errb.String(), "unbind: usage: ")
		})
	}
}

func TestCommandsAndCancel(t *testing.T) {
	c := startAuthed(t)
	ctx := context.Background()
	now := time.Now().UTC()
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{{DeviceID: "off1", ReceivedAt: now, State: state("off1")}}))
	cmd, err := c.SendCommand(ctx, "off1", protocol.CommandSignOut)
	require.NoError(t, err)

	io, out, _ := testStreams()
	require.NoError(t, commandsRun(ctx, io, &commandsOptions{API: c.APIURL(), Output: "table", ID: "off1"}))
	assert.Regexp(t, cmd.ID+` +sign_out +queued`, out.String())

	io, out, _ = testStreams()
	require.NoError(t, cancelRun(ctx, io, &cancelOptions{API: c.APIURL(), Output: "table", ID: cmd.ID}))
	assert.Contains(t, out.String(), "cancel requested")
	rec, err := c.Registry().Command(ctx, cmd.ID)
	require.NoError(t, err)
	assert.Equal(t, protocol.CommandCanceled, rec.State, "never delivered: canceled at once")

	io, _, _ = testStreams()
	err = cancelRun(ctx, io, &cancelOptions{API: c.APIURL(), Output: "table", ID: cmd.ID})
	assert.ErrorContains(t, err, "already finished")
	err = cancelRun(ctx, io, &cancelOptions{API: c.APIURL(), Output: "table", ID: "nope"})
	assert.EqualError(t, err, `command "nope" not found`)
}

func TestReleaseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"ids", []string{"a", "b", "--note", "batch 7"}, ""},
		{"nothing selected", []string{"--note", "x"}, "exactly one"},
		{"two selections", []string{"a", "--all"}, "exactly one"},
		{"free-text operator is gone", []string{"--all", "--operator", "alice"}, "unknown flag: --operator"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			io, _, _ := testStreams()
			var got *releaseOptions
			cmd := newReleaseCmd(io, func(_ context.Context, o *releaseOptions) error { got = o; return nil })
			err := executeQuiet(cmd, tc.args...)
			if tc.wantErr != "" {
				assert.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []string{"a", "b"}, got.DeviceIDs)
		})
	}
}

// TestReleaseWaitReportsFailure: a phone that never answers ends as failed
// at its timeout; --wait shows progress and exits non-zero.
func TestReleaseWaitReportsFailure(t *testing.T) {
	c := startAuthed(t)
	ctx := context.Background()
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{{DeviceID: "gone1", ReceivedAt: time.Now().UTC(), State: state("gone1", protocol.RiskGoogleFRP)}}))
	io, out, errb := testStreams()
	err := releaseRun(ctx, io, &releaseOptions{
		API: c.APIURL(), Output: "json", DeviceIDs: []string{"gone1"},
		Timeout: time.Second, Wait: true, Poll: 50 * time.Millisecond,
	})
	assert.Equal(t, cli.ExitError{Code: exitError}, err)
	events, summary := parseWaitLines(t, out.String())
	require.NotEmpty(t, events, errb.String())
	last := events[len(events)-1]
	assert.Equal(t, "gone1", last.Device)
	assert.True(t, last.Finished)
	assert.Equal(t, "failed", last.Outcome)
	assert.Contains(t, last.Reason, "timed out")
	assert.Equal(t, map[string]int{"failed": 1}, summary.Outcomes)
	require.Len(t, summary.Releases, 1)
	assert.Equal(t, "failed", summary.Releases[0].Outcome)
}

func TestMonitor(t *testing.T) {
	c := startAuthed(t)
	io, out, _ := testStreams()
	require.NoError(t, monitorRun(context.Background(), io, &monitorOptions{API: c.APIURL(), Output: "table", Name: "screen"}))
	assert.Contains(t, out.String(), "username: unbind/monitor/screen")
	assert.Contains(t, out.String(), "mosquitto_sub -h 127.0.0.1")
	io, _, _ = testStreams()
	err := monitorRun(context.Background(), io, &monitorOptions{API: c.APIURL(), Output: "table", Name: "a/b"})
	assert.ErrorContains(t, err, "holds '/'")
}

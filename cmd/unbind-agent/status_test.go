package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/android/phonecheck"
	"github.com/unbind/unbind/internal/cli"
	"github.com/unbind/unbind/internal/cli/clitest"
	"github.com/unbind/unbind/protocol"
)

func TestNewStatusCmdFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    statusOptions
		wantErr string
	}{
		{"defaults", nil, statusOptions{
			phoneOptions: phoneOptions{ADBPath: "adb", CommandTimeout: 10 * time.Second},
			Output:       "text", Parallel: 4, LogLevel: "warn",
		}, ""},
		{"bench", []string{"--adb", "all", "-o", "json", "--parallel", "8", "--adb-path", "/opt/adb", "--command-timeout", "3s", "--show-account-names"}, statusOptions{
			phoneOptions: phoneOptions{ADBSerial: "all", ADBPath: "/opt/adb", CommandTimeout: 3 * time.Second, ShowAccountNames: true},
			Output:       "json", Parallel: 8, LogLevel: "warn",
		}, ""},
		{"table is text", []string{"-o", "table"}, statusOptions{
			phoneOptions: phoneOptions{ADBPath: "adb", CommandTimeout: 10 * time.Second},
			Output:       "text", Parallel: 4, LogLevel: "warn",
		}, ""},
		{"bad output", []string{"--output", "yaml"}, statusOptions{}, "--output"},
		{"no parallelism", []string{"--parallel", "0"}, statusOptions{}, "--parallel"},
		{"no timeout", []string{"--command-timeout", "0s"}, statusOptions{}, "--command-timeout"},
		{"arguments", []string{"R58M"}, statusOptions{}, "unknown command"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got *statusOptions
			cmd := newStatusCmd(cli.Streams{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}, func(_ context.Context, o *statusOptions) error {
				got = o
				return nil
			})
			cmd.SetArgs(tc.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				assert.Nil(t, got, "runF must not run")
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got)
			assert.Equal(t, tc.want, *got)
		})
	}
}

// simSource serves simulated phones as if attached over adb, plus phones
// adb lists but cannot use. transport("") is the first phone.
func simSource(phones []*androidsim.Phone, unusable ...android.ADBDevice) *phonecheck.Source {
	bySerial := map[string]*androidsim.Phone{}
	var devs []android.ADBDevice
	for _, p := range phones {
		bySerial[p.Serial()] = p
		devs = append(devs, android.ADBDevice{Serial: p.Serial(), State: "device"})
	}
	devs = append(devs, unusable...)
	return &phonecheck.Source{
		Transport: func(serial string) android.Transport {
			if serial == "" {
				return phones[0]
			}
			return bySerial[serial]
		},
		List: func(context.Context) ([]android.ADBDevice, error) { return devs, nil },
	}
}

// exitOf is the exit code run would turn err into.
func exitOf(err error) int {
	return cli.Streams{Out: io.Discard, Err: io.Discard}.Exit(context.Background(), "unbind-agent", err, exitCodes)
}

func statusOpts(adb, output string) *statusOptions {
	return &statusOptions{
		phoneOptions: phoneOptions{ADBSerial: adb, CommandTimeout: 5 * time.Second},
		Output:       output, Parallel: 4, LogLevel: "warn",
	}
}

func runStatus(t *testing.T, opts *statusOptions) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := statusRun(ctx, cli.Streams{Out: &out, Err: &errb}, opts)
	return out.String(), errb.String(), exitOf(err)
}

func unreachable() androidsim.Options {
	o := androidsim.CleanXiaomi()
	o.Identity.Serial = "GONE0001"
	o.Faults.Unreachable = true
	return o
}

var statusCases = []struct {
	name    string
	opts    func() androidsim.Options
	timeout time.Duration
	code    int
	verdict string
	kinds   []protocol.RiskKind
	// text holds what the human output must say.
	text []string
}{
	{"bound xiaomi", androidsim.BoundXiaomi, 0, exitNotSafe, "at_risk",
		[]protocol.RiskKind{protocol.RiskMiAccount, protocol.RiskFindDevice, protocol.RiskGoogleFRP},
		[]string{"NOT SAFE to reset", "serial 8a3f21c7", "HyperOS OS1.0", "com.xiaomi account signed in for user 0",
			"Sign out of the Mi account of the owner (user 0)", "Remove the Google account of the owner (user 0)",
			"Find Device is treated as on", "reset from Settings only"}},
	{"clean xiaomi", androidsim.CleanXiaomi, 0, exitSafe, "safe", nil,
		[]string{"SAFE to reset", "Redmi 23124RA7EO", "reset it from the phone's Settings"}},
	{"samsung with secure folder", androidsim.SamsungWithSecureFolder, 0, exitNotSafe, "at_risk",
		[]protocol.RiskKind{protocol.RiskGoogleFRP, protocol.RiskGoogleFRP, protocol.RiskSamsungReactivation},
		[]string{"NOT SAFE", "signed in for user 150", "Remove the Google account of user 150 (switch to that user",
			"Sign out of the Samsung account of the owner (user 0)"}},
	{"rooted", androidsim.Rooted, 0, exitNotSafe, "at_risk",
		[]protocol.RiskKind{protocol.RiskMiAccount, protocol.RiskFindDevice, protocol.RiskGoogleFRP},
		[]string{"NOT SAFE", "POCO 23049PCD8G"}},
	{"dump denied", androidsim.Unreadable, 0, exitUnknown, "unknown",
		[]protocol.RiskKind{protocol.RiskUnknown, protocol.RiskUnknown},
		[]string{"COULD NOT TELL", "could not verify: permission denial", "Check the accounts by hand"}},
	{"find device hangs", androidsim.HangingFindDevice, time.Second, exitNotSafe, "at_risk",
		[]protocol.RiskKind{protocol.RiskMiAccount, protocol.RiskFindDevice, protocol.RiskGoogleFRP},
		[]string{"NOT SAFE", "timed out", "Find Device is treated as on"}},
	{"lost mode", androidsim.LostModeXiaomi, 0, exitNotSafe, "at_risk",
		[]protocol.RiskKind{protocol.RiskMiAccount, protocol.RiskFindDevice, protocol.RiskGoogleFRP, protocol.RiskLostMode},
		[]string{"Do not reset: the phone is locked remotely"}},
	{"huawei id", androidsim.HuaweiID, 0, exitNotSafe, "at_risk",
		[]protocol.RiskKind{protocol.RiskHuaweiID}, []string{"Sign out of the HUAWEI ID"}},
	{"unreachable", unreachable, 0, exitError, "error",
		[]protocol.RiskKind{protocol.RiskUnknown}, []string{"Could not read GONE0001 (device unreachable): treat it as NOT SAFE"}},
}

func TestStatusRun(t *testing.T) {
	for _, tc := range statusCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, output := range []string{"text", "json"} {
				phone := androidsim.New(tc.opts())
				opts := statusOpts(phone.Serial(), output)
				if tc.timeout > 0 {
					opts.CommandTimeout = tc.timeout
				}
				opts.phones = simSource([]*androidsim.Phone{phone})
				out, errOut, code := runStatus(t, opts)
				assert.Equal(t, tc.code, code, "%s exit code; stderr: %s", output, errOut)
				assertNoAccountNames(t, phone, out+errOut)

				if output == "text" {
					for _, want := range tc.text {
						assert.Contains(t, out, want)
					}
					continue
				}
				var got phonecheck.JSON
				require.NoError(t, json.Unmarshal([]byte(out), &got), out)
				assert.Equal(t, tc.verdict, got.Verdict)
				assert.Equal(t, tc.code == exitSafe, got.SafeToReset)
				assert.Equal(t, phone.Serial(), got.Device.Serial)
				var kinds []protocol.RiskKind
				for _, r := range got.Risks {
					kinds = append(kinds, r.Kind)
					assert.NotEmpty(t, r.Check, "every risk names its check")
					assert.NotEmpty(t, r.Evidence, "every risk has evidence")
				}
				assert.Equal(t, tc.kinds, kinds)
			}
		})
	}
}

// TestStatusJSONFields: the fields the issue promises, by name.
func TestStatusJSONFields(t *testing.T) {
	phone := androidsim.New(androidsim.SamsungWithSecureFolder())
	opts := statusOpts(phone.Serial(), "json")
	opts.phones = simSource([]*androidsim.Phone{phone})
	out, _, _ := runStatus(t, opts)

	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	device, ok := got["device"].(map[string]any)
	require.True(t, ok, out)
	assert.Equal(t, map[string]any{
		"serial": "R5CW21XKQ7M", "manufacturer": "samsung", "brand": "samsung", "model": "SM-S911B",
		"android_version": "14", "sdk": float64(34), "imei": "352846111907747", "serial_source": "getprop",
	}, device)
	assert.Equal(t, false, got["safe_to_reset"])
	assert.Equal(t, "at_risk", got["verdict"])
	risks, ok := got["risks"].([]any)
	require.True(t, ok)
	require.Len(t, risks, 3)
	assert.Equal(t, map[string]any{
		"kind": "google_frp", "user": float64(150), "check": "accounts",
		"evidence": "com.google account signed in for user 150",
	}, risks[1])
}

func TestStatusRunShowAccountNames(t *testing.T) {
	for _, show := range []bool{false, true} {
		phone := androidsim.New(androidsim.BoundXiaomi())
		opts := statusOpts("", "json")
		opts.ShowAccountNames = show
		opts.phones = simSource([]*androidsim.Phone{phone})
		out, _, code := runStatus(t, opts)
		require.Equal(t, exitNotSafe, code)
		if !show {
			assertNoAccountNames(t, phone, out)
			continue
		}
		for _, a := range phone.Accounts() {
			assert.Contains(t, out, a.Name, "--show-account-names shows %s", a.Type)
		}
	}
}

// assertNoAccountNames fails if out holds any account name of phone.
func assertNoAccountNames(t *testing.T, phone *androidsim.Phone, out string) {
	t.Helper()
	for _, a := range phone.Accounts() {
		assert.NotContains(t, out, a.Name, "account name of type %s leaked", a.Type)
	}
}

func TestStatusRunAll(t *testing.T) {
	phones := []*androidsim.Phone{
		androidsim.New(androidsim.SamsungWithSecureFolder()),
		androidsim.New(androidsim.CleanXiaomi()),
		androidsim.New(androidsim.Unreadable()),
		androidsim.New(androidsim.BoundXiaomi()),
		androidsim.New(androidsim.HangingFindDevice()),
	}
	unusable := []android.ADBDevice{{Serial: "emulator-5554", State: "offline"}, {Serial: "AAAA0001", State: "unauthorized"}}

	t.Run("text", func(t *testing.T) {
		opts := statusOpts(adbAll, "text")
		opts.CommandTimeout = time.Second
		opts.phones = simSource(phones, unusable...)
		out, errOut, code := runStatus(t, opts)
		assert.Equal(t, exitError, code, "the worst: two phones were not checked; stderr: %s", errOut)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		require.Len(t, lines, 12, out)
		// Lines come in the order phones finish; put them in serial order.
		slices.SortFunc(lines[1:8], func(a, b string) int { return strings.Compare(strings.Fields(a)[0], strings.Fields(b)[0]) })
		want := []struct{ serial, verdict, risks string }{
			{"0b6c3f58", "NOT SAFE", "mi_account,find_device,google_frp"},
			{"8a3f21c7", "NOT SAFE", "mi_account,find_device,google_frp"},
			{"AAAA0001", "unauthorized", "accept the USB debugging prompt"},
			{"R5CW21XKQ7M", "NOT SAFE", "google_frp,samsung_reactivation"},
			{"e41b9a06", "safe", "-"},
			{"emulator-5554", "offline", "reconnect"},
			{"f3a2c8b1", "could not tell", "unknown"},
		}
		assert.True(t, strings.HasPrefix(lines[0], "SERIAL"))
		for i, w := range want {
			line := lines[i+1]
			assert.True(t, strings.HasPrefix(line, w.serial+" "), "line %d: %q", i+1, line)
			assert.Contains(t, line, " "+w.verdict+" ")
			assert.Contains(t, line, w.risks)
		}
		assert.Equal(t, []string{
			"7 phones: 1 safe, 3 not safe, 1 could not tell, 2 not checked",
			"  not safe: 0b6c3f58, 8a3f21c7, R5CW21XKQ7M",
			"  could not tell: f3a2c8b1",
			"  not checked: AAAA0001, emulator-5554",
		}, lines[8:])
		for _, p := range phones {
			assertNoAccountNames(t, p, out+errOut)
		}
	})

	t.Run("json", func(t *testing.T) {
		opts := statusOpts(adbAll, "json")
		opts.CommandTimeout = time.Second
		opts.phones = simSource(phones[:2], unusable[:1]...)
		out, _, code := runStatus(t, opts)
		assert.Equal(t, exitError, code)
		var got []phonecheck.JSON
		require.NoError(t, json.Unmarshal([]byte(out), &got), out)
		require.Len(t, got, 3)
		assert.Equal(t, "R5CW21XKQ7M", got[0].Device.Serial)
		assert.Equal(t, "at_risk", got[0].Verdict)
		assert.Equal(t, "e41b9a06", got[1].Device.Serial)
		assert.Equal(t, "safe", got[1].Verdict)
		assert.True(t, got[1].SafeToReset)
		off := got[2]
		assert.Equal(t, "emulator-5554", off.Device.Serial)
		assert.Equal(t, "error", off.Verdict)
		assert.Equal(t, "offline", off.ADBState)
		assert.False(t, off.SafeToReset)
		require.Len(t, off.Risks, 1)
		assert.Equal(t, protocol.RiskUnknown, off.Risks[0].Kind)
	})

	t.Run("only safe phones", func(t *testing.T) {
		opts := statusOpts(adbAll, "text")
		opts.phones = simSource([]*androidsim.Phone{androidsim.New(androidsim.CleanXiaomi())})
		out, _, code := runStatus(t, opts)
		assert.Equal(t, exitSafe, code)
		assert.Contains(t, out, "1 phones: 1 safe, 0 not safe")
	})

	t.Run("no phone", func(t *testing.T) {
		opts := statusOpts(adbAll, "text")
		opts.phones = &phonecheck.Source{List: func(context.Context) ([]android.ADBDevice, error) { return nil, nil }}
		_, _, code := runStatus(t, opts)
		assert.Equal(t, exitError, code)
	})
}

func TestStatusRunInterrupted(t *testing.T) {
	phone := androidsim.New(androidsim.HangingFindDevice())
	opts := statusOpts("", "text")
	opts.CommandTimeout = time.Hour
	opts.phones = simSource([]*androidsim.Phone{phone})
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	errc := make(chan error, 1)
	go func() { errc <- statusRun(ctx, cli.Streams{Out: &out, Err: &bytes.Buffer{}}, opts) }()
	// The phone hangs on its Find Device query until the check is stopped.
	require.Eventually(t, func() bool {
		for _, c := range phone.Calls() {
			if len(c.Argv) > 0 && c.Argv[0] == "content" {
				return true
			}
		}
		return false
	}, time.Minute, 10*time.Millisecond)
	cancel()
	err := <-errc
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, out.String(), "an interrupted check prints no verdict")
}

// TestStatusRunNotAPhone: status without --adb on a machine without getprop
// says it is not a phone, shows how to read phones over adb, and exits 3.
func TestStatusRunNotAPhone(t *testing.T) {
	tests := []struct {
		name     string
		lookPath func(string) (string, error)
		opts     statusOptions
		wantCode int
	}{
		{"getprop missing", func(string) (string, error) { return "", exec.ErrNotFound }, statusOptions{}, exitError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			opts := tc.opts
			opts.Output, opts.Parallel, opts.LogLevel = "text", 1, "warn"
			opts.CommandTimeout = time.Second
			opts.lookPath = tc.lookPath
			io := cli.Streams{Out: &out, Err: &errb}
			err := statusRun(context.Background(), io, &opts)
			require.ErrorIs(t, err, errNotAPhone)
			assert.Equal(t, tc.wantCode, io.Exit(context.Background(), "unbind-agent", err, exitCodes))
			assert.Empty(t, out.String(), "no verdict for a phone that was never read")
			for _, want := range []string{"not an Android phone", "--adb SERIAL", "--adb all"} {
				assert.Contains(t, errb.String(), want)
			}
			assert.NotContains(t, errb.String(), "COULD NOT TELL")
		})
	}
}

// TestStatusRunNotAPhoneSkippedWithADB: the getprop check is only for the
// local phone; --adb and --from-capture never look for getprop here.
func TestStatusRunNotAPhoneSkippedWithADB(t *testing.T) {
	for _, opts := range []statusOptions{
		{phoneOptions: phoneOptions{ADBSerial: "R58M"}},
		{phoneOptions: phoneOptions{ADBSerial: adbAll}},
		{FromCapture: t.TempDir()},
	} {
		opts.lookPath = func(string) (string, error) {
			t.Fatal("getprop looked up although the phone is not local")
			return "", nil
		}
		require.NoError(t, opts.checkLocalPhone())
	}
}

func TestAgentVersionAndUsageExits(t *testing.T) {
	tests := []struct {
		args    []string
		want    int
		wantOut string
	}{
		{[]string{"--version"}, exitSafe, "unbind-agent dev\n"},
		{[]string{"version"}, exitSafe, "unbind-agent dev\n"},
		{[]string{"no-such-command"}, exitUsage, ""},
		{[]string{"status", "extra"}, exitUsage, ""},
		{[]string{"status", "--no-such-flag"}, exitUsage, ""},
		{[]string{"status", "-o", "yaml"}, exitUsage, ""},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			assert.Equal(t, tc.want, run(tc.args, &out, &errb), errb.String())
			assert.Equal(t, tc.wantOut, out.String())
		})
	}
}

// gated is a phone whose every command waits until gate is closed.
type gated struct {
	android.Transport
	gate <-chan struct{}
}

func (g gated) Run(ctx context.Context, argv ...string) (android.Result, error) {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return android.Result{}, ctx.Err()
	}
	return g.Transport.Run(ctx, argv...)
}

// TestStatusAllStreams: with --adb all, each phone's line is printed when
// that phone is done. The slow phone is held until the others' lines are
// out, so the order is fixed by the test, not by timing.
func TestStatusAllStreams(t *testing.T) {
	fast := []*androidsim.Phone{
		androidsim.New(androidsim.CleanXiaomi()),
		androidsim.New(androidsim.SamsungWithSecureFolder()),
		androidsim.New(androidsim.Unreadable()),
	}
	slow := androidsim.New(androidsim.BoundXiaomi())
	gate := make(chan struct{})
	src := simSource(append(slices.Clone(fast), slow), android.ADBDevice{Serial: "AAAA0001", State: "unauthorized"})
	inner := src.Transport
	src.Transport = func(serial string) android.Transport {
		if serial == slow.Serial() {
			return gated{Transport: inner(serial), gate: gate}
		}
		return inner(serial)
	}
	opts := statusOpts(adbAll, "table")
	opts.Output = "text" // as -o table leaves it
	opts.phones = src
	out := &clitest.SyncBuffer{}
	done := make(chan error, 1)
	go func() { done <- statusRun(context.Background(), cli.Streams{Out: out, Err: io.Discard}, opts) }()

	require.Eventually(t, func() bool {
		s := out.String()
		for _, p := range fast {
			if !strings.Contains(s, "\n"+p.Serial()+" ") {
				return false
			}
		}
		return strings.Contains(s, "\nAAAA0001 ")
	}, time.Minute, 10*time.Millisecond, "the fast phones' lines, while the slow phone is still held")
	assert.NotContains(t, out.String(), slow.Serial(), "the held phone is not done yet")
	assert.NotContains(t, out.String(), "phones:", "no summary before every phone is done")
	close(gate)
	err := <-done
	assert.Equal(t, exitError, exitOf(err), "one phone was not checked")

	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.GreaterOrEqual(t, len(lines), 7, out.String())
	assert.True(t, strings.HasPrefix(lines[0], "SERIAL "))
	assert.True(t, strings.HasPrefix(lines[5], slow.Serial()+" "), "the slow phone comes last: %q", lines[5])
	assert.Equal(t, "5 phones: 1 safe, 2 not safe, 1 could not tell, 1 not checked", lines[6])
	assert.Equal(t, "  not safe: "+strings.Join(sortedOf(slow.Serial(), fast[1].Serial()), ", "), lines[7])
}

func sortedOf(s ...string) []string {
	slices.Sort(s)
	return s
}

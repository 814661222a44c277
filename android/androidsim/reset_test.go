package androidsim_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
)

const resetLine = "am broadcast -a android.intent.action.FACTORY_RESET -p android"

func TestResetBroadcast(t *testing.T) {
	tests := []struct {
		name      string
		opts      func() androidsim.Options
		argv      []string
		exit      int
		wantReset bool
		locks     []string
	}{
		{
			name: "root via su -c wipes and keeps the armed locks", opts: androidsim.Rooted,
			argv: []string{"su", "-c", resetLine}, wantReset: true,
			locks: []string{androidsim.LockGoogleFRP, androidsim.LockMiAccount},
		},
		{
			name: "root via su 0 wipes", opts: androidsim.Rooted,
			argv: []string{"su", "0", "am", "broadcast", "-a", androidsim.ActionFactoryReset, "-p", "android"}, wantReset: true,
			locks: []string{androidsim.LockGoogleFRP, androidsim.LockMiAccount},
		},
		{
			name: "root without -p android reaches no receiver", opts: androidsim.Rooted,
			argv: []string{"su", "-c", "am broadcast -a android.intent.action.FACTORY_RESET"},
		},
		{
			name: "shell is refused", opts: androidsim.BoundXiaomi,
			argv: []string{"am", "broadcast", "-a", androidsim.ActionFactoryReset, "-p", "android"}, exit: 255,
		},
		{
			name: "su missing", opts: androidsim.BoundXiaomi, argv: []string{"su", "-c", resetLine}, exit: 127,
		},
		{
			name: "root on a clean phone leaves no lock", opts: func() androidsim.Options {
				o := androidsim.CleanXiaomi()
				o.Rooted = true
				return o
			},
			argv: []string{"su", "-c", resetLine}, wantReset: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := androidsim.New(tc.opts())
			res := run(t, p, tc.argv...)
			assert.Equal(t, tc.exit, res.ExitCode, "stderr: %s", res.Stderr)
			assert.Equal(t, tc.wantReset, p.WasReset())
			if !tc.wantReset {
				assert.Zero(t, p.ResetCount())
				return
			}
			assert.Equal(t, 1, p.ResetCount())
			rs := p.Resets()
			require.Len(t, rs, 1)
			assert.Equal(t, androidsim.ResetBroadcast, rs[0].Method)
			assert.Equal(t, tc.locks, rs[0].Locks)
			assert.Equal(t, tc.locks, p.LocksAfterReset())
			assert.Empty(t, p.Accounts())
			assert.False(t, p.FindDevice())
			assert.Equal(t, "0\n", string(run(t, p, "settings", "get", "global", "device_provisioned").Stdout))
			assert.Equal(t, "Users:\n\tUserInfo{0:Owner:c13} running\n", string(run(t, p, "pm", "list", "users").Stdout))
			assert.True(t, p.Rooted(), "root lives in the boot image")
		})
	}
}

func TestResetShellRefusal(t *testing.T) {
	p := androidsim.New(androidsim.BoundXiaomi())
	res := run(t, p, "am", "broadcast", "-a", androidsim.ActionFactoryReset, "-p", "android")
	assert.Contains(t, string(res.Stderr),
		"Security exception: Permission Denial: not allowed to send broadcast android.intent.action.FACTORY_RESET")
	assert.Len(t, p.Accounts(), 2)
}

func TestResetScreen(t *testing.T) {
	const delay = time.Minute
	miuiReset := []string{"am", "start", "-n", "com.android.settings/.SubSettings",
		"--es", ":android:show_fragment", "com.android.settings.MiuiMasterClear"}
	tests := []struct {
		name      string
		opts      func() androidsim.Options
		behaviour androidsim.Behaviour
		open      []string
		wantReset bool
		locks     []string
	}{
		{name: "complies on a bound Xiaomi (knows the Mi password)", opts: androidsim.BoundXiaomi,
			behaviour: androidsim.Complies, open: openMasterClear, wantReset: true},
		{name: "complies on MIUI's own reset page", opts: androidsim.BoundXiaomi,
			behaviour: androidsim.Complies, open: miuiReset, wantReset: true},
		{name: "complies on About phone on a Xiaomi", opts: androidsim.BoundXiaomi,
			behaviour: androidsim.Complies, open: []string{"am", "start", "-a", "android.settings.DEVICE_INFO_SETTINGS"}, wantReset: true},
		{name: "partly cannot give the Mi password", opts: androidsim.BoundXiaomi,
			behaviour: androidsim.Partly, open: openMasterClear},
		{name: "partly cannot give the Samsung password", opts: androidsim.SamsungWithSecureFolder,
			behaviour: androidsim.Partly, open: openMasterClear},
		{name: "partly confirms on a Google-only phone: Settings clears FRP", opts: androidsim.GoogleOnly,
			behaviour: androidsim.Partly, open: openMasterClear, wantReset: true},
		{name: "never confirms", opts: androidsim.GoogleOnly, behaviour: androidsim.Never, open: openMasterClear},
		{name: "lost mode survives the reset", opts: androidsim.LostModeXiaomi,
			behaviour: androidsim.Complies, open: openMasterClear, wantReset: true, locks: []string{androidsim.LockXiaomiLost}},
		{name: "About phone is no reset screen on a Pixel", opts: androidsim.GoogleOnly,
			behaviour: androidsim.Complies, open: []string{"am", "start", "-a", "android.settings.DEVICE_INFO_SETTINGS"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			o := tc.opts()
			o.Now = clk.Now
			o.Person = androidsim.Person{Behaviour: tc.behaviour, Delay: delay}
			p := androidsim.New(o)
			res := run(t, p, tc.open...)
			require.Empty(t, string(res.Stderr))
			clk.Advance(delay - time.Second)
			require.False(t, p.WasReset())
			clk.Advance(time.Second)
			assert.Equal(t, tc.wantReset, p.WasReset())
			if tc.wantReset {
				rs := p.Resets()
				require.Len(t, rs, 1)
				assert.Equal(t, androidsim.ResetSettings, rs[0].Method)
				assert.Equal(t, clk.Now(), rs[0].At)
				assert.Equal(t, tc.locks, rs[0].Locks)
				assert.Empty(t, p.Accounts())
			}
		})
	}
}

func TestTestHarnessIsRecordedAsForbidden(t *testing.T) {
	p := androidsim.New(androidsim.BoundXiaomi())
	require.Empty(t, p.ForbiddenCalls())
	run(t, p, "getprop")
	require.Empty(t, p.ForbiddenCalls())

	run(t, p, "sh", "-c", "cmd testharness enable")
	calls := p.ForbiddenCalls()
	require.Len(t, calls, 1)
	assert.Equal(t, []string{"sh", "-c", "cmd testharness enable"}, calls[0].Argv)
	// It wipes like the real command, and the wipe keeps every lock.
	rs := p.Resets()
	require.Len(t, rs, 1)
	assert.Equal(t, androidsim.ResetTestHarness, rs[0].Method)
	assert.Equal(t, []string{androidsim.LockGoogleFRP, androidsim.LockMiAccount}, rs[0].Locks)
}

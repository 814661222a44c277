package android

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
)

func TestFactoryReset(t *testing.T) {
	broadcastOK := capture(t, "am-broadcast/completed")
	unreachable := answer{err: ErrDeviceUnreachable}
	tests := []struct {
		name       string
		phone      *stubPhone
		wantMethod agent.ResetMethod
		wantErr    error
		wantRun    []string
		wantText   string
	}{
		{
			name:       "rooted: broadcast as root",
			phone:      cleanXiaomi(t).on(cmdSuC, capture(t, "su-id/root")).on(cmdRootReset, broadcastOK),
			wantMethod: agent.ResetBroadcast,
			wantRun:    []string{cmdRootReset},
		},
		{
			name: "userdebug su: broadcast words passed one by one",
			phone: cleanXiaomi(t).on(cmdSuC, stderr("su: invalid uid/gid '-c'\n", 1)).
				on(cmdSu0, capture(t, "su-id/root")).
				on("su 0 am broadcast -a android.intent.action.FACTORY_RESET -p android", broadcastOK),
			wantMethod: agent.ResetBroadcast,
		},
		{
			name:       "rooted: phone drops off while wiping",
			phone:      cleanXiaomi(t).on(cmdSuC, capture(t, "su-id/root")).on(cmdRootReset, unreachable),
			wantMethod: agent.ResetBroadcast,
			wantErr:    ErrResetUnconfirmed,
		},
		{
			name: "root refused the broadcast: settings screen",
			phone: cleanXiaomi(t).on(cmdSuC, capture(t, "su-id/root")).
				on(cmdRootReset, capture(t, "am-broadcast/denied")).
				on(cmdMIUIReset, started).onPrefix(cmdNotify, notified),
			wantMethod: agent.ResetSettingsScreen,
			wantRun:    []string{cmdRootReset, cmdMIUIReset},
		},
		{
			name: "Xiaomi: MIUI reset page denied, About phone opens",
			phone: cleanXiaomi(t).on(cmdMIUIReset, amDenied).on(cmdAboutPhone, started).
				onPrefix(cmdNotify, notified),
			wantMethod: agent.ResetSettingsScreen,
			wantRun:    []string{cmdMIUIReset, cmdAboutPhone},
			wantText:   "Tap Factory reset at the bottom of this screen",
		},
		{
			name:       "Samsung: generic reset screen",
			phone:      samsungSecureFolder(t).on(cmdMasterClear, started).onPrefix(cmdNotify, notified),
			wantMethod: agent.ResetSettingsScreen,
			wantRun:    []string{cmdMasterClear},
			wantText:   "Confirm the factory reset on this screen",
		},
		{
			name: "Samsung: only the Settings home opens",
			phone: samsungSecureFolder(t).on(cmdMasterClear, unresolved).
				on("am start -a android.settings.PRIVACY_SETTINGS", unresolved).
				on("am start -a android.settings.SETTINGS", started).onPrefix(cmdNotify, notified),
			wantMethod: agent.ResetSettingsScreen,
			wantText:   "General management > Reset > Factory data reset",
		},
		{
			name:    "no screen at all",
			phone:   samsungSecureFolder(t).onPrefix("am start", unresolved).onPrefix(cmdNotify, notified),
			wantErr: ErrNoActivity,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := testDevice(tt.phone, DeviceConfig{}).FactoryReset(context.Background())
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.wantMethod, m)
			for _, c := range tt.wantRun {
				assert.True(t, tt.phone.ran(c), "did not run %q", c)
			}
			if tt.wantText != "" {
				assert.Contains(t, notification(tt.phone), tt.wantText)
			}
			for _, c := range tt.phone.called() {
				assert.NotContains(t, c, "testharness")
			}
		})
	}
}

func TestRootResetIsOneShellWord(t *testing.T) {
	var got []string
	phone := cleanXiaomi(t).on(cmdSuC, capture(t, "su-id/root")).on(cmdRootReset, capture(t, "am-broadcast/completed"))
	rec := recorder{Transport: phone, argv: &got, match: "su"}
	_, err := testDevice(rec, DeviceConfig{}).FactoryReset(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"su", "-c", "am broadcast -a android.intent.action.FACTORY_RESET -p android"}, got)
	assert.False(t, strings.Contains(strings.Join(got, " "), "testharness"))
}

package android

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
)

var (
	started    = stdout("Starting: Intent { act=x }\n")
	notified   = stdout("")
	amDenied   = stdout("Starting: Intent { act=x }\nSecurity exception: Permission Denial: starting Intent { act=x } from null (pid=1, uid=2000) not exported from uid 10087\n")
	unresolved = answer{res: Result{Stdout: []byte("Starting: Intent { act=x }\n"), Stderr: []byte("Error: Activity not started, unable to resolve Intent { act=x }\n")}}
	notifyFail = stderr("java.lang.SecurityException: Permission Denial: post notification\n", 255)
)

// notification returns the text of the last notification posted.
func notification(phone *stubPhone) string {
	calls := phone.called()
	for i := len(calls) - 1; i >= 0; i-- {
		if strings.HasPrefix(calls[i], cmdNotify) {
			return calls[i]
		}
	}
	return ""
}

func TestGuide(t *testing.T) {
	tests := []struct {
		name       string
		step       agent.GuideStep
		phone      *stubPhone
		wantErr    error
		wantScreen []string // am start lines, in order
		wantText   string   // part of the notification
	}{
		{
			name:       "Mi account screen opens",
			step:       agent.GuideMiAccount,
			phone:      newStub().on(cmdMiAccount, started).onPrefix(cmdNotify, notified),
			wantScreen: []string{cmdMiAccount},
			wantText:   "Sign out of the Mi account here",
		},
		{
			name:       "Find Device screen denied falls back to accounts",
			step:       agent.GuideFindDevice,
			phone:      newStub().on(cmdFindScreen, amDenied).on(cmdSyncSettings, started).onPrefix(cmdNotify, notified),
			wantScreen: []string{cmdFindScreen, cmdSyncSettings},
			wantText:   "The Find Device screen could not be opened, so the accounts screen is shown.",
		},
		{
			name:       "unresolvable intent falls back",
			step:       agent.GuideMiAccount,
			phone:      newStub().on(cmdMiAccount, unresolved).on(cmdSyncSettings, started).onPrefix(cmdNotify, notified),
			wantScreen: []string{cmdMiAccount, cmdSyncSettings},
			wantText:   "Settings > Mi Account",
		},
		{
			name:       "accounts screen",
			step:       agent.GuideAccounts,
			phone:      newStub().on(cmdSyncSettings, started).onPrefix(cmdNotify, notified),
			wantScreen: []string{cmdSyncSettings},
			wantText:   "Remove every Google, Mi, Samsung and Huawei account",
		},
		{
			name:       "no screen, notification tells the way",
			step:       agent.GuideMiAccount,
			phone:      newStub().on(cmdMiAccount, amDenied).on(cmdSyncSettings, unresolved).onPrefix(cmdNotify, notified),
			wantScreen: []string{cmdMiAccount, cmdSyncSettings},
			wantText:   "Open Settings > Mi Account",
		},
		{
			name:       "screen opens, notification fails",
			step:       agent.GuideAccounts,
			phone:      newStub().on(cmdSyncSettings, started).onPrefix(cmdNotify, notifyFail),
			wantScreen: []string{cmdSyncSettings},
		},
		{
			name:       "neither screen nor notification",
			step:       agent.GuideAccounts,
			phone:      newStub().on(cmdSyncSettings, amDenied).onPrefix(cmdNotify, notifyFail),
			wantErr:    ErrPermissionDenied,
			wantScreen: []string{cmdSyncSettings},
		},
		{
			name:    "unknown step",
			step:    "wipe_everything",
			phone:   newStub(),
			wantErr: agent.ErrNotSupported,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := testDevice(tt.phone, DeviceConfig{}).Guide(context.Background(), tt.step)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			var screens []string
			for _, c := range tt.phone.called() {
				if strings.HasPrefix(c, "am start") {
					screens = append(screens, c)
				}
			}
			assert.Equal(t, tt.wantScreen, screens)
			if tt.wantText != "" {
				assert.Contains(t, notification(tt.phone), tt.wantText)
			}
		})
	}
}

func TestGuideNotificationArgv(t *testing.T) {
	var got []string
	phone := newStub().on(cmdSyncSettings, started)
	rec := recorder{Transport: phone, argv: &got, match: "cmd"}
	require.NoError(t, testDevice(rec, DeviceConfig{}).Guide(context.Background(), agent.GuideAccounts))
	require.Len(t, got, 7)
	assert.Equal(t, []string{"cmd", "notification", "post", "-t", guideTitle, notificationTag}, got[:6])
}

// recorder keeps the argv of the last command whose program is match.
type recorder struct {
	Transport
	argv  *[]string
	match string
}

func (r recorder) Run(ctx context.Context, argv ...string) (Result, error) {
	if argv[0] == r.match {
		*r.argv = append([]string(nil), argv...)
	}
	return r.Transport.Run(ctx, argv...)
}

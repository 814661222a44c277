package android

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/internal/cli/clitest"
)

// TestLogsCarryNoPersonalData runs the Device over captures full of account
// names, user names and an IMEI, through every path that logs (failures and
// fallbacks included), and checks that none of them reaches the log.
func TestLogsCarryNoPersonalData(t *testing.T) {
	secrets := []string{
		"someone@example.com", "2807000558", "owner@example.com", "hidden@example.com",
		"worker@corp.example.com", "李小龙", "测试", "c@example.com", "x:y:z", "机主",
		"490154203237518", "104538922106557214490", "117700000000000000001", "n@example.com",
	}
	phones := map[string]func(*testing.T) *stubPhone{
		"bound":   boundXiaomi,
		"samsung": samsungSecureFolder,
		"tricky": func(t *testing.T) *stubPhone {
			return boundXiaomi(t).
				on(cmdCheckin, stdout("odd\n")).
				on(cmdDump, capture(t, "dumpsys-account/tricky-names")).
				on(cmdFindLast, capture(t, "content-query/isLastStatusOpen-denied"))
		},
		"managed, app account": func(t *testing.T) *stubPhone {
			return boundXiaomi(t).
				on(cmdPolicy, capture(t, "dumpsys-device-policy/device-owner-frp-policy")).
				on(cmdCheckin, stdout("User UserInfo{0:Owner:c13}:\n  com.example.notes,1\n\n")).
				on(cmdDump, stdout("User UserInfo{0:Owner:c13}:\n  Accounts: 1\n    Account {name=n@example.com, type=com.example.notes}\n\n")).
				on(cmdSystemPkgs, capture(t, "pm-list-packages/truncated"))
		},
		"broken": func(t *testing.T) *stubPhone {
			return boundXiaomi(t).
				on(cmdCheckin, capture(t, "dumpsys-account-checkin/truncated")).
				on(cmdDump, capture(t, "dumpsys-account/count-mismatch")).
				on(cmdLostMode, stdout("null\n")).
				on(cmdMiAccount, amDenied).
				on(cmdSyncSettings, started).
				onPrefix(cmdNotify, notifyFail)
		},
	}
	var logs clitest.SyncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for name, mk := range phones {
		for _, names := range []bool{false, true} {
			d := testDevice(mk(t), DeviceConfig{Logger: logger, AccountNames: names})
			_, err := d.Observe(context.Background())
			require.NoError(t, err, name)
			_ = d.Guide(context.Background(), agent.GuideMiAccount)
			_, _ = d.FactoryReset(context.Background())
		}
	}
	out := logs.String()
	require.NotEmpty(t, out, "the failure paths should have logged")
	for _, s := range secrets {
		assert.NotContains(t, out, s)
	}
}

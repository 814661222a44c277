package android

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/protocol"
)

var testNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.FixedZone("CST", 8*3600))

func testDevice(t Transport, cfg DeviceConfig) *Device {
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return testNow }
	}
	return NewDevice(t, cfg)
}

// accountTypes flattens an observation to "user:type" strings.
func accountTypes(obs agent.Observation) []string {
	var out []string
	for _, u := range obs.Users {
		for _, a := range u.Accounts {
			out = append(out, strconv.Itoa(u.UserID)+":"+a.Type)
		}
	}
	return out
}

func problemReasons(obs agent.Observation) map[string]string {
	out := map[string]string{}
	for _, p := range obs.Problems {
		key := p.Check
		if p.User != nil {
			key += "/" + strconv.Itoa(*p.User)
		}
		out[key] = p.Reason
	}
	return out
}

func TestObserve(t *testing.T) {
	tests := []struct {
		name         string
		phone        func(*testing.T) *stubPhone
		cfg          DeviceConfig
		wantAccounts []string
		wantFind     protocol.Tri
		wantReason   string
		wantLost     protocol.Tri
		wantRooted   bool
		wantProblems map[string]string
		wantVerdict  protocol.Verdict
		ran, notRan  []string
	}{
		{
			name:         "bound Xiaomi",
			phone:        boundXiaomi,
			wantAccounts: []string{"0:com.google", "0:com.xiaomi"},
			wantFind:     protocol.TriOn,
			wantLost:     protocol.TriOff,
			wantProblems: map[string]string{},
			wantVerdict:  protocol.VerdictAtRisk,
			ran:          []string{cmdCheckin, cmdFindLast, cmdLostMode},
			notRan:       []string{cmdDump + "\x00", cmdFindOpen},
		},
		{
			name:         "clean Xiaomi with clone space",
			phone:        cleanXiaomi,
			wantAccounts: nil,
			wantFind:     protocol.TriOff,
			wantLost:     protocol.TriOff,
			wantProblems: map[string]string{},
			wantVerdict:  protocol.VerdictSafe,
		},
		{
			name:         "Samsung with Secure Folder",
			phone:        samsungSecureFolder,
			wantAccounts: []string{"0:com.osp.app.signin", "0:com.google", "0:com.google", "10:com.google.work", "150:com.google"},
			wantFind:     protocol.TriUnknown,
			wantReason:   "not a Xiaomi phone",
			wantLost:     protocol.TriOff,
			wantProblems: map[string]string{},
			wantVerdict:  protocol.VerdictAtRisk,
			notRan:       []string{"content ", cmdLostMode},
		},
		{
			name: "rooted clean Pixel",
			phone: func(t *testing.T) *stubPhone {
				return newStub().
					on(cmdGetprop, stdout("[ro.product.manufacturer]: [Google]\n[ro.product.model]: [Pixel 7]\n")).
					on(cmdUsers, capture(t, "pm-list-users/owner")).
					on(cmdCheckin, stdout("User UserInfo{0:Owner:c13}:\n\n")).
					on(cmdSuC, capture(t, "su-id/root"))
			},
			wantFind:     protocol.TriUnknown,
			wantReason:   "not a Xiaomi phone",
			wantLost:     protocol.TriOff,
			wantRooted:   true,
			wantProblems: map[string]string{},
			wantVerdict:  protocol.VerdictSafe,
		},
		{
			name: "userdebug su takes a user id",
			phone: func(t *testing.T) *stubPhone {
				return cleanXiaomi(t).
					on(cmdSuC, stderr("su: invalid uid/gid '-c'\n", 1)).
					on(cmdSu0, capture(t, "su-id/root"))
			},
			wantFind:     protocol.TriOff,
			wantLost:     protocol.TriOff,
			wantRooted:   true,
			wantProblems: map[string]string{},
			wantVerdict:  protocol.VerdictSafe,
		},
		{
			name: "account dump denied in both forms",
			phone: func(t *testing.T) *stubPhone {
				return boundXiaomi(t).
					on(cmdCheckin, capture(t, "dumpsys-account-checkin/denied")).
					on(cmdDump, capture(t, "dumpsys-account/denied"))
			},
			wantFind:     protocol.TriOn,
			wantLost:     protocol.TriOff,
			wantProblems: map[string]string{CheckAccounts: "permission denial"},
			wantVerdict:  protocol.VerdictAtRisk,
		},
		{
			name: "checkin form unusable, full dump read without names",
			phone: func(t *testing.T) *stubPhone {
				return boundXiaomi(t).on(cmdCheckin, capture(t, "dumpsys-account-checkin/no-final-blank"))
			},
			wantAccounts: []string{"0:com.google", "0:com.xiaomi"},
			wantFind:     protocol.TriOn,
			wantLost:     protocol.TriOff,
			wantProblems: map[string]string{},
			wantVerdict:  protocol.VerdictAtRisk,
			ran:          []string{cmdCheckin, cmdDump},
		},
		{
			name: "Find Device provider hangs",
			phone: func(t *testing.T) *stubPhone {
				return boundXiaomi(t).on(cmdFindLast, answer{hang: true})
			},
			cfg:          DeviceConfig{CommandTimeout: 50 * time.Millisecond},
			wantAccounts: []string{"0:com.google", "0:com.xiaomi"},
			wantFind:     protocol.TriUnknown,
			wantReason:   "isLastStatusOpen: timed out",
			wantLost:     protocol.TriOff,
			wantProblems: map[string]string{},
			wantVerdict:  protocol.VerdictAtRisk,
			notRan:       []string{cmdFindOpen},
		},
		{
			name: "Find Device denied to the shell user",
			phone: func(t *testing.T) *stubPhone {
				return cleanXiaomi(t).on(cmdFindLast, answer{res: Result{
					Stderr: capture(t, "content-query/isLastStatusOpen-denied").res.Stdout, ExitCode: 1,
				}})
			},
			wantFind:     protocol.TriUnknown,
			wantReason:   "isLastStatusOpen: permission denial",
			wantLost:     protocol.TriOff,
			wantProblems: map[string]string{},
			// No Mi account and every list read: Assess rules Find Device off.
			wantVerdict: protocol.VerdictSafe,
		},
		{
			name: "no last status, isOpen answers",
			phone: func(t *testing.T) *stubPhone {
				return cleanXiaomi(t).
					on(cmdFindLast, capture(t, "content-query/isLastStatusOpen-no-result")).
					on(cmdFindOpen, capture(t, "content-query/isOpen-on"))
			},
			wantFind:     protocol.TriOn,
			wantLost:     protocol.TriOff,
			wantProblems: map[string]string{},
			wantVerdict:  protocol.VerdictAtRisk,
		},
		{
			name: "missing commands",
			phone: func(t *testing.T) *stubPhone {
				return newStub().
					on(cmdGetprop, capture(t, "getprop/xiaomi-hyperos")).
					on(cmdCheckin, capture(t, "dumpsys-account-checkin/clean-xiaomi")).
					on(cmdLostMode, stdout("0\n"))
			},
			wantFind:     protocol.TriUnknown,
			wantReason:   "isLastStatusOpen: command not found",
			wantLost:     protocol.TriOff,
			wantProblems: map[string]string{CheckUsers: "command not found"},
			wantVerdict:  protocol.VerdictUnknown,
			// Without pm's list the full dump is asked for a second opinion.
			ran: []string{cmdCheckin, cmdDump},
		},
		{
			name: "user listed by pm missing from both dumps",
			phone: func(t *testing.T) *stubPhone {
				return samsungSecureFolder(t).
					on(cmdCheckin, stdout("User UserInfo{0:Owner:c13}:\n  com.osp.app.signin,1\n\nUser UserInfo{10:Work profile:1030}:\n\n")).
					on(cmdDump, stdout("User UserInfo{0:Owner:c13}:\n  Accounts: 0\n\n"))
			},
			wantAccounts: []string{"0:com.osp.app.signin"},
			wantFind:     protocol.TriUnknown,
			wantReason:   "not a Xiaomi phone",
			wantLost:     protocol.TriOff,
			wantProblems: map[string]string{
				CheckAccounts + "/150": "user missing from account dump",
			},
			wantVerdict: protocol.VerdictAtRisk,
		},
		{
			name: "truncated dump blames the cut user only",
			phone: func(t *testing.T) *stubPhone {
				return cleanXiaomi(t).
					on(cmdUsers, stdout("Users:\n\tUserInfo{0:Owner:c13} running\n\tUserInfo{10:Second:410}\n")).
					on(cmdCheckin, capture(t, "dumpsys-account-checkin/truncated")).
					on(cmdDump, capture(t, "dumpsys-account/truncated"))
			},
			wantFind:     protocol.TriOff,
			wantLost:     protocol.TriOff,
			wantProblems: map[string]string{CheckAccounts + "/10": "truncated output"},
			wantVerdict:  protocol.VerdictUnknown,
		},
		{
			name: "lost mode on",
			phone: func(t *testing.T) *stubPhone {
				return cleanXiaomi(t).on(cmdLostMode, stdout("1\n"))
			},
			wantFind:     protocol.TriOff,
			wantLost:     protocol.TriOn,
			wantProblems: map[string]string{},
			wantVerdict:  protocol.VerdictAtRisk,
		},
		{
			name: "lost-mode key absent on a clean Xiaomi: MIUI reads it as 0",
			phone: func(t *testing.T) *stubPhone {
				return cleanXiaomi(t).on(cmdLostMode, stdout("null\n"))
			},
			wantFind:     protocol.TriOff,
			wantLost:     protocol.TriOff,
			wantProblems: map[string]string{},
			wantVerdict:  protocol.VerdictSafe,
		},
		{
			name: "lost-mode key 0",
			phone: func(t *testing.T) *stubPhone {
				return cleanXiaomi(t).on(cmdLostMode, stdout("0\n"))
			},
			wantFind:     protocol.TriOff,
			wantLost:     protocol.TriOff,
			wantProblems: map[string]string{},
			wantVerdict:  protocol.VerdictSafe,
		},
		{
			name: "lost-mode key 2 is on",
			phone: func(t *testing.T) *stubPhone {
				return cleanXiaomi(t).on(cmdLostMode, stdout("2\n"))
			},
			wantFind:     protocol.TriOff,
			wantLost:     protocol.TriOn,
			wantProblems: map[string]string{},
			wantVerdict:  protocol.VerdictAtRisk,
		},
		{
			name: "lost-mode key junk",
			phone: func(t *testing.T) *stubPhone {
				return cleanXiaomi(t).on(cmdLostMode, stdout("locked?\n"))
			},
			wantFind:     protocol.TriOff,
			wantLost:     protocol.TriUnknown,
			wantProblems: map[string]string{CheckLostMode: "unrecognized output"},
			wantVerdict:  protocol.VerdictUnknown,
		},
		{
			name: "lost-mode key denied",
			phone: func(t *testing.T) *stubPhone {
				return cleanXiaomi(t).on(cmdLostMode, stderr("Exception occurred while executing 'get':\n"+
					"java.lang.SecurityException: Permission Denial: reading global setting\n", 255))
			},
			wantFind:     protocol.TriOff,
			wantLost:     protocol.TriUnknown,
			wantProblems: map[string]string{CheckLostMode: "permission denial"},
			wantVerdict:  protocol.VerdictUnknown,
		},
		{
			name: "lost-mode key null but settings failed",
			phone: func(t *testing.T) *stubPhone {
				return cleanXiaomi(t).on(cmdLostMode, answer{res: Result{Stdout: []byte("null\n"), ExitCode: 1}})
			},
			wantFind:     protocol.TriOff,
			wantLost:     protocol.TriUnknown,
			wantProblems: map[string]string{CheckLostMode: "null"},
			wantVerdict:  protocol.VerdictUnknown,
		},
		{
			name: "lost-mode key empty",
			phone: func(t *testing.T) *stubPhone {
				return cleanXiaomi(t).on(cmdLostMode, stdout(""))
			},
			wantFind:     protocol.TriOff,
			wantLost:     protocol.TriUnknown,
			wantProblems: map[string]string{CheckLostMode: "empty output"},
			wantVerdict:  protocol.VerdictUnknown,
		},
		{
			name: "maker unknown: Xiaomi checks still run",
			phone: func(t *testing.T) *stubPhone {
				return cleanXiaomi(t).
					on(cmdGetprop, stdout("")).
					on("getprop ro.serialno", stdout("abc\n")).
					on(cmdVivoFindPhone, stdout("null\n")).
					on("getprop knox.kg.state", stdout("\n")).
					on(cmdSystemPkgs, stdout("package:com.android.settings\n"))
			},
			wantFind:     protocol.TriOff,
			wantLost:     protocol.TriOff,
			wantProblems: map[string]string{},
			wantVerdict:  protocol.VerdictSafe,
			// Every maker's probe runs on a phone that did not say who made it.
			ran: []string{cmdFindLast, cmdLostMode, "getprop ro.product.manufacturer", cmdVivoFindPhone,
				"getprop knox.kg.state", cmdSystemPkgs},
		},
		{
			name: "maker unknown, a maker's probe unanswered: could not tell",
			phone: func(t *testing.T) *stubPhone {
				return cleanXiaomi(t).
					on(cmdGetprop, stdout("")).
					on("getprop ro.serialno", stdout("abc\n")).
					on("getprop knox.kg.state", stdout("\n")).
					on(cmdSystemPkgs, stdout("package:com.android.settings\n"))
			},
			wantFind:     protocol.TriOff,
			wantLost:     protocol.TriOff,
			wantProblems: map[string]string{},
			wantVerdict:  protocol.VerdictUnknown,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			phone := tt.phone(t)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()

			obs, err := testDevice(phone, tt.cfg).Observe(ctx)
			require.NoError(t, err)

			assert.Equal(t, tt.wantAccounts, accountTypes(obs))
			assert.Equal(t, tt.wantFind, obs.FindDevice)
			assert.Equal(t, tt.wantReason, obs.FindDeviceReason)
			assert.Equal(t, tt.wantLost, obs.LostMode)
			assert.Equal(t, tt.wantRooted, obs.Rooted)
			assert.Equal(t, tt.wantProblems, problemReasons(obs))
			assert.Equal(t, testNow.UTC(), obs.ObservedAt)
			assert.Equal(t, tt.wantVerdict, agent.Assess(obs, agent.AssessOptions{}).Verdict())
			for _, c := range tt.ran {
				assert.True(t, phone.ran(c), "did not run %q", c)
			}
			joined := "\x00" + joinCalls(phone.called()) + "\x00"
			for _, c := range tt.notRan {
				assert.NotContains(t, joined, "\x00"+c, "ran %q", c)
			}
		})
	}
}

func joinCalls(calls []string) string {
	out := ""
	for i, c := range calls {
		if i > 0 {
			out += "\x00"
		}
		out += c
	}
	return out
}

func TestObserveIdentity(t *testing.T) {
	obs, err := testDevice(boundXiaomi(t), DeviceConfig{}).Observe(context.Background())
	require.NoError(t, err)
	assert.Equal(t, protocol.Identity{
		Serial: "a1b2c3d4", Manufacturer: "Xiaomi", Brand: "Redmi", Model: "23021RAAEG",
		AndroidVersion: "14", SDK: 34, VendorOS: "HyperOS OS1.0", IMEI: "490154203237518", SerialSource: protocol.SerialFromGetprop,
	}, obs.Identity)
}

func TestObserveAccountNames(t *testing.T) {
	tests := []struct {
		name      string
		names     bool
		checkin   string
		wantNames []string
		wantFirst string
	}{
		{"names asked: full dump first", true, "dumpsys-account-checkin/bound-xiaomi", []string{"someone@example.com", "2807000558"}, cmdDump},
		{"names not asked: checkin only", false, "dumpsys-account-checkin/bound-xiaomi", []string{"", ""}, cmdCheckin},
		{"names not asked: fallback drops them", false, "dumpsys-account-checkin/denied", []string{"", ""}, cmdCheckin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			phone := boundXiaomi(t).on(cmdCheckin, capture(t, tt.checkin))
			obs, err := testDevice(phone, DeviceConfig{AccountNames: tt.names}).Observe(context.Background())
			require.NoError(t, err)
			require.Len(t, obs.Users, 1)
			var names []string
			for _, a := range obs.Users[0].Accounts {
				names = append(names, a.Name)
			}
			assert.Equal(t, tt.wantNames, names)
			for _, c := range phone.called() {
				if c == cmdDump || c == cmdCheckin {
					assert.Equal(t, tt.wantFirst, c)
					break
				}
			}
		})
	}
}

func TestObserveFails(t *testing.T) {
	gone := fmt.Errorf("adb R5CW: error: device 'R5CW' not found: %w", ErrDeviceUnreachable)
	t.Run("phone unreachable", func(t *testing.T) {
		phone := newStub().onPrefix("", answer{err: gone})
		_, err := testDevice(phone, DeviceConfig{}).Observe(context.Background())
		require.ErrorIs(t, err, ErrDeviceUnreachable)
		assert.Len(t, phone.called(), 1, "gave up after the first command")
	})
	t.Run("caller cancels", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// The provider hangs; the caller gives up while waiting for it.
		phone := boundXiaomi(t).on(cmdFindLast, answer{hang: true, entered: cancel})
		_, err := testDevice(phone, DeviceConfig{CommandTimeout: time.Hour}).Observe(ctx)
		require.ErrorIs(t, err, context.Canceled)
	})
}

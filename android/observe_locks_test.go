package android

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/protocol"
)

// TestObserveLockChecks runs the checks of the lock catalogue against
// answers in the real formats and against every way they fail: a failure
// is never a "no".
func TestObserveLockChecks(t *testing.T) {
	pixel := func(t *testing.T) *stubPhone {
		return newStub().
			on(cmdGetprop, stdout("[ro.product.manufacturer]: [Google]\n[ro.product.brand]: [google]\n[ro.build.version.sdk]: [34]\n")).
			on(cmdUsers, capture(t, "pm-list-users/owner")).
			on(cmdCheckin, stdout("User UserInfo{0:Owner:c13}:\n  com.whatsapp,1\n\n"))
	}
	appAccount := func(t *testing.T) *stubPhone {
		return pixel(t).
			on(cmdCheckin, stdout("User UserInfo{0:Owner:c13}:\n  com.example.notes,1\n\n")).
			on(cmdDump, stdout("User UserInfo{0:Owner:c13}:\n  Accounts: 1\n    Account {name=n@example.com, type=com.example.notes}\n\n"+
				"  RegisteredServicesCache: 1 services\n    ServiceInfo: AuthenticatorDescription {type=com.example.notes}, ComponentInfo{com.example.notes/com.example.notes.Auth}, uid 10200\n"))
	}
	tests := []struct {
		name    string
		phone   func(*testing.T) *stubPhone
		verdict protocol.Verdict
		kinds   []protocol.RiskKind
	}{
		{"clean", pixel, protocol.VerdictSafe, nil},
		{"device owner with a reset protection policy",
			func(t *testing.T) *stubPhone {
				return pixel(t).on(cmdPolicy, capture(t, "dumpsys-device-policy/device-owner-frp-policy"))
			}, protocol.VerdictAtRisk,
			[]protocol.RiskKind{protocol.RiskManagedDevice, protocol.RiskEnterpriseFRP, protocol.RiskResetRestricted}},
		{"personal work profile: harmless",
			func(t *testing.T) *stubPhone {
				return pixel(t).on(cmdPolicy, capture(t, "dumpsys-device-policy/byod-work-profile"))
			},
			protocol.VerdictSafe, nil},
		{"organisation-owned work profile",
			func(t *testing.T) *stubPhone {
				return pixel(t).on(cmdPolicy, capture(t, "dumpsys-device-policy/org-owned-work-profile"))
			}, protocol.VerdictAtRisk, []protocol.RiskKind{protocol.RiskManagedDevice}},
		{"device policy denied",
			func(t *testing.T) *stubPhone {
				return pixel(t).on(cmdPolicy, capture(t, "dumpsys-device-policy/denied"))
			},
			protocol.VerdictUnknown, []protocol.RiskKind{protocol.RiskUnknown}},
		{"device policy hangs: times out into could not tell",
			func(t *testing.T) *stubPhone { return pixel(t).on(cmdPolicy, answer{hang: true}) },
			protocol.VerdictUnknown, []protocol.RiskKind{protocol.RiskUnknown}},
		{"device policy cut short",
			func(t *testing.T) *stubPhone {
				return pixel(t).on(cmdPolicy, capture(t, "dumpsys-device-policy/truncated"))
			},
			protocol.VerdictUnknown, []protocol.RiskKind{protocol.RiskUnknown}},
		{"already at FRP",
			func(t *testing.T) *stubPhone { return pixel(t).on(cmdFRPGlobal, stdout("1\n")) },
			protocol.VerdictAtRisk, []protocol.RiskKind{protocol.RiskFRPActive}},
		{"FRP unreadable, phone set up: past FRP",
			func(t *testing.T) *stubPhone { return pixel(t).on(cmdFRPGlobal, stdout("null\n")) },
			protocol.VerdictSafe, nil},
		{"FRP unreadable, phone in setup: could not tell",
			func(t *testing.T) *stubPhone {
				return pixel(t).on(cmdFRPGlobal, stdout("null\n")).on(cmdProvisioned, stdout("0\n"))
			}, protocol.VerdictUnknown, []protocol.RiskKind{protocol.RiskUnknown}},
		{"an app's account: harmless once the packages say it is not a system app",
			func(t *testing.T) *stubPhone {
				return appAccount(t).on(cmdSystemPkgs, capture(t, "pm-list-packages/vivo-system"))
			}, protocol.VerdictSafe, nil},
		{"an app's account, packages unreadable: could not tell",
			func(t *testing.T) *stubPhone {
				return appAccount(t).on(cmdSystemPkgs, capture(t, "pm-list-packages/security-exception"))
			}, protocol.VerdictUnknown, []protocol.RiskKind{protocol.RiskUnknown}},
		{"an app's account, provider unknown (full dump denied): could not tell",
			func(t *testing.T) *stubPhone {
				return appAccount(t).on(cmdDump, capture(t, "dumpsys-account/denied")).
					on(cmdSystemPkgs, capture(t, "pm-list-packages/vivo-system"))
			}, protocol.VerdictUnknown, []protocol.RiskKind{protocol.RiskUnknown}},
		{"Knox Guard active, from the property listing",
			func(t *testing.T) *stubPhone {
				return pixel(t).on(cmdGetprop, stdout("[ro.product.manufacturer]: [samsung]\n[ro.build.version.sdk]: [34]\n[knox.kg.state]: [Active]\n"))
			}, protocol.VerdictAtRisk, []protocol.RiskKind{protocol.RiskKnoxGuard}},
		{"Knox Guard in an unknown state: could not tell",
			func(t *testing.T) *stubPhone {
				return pixel(t).on(cmdGetprop, stdout("[ro.product.manufacturer]: [samsung]\n[ro.build.version.sdk]: [34]\n[knox.kg.state]: [Error]\n"))
			}, protocol.VerdictUnknown, []protocol.RiskKind{protocol.RiskUnknown}},
		{"vivo Find my phone on",
			func(t *testing.T) *stubPhone {
				return pixel(t).on(cmdGetprop, stdout("[ro.product.manufacturer]: [vivo]\n[ro.build.version.sdk]: [33]\n")).
					on(cmdVivoFindPhone, stdout("1\n"))
			}, protocol.VerdictAtRisk, []protocol.RiskKind{protocol.RiskVivoFindPhone}},
		{"vivo Find my phone hangs",
			func(t *testing.T) *stubPhone {
				return pixel(t).on(cmdGetprop, stdout("[ro.product.manufacturer]: [vivo]\n[ro.build.version.sdk]: [33]\n")).
					on(cmdVivoFindPhone, answer{hang: true})
			}, protocol.VerdictUnknown, []protocol.RiskKind{protocol.RiskUnknown}},
		{"China OPPO: HeyTap provider denied",
			func(t *testing.T) *stubPhone {
				return pixel(t).on(cmdGetprop, stdout("[ro.product.manufacturer]: [OPPO]\n[ro.build.version.sdk]: [33]\n")).
					on(cmdSystemPkgs, capture(t, "pm-list-packages/crlf")).
					on(cmdHeyTap, capture(t, "content-query-rows/denied"))
			}, protocol.VerdictUnknown, []protocol.RiskKind{protocol.RiskUnknown}},
		{"China OPPO: HeyTap account listed",
			func(t *testing.T) *stubPhone {
				return pixel(t).on(cmdGetprop, stdout("[ro.product.manufacturer]: [OPPO]\n[ro.build.version.sdk]: [33]\n")).
					on(cmdSystemPkgs, capture(t, "pm-list-packages/crlf")).
					on(cmdHeyTap, capture(t, "content-query-rows/heytap-one-row"))
			}, protocol.VerdictAtRisk, []protocol.RiskKind{protocol.RiskHeyTapAccount}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			d := testDevice(tt.phone(t), DeviceConfig{CommandTimeout: 50 * time.Millisecond})
			obs, err := d.Observe(ctx)
			require.NoError(t, err)
			r := agent.Assess(obs, agent.AssessOptions{})
			require.NoError(t, r.Validate())
			assert.Equal(t, tt.verdict, r.Verdict(), "%v", r.Risks)
			assert.ElementsMatch(t, tt.kinds, r.RiskKinds(), "%v", r.Risks)
		})
	}
}

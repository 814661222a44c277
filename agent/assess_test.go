package agent

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

var checkedAt = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func obs(users []UserAccounts, fd, lost protocol.Tri, problems ...Problem) Observation {
	return Observation{
		Identity: protocol.Identity{Serial: "abc123"}, Users: users, FindDevice: fd, LostMode: lost,
		Problems: problems, ObservedAt: checkedAt,
		Management: Management{Read: true}, Setup: SetupState{FRPActive: protocol.TriOff, Provisioned: protocol.TriOn},
	}
}

func owner(accounts ...RawAccount) []UserAccounts {
	return []UserAccounts{{UserID: 0, UserName: "Owner", Accounts: accounts}}
}

func TestAssess(t *testing.T) {
	mi := RawAccount{Type: AccountTypeXiaomi, Name: "2807000558"}
	google := RawAccount{Type: AccountTypeGoogle, Name: "jane.doe@example.com"}
	samsung := RawAccount{Type: AccountTypeSamsung, Name: "jd@example.com"}
	whatsapp := RawAccount{Type: "com.whatsapp", Name: "+440000000"}
	denied := Problem{Check: "dumpsys account", Reason: "Permission Denial"}

	tests := []struct {
		name      string
		obs       Observation
		wantSafe  bool
		wantKinds []protocol.RiskKind
		wantFD    protocol.Tri
		verdict   protocol.Verdict
	}{
		{"clean, find device off", obs(owner(whatsapp), protocol.TriOff, protocol.TriOff), true, nil, protocol.TriOff, protocol.VerdictSafe},
		{"clean, provider unreadable, no Mi account: off by inference",
			obs(owner(), protocol.TriUnknown, protocol.TriOff), true, nil, protocol.TriOff, protocol.VerdictSafe},
		{"bound Xiaomi, find device on",
			obs(owner(mi, google), protocol.TriOn, protocol.TriOff), false,
			[]protocol.RiskKind{protocol.RiskMiAccount, protocol.RiskFindDevice, protocol.RiskGoogleFRP}, protocol.TriOn, protocol.VerdictAtRisk},
		{"Mi account, provider denied: find device treated as on",
			obs(owner(mi), protocol.TriUnknown, protocol.TriOff), false,
			[]protocol.RiskKind{protocol.RiskMiAccount, protocol.RiskFindDevice}, protocol.TriUnknown, protocol.VerdictAtRisk},
		{"Mi account, find device off: the account still counts",
			obs(owner(mi), protocol.TriOff, protocol.TriOff), false,
			[]protocol.RiskKind{protocol.RiskMiAccount}, protocol.TriOff, protocol.VerdictAtRisk},
		{"Samsung in Secure Folder user",
			obs([]UserAccounts{{UserID: 0}, {UserID: 150, Accounts: []RawAccount{samsung}}}, protocol.TriUnknown, protocol.TriOff), false,
			[]protocol.RiskKind{protocol.RiskSamsungReactivation}, protocol.TriOff, protocol.VerdictAtRisk},
		{"dump denied: unknown, never safe",
			obs(nil, protocol.TriUnknown, protocol.TriOff, denied), false,
			[]protocol.RiskKind{protocol.RiskUnknown, protocol.RiskUnknown}, protocol.TriUnknown, protocol.VerdictUnknown},
		{"lost mode on", obs(owner(), protocol.TriOff, protocol.TriOn), false,
			[]protocol.RiskKind{protocol.RiskLostMode}, protocol.TriOff, protocol.VerdictAtRisk},
		{"lost mode unknown without a problem", obs(owner(), protocol.TriOff, protocol.TriUnknown), false,
			[]protocol.RiskKind{protocol.RiskUnknown}, protocol.TriOff, protocol.VerdictUnknown},
		{"lost mode unreadable, provider unreadable, no Mi account: find device still off",
			obs(owner(), protocol.TriUnknown, protocol.TriUnknown, Problem{Check: CheckLostMode, Reason: "permission denial"}), false,
			[]protocol.RiskKind{protocol.RiskUnknown}, protocol.TriOff, protocol.VerdictUnknown},
		{"zero observation is unknown", Observation{ObservedAt: checkedAt}, false,
			[]protocol.RiskKind{protocol.RiskUnknown, protocol.RiskUnknown, protocol.RiskUnknown, protocol.RiskUnknown},
			protocol.TriUnknown, protocol.VerdictUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Assess(tc.obs, AssessOptions{})
			require.NoError(t, r.Validate(), "Assess must always produce a valid report")
			assert.Equal(t, tc.wantSafe, r.SafeToReset)
			var kinds []protocol.RiskKind
			for _, risk := range r.Risks {
				kinds = append(kinds, risk.Kind)
				assert.NotEmpty(t, risk.Evidence)
			}
			assert.ElementsMatch(t, tc.wantKinds, kinds)
			assert.Equal(t, tc.wantFD, r.FindDevice)
			assert.Equal(t, tc.verdict, r.Verdict())
		})
	}
}

func TestAssessMasksNamesUnlessAsked(t *testing.T) {
	o := obs(owner(RawAccount{Type: AccountTypeGoogle, Name: "jane.doe@example.com"}), protocol.TriOff, protocol.TriOff)
	masked := Assess(o, AssessOptions{})
	b, err := protocol.Encode(protocol.DeviceState{V: protocol.Version, DeviceID: "abc123", Seq: 1, Report: masked})
	require.NoError(t, err)
	assert.NotContains(t, string(b), "jane.doe")
	assert.Contains(t, string(b), "ja***@example.com")

	shown := Assess(o, AssessOptions{ShowAccountNames: true})
	assert.Equal(t, "jane.doe@example.com", shown.Accounts[0].Name)
}

func TestMaskAccountName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"jane.doe@gmail.com", "ja***@gmail.com"},
		{"2807000558", "28***58"},
		{"bob@x.org", "b***@x.org"},
		{"abc", "a***"},
		{"李小龙的账号名字", "李小***名字"},
		{"", ""},
		{"@", "_***"}, // a mask shows no character a mask is made of
	}
	for _, tc := range tests {
		got := MaskAccountName(tc.in)
		assert.Equal(t, tc.want, got, "mask %q", tc.in)
		if len(tc.in) > 6 {
			assert.False(t, strings.Contains(got, tc.in), "mask %q leaks it", tc.in)
		}
	}
}

package protocol

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// resetDetailCases are the reset details both the unit test and the fuzz
// seeds use.
var resetDetailCases = []struct {
	detail     string
	wantOK     bool
	wantKind   ResetEvidence
	wantSource string
}{
	{ResetDetail(EvidenceWipeStarted, "root_broadcast"), true, EvidenceWipeStarted, "root_broadcast"},
	{ResetDetail(EvidenceWipeStarted, "sys.powerctl=reboot,recovery"), true, EvidenceWipeStarted, "sys.powerctl=reboot,recovery"},
	{ResetDetail(EvidenceResetScreenOpened, "settings_screen"), true, EvidenceResetScreenOpened, "settings_screen"},
	// A bench agent's view through adb: the source holds its own ": ".
	{ResetDetail(EvidenceWipeStarted, "adb: recovery"), true, EvidenceWipeStarted, "adb: recovery"},
	{ResetDetail(EvidenceWipeStarted, "adb: sideload"), true, EvidenceWipeStarted, "adb: sideload"},
	{ResetDetail(EvidenceADBLost, "adb: not listed"), true, EvidenceADBLost, "adb: not listed"},
	{"adb_lost", false, "", ""},
	{"adb_lost:", false, "", ""},
	// Older agents.
	{"reset started: root_broadcast", true, EvidenceWipeStarted, "root_broadcast"},
	{"reset started: settings_screen", true, EvidenceResetScreenOpened, "settings_screen"},
	{"reset started: something new", false, "", ""},
	// An agent cannot claim an operator's confirmation.
	{ResetDetail(EvidenceOperatorConfirmed, "operator:alice"), false, "", ""},
	{"", false, "", ""},
	{"wipe_started", false, "", ""},
	{"reset sent (root_broadcast) but not confirmed: adb gone", false, "", ""},
	{"no sign of a wipe before the command expired", false, "", ""},
}

func TestParseResetDetail(t *testing.T) {
	for _, tc := range resetDetailCases {
		kind, source, ok := ParseResetDetail(tc.detail)
		assert.Equal(t, tc.wantOK, ok, "%q", tc.detail)
		assert.Equal(t, tc.wantKind, kind, "%q", tc.detail)
		assert.Equal(t, tc.wantSource, source, "%q", tc.detail)
	}
}

func FuzzParseResetDetail(f *testing.F) {
	for _, tc := range resetDetailCases {
		f.Add(tc.detail)
	}
	f.Fuzz(func(t *testing.T, detail string) {
		kind, source, ok := ParseResetDetail(detail)
		switch {
		case !ok && (kind != "" || source != ""):
			t.Fatalf("%q not read, yet gave %q %q", detail, kind, source)
		case ok && kind != EvidenceWipeStarted && kind != EvidenceResetScreenOpened && kind != EvidenceADBLost:
			t.Fatalf("%q read as %q", detail, kind)
		}
		if ok && !strings.HasSuffix(detail, source) {
			t.Fatalf("%q: source %q is not its tail", detail, source)
		}
	})
}

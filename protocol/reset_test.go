package protocol

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseResetDetail(t *testing.T) {
	tests := []struct {
		detail     string
		wantOK     bool
		wantKind   ResetEvidence
		wantSource string
	}{
		{ResetDetail(EvidenceWipeStarted, "root_broadcast"), true, EvidenceWipeStarted, "root_broadcast"},
		{ResetDetail(EvidenceWipeStarted, "sys.powerctl=reboot,recovery"), true, EvidenceWipeStarted, "sys.powerctl=reboot,recovery"},
		{ResetDetail(EvidenceResetScreenOpened, "settings_screen"), true, EvidenceResetScreenOpened, "settings_screen"},
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
	for _, tc := range tests {
		kind, source, ok := ParseResetDetail(tc.detail)
		assert.Equal(t, tc.wantOK, ok, "%q", tc.detail)
		assert.Equal(t, tc.wantKind, kind, "%q", tc.detail)
		assert.Equal(t, tc.wantSource, source, "%q", tc.detail)
	}
}

func FuzzParseResetDetail(f *testing.F) {
	for _, s := range []string{"wipe_started: root_broadcast", "reset started: settings_screen", "operator_confirmed: x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, detail string) {
		kind, _, ok := ParseResetDetail(detail)
		if ok && kind != EvidenceWipeStarted && kind != EvidenceResetScreenOpened {
			t.Fatalf("%q read as %q", detail, kind)
		}
	})
}

package agent

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/unbind/unbind/protocol"
)

func TestWipeWatchStep(t *testing.T) {
	started := WipeSign{Evidence: protocol.EvidenceWipeStarted, Signal: "adb: recovery"}
	lost := WipeSign{Evidence: protocol.EvidenceADBLost, Signal: "adb: not listed"}
	tests := []struct {
		name     string
		lostSaid bool
		sign     WipeSign
		want     wipeSay
		wantLost bool
	}{
		{"nothing seen", false, WipeSign{}, wipeSay{}, false},
		{"recovery: succeeded at once", false, started,
			wipeSay{protocol.CommandSucceeded, "wipe_started: adb: recovery"}, false},
		{"recovery after the bench lost it", true, started,
			wipeSay{protocol.CommandSucceeded, "wipe_started: adb: recovery"}, true},
		{"lost: said, still watching", false, lost,
			wipeSay{protocol.CommandInProgress, "adb_lost: adb: not listed"}, true},
		{"still lost: said once", true, lost, wipeSay{}, true},
		{"seen again: a later loss is news", true, WipeSign{}, wipeSay{}, false},
		{"an agent cannot claim an operator", false, WipeSign{Evidence: protocol.EvidenceOperatorConfirmed, Signal: "x"}, wipeSay{}, false},
		{"nor a screen", true, WipeSign{Evidence: protocol.EvidenceResetScreenOpened, Signal: "x"}, wipeSay{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, lost := wipeWatchStep(tc.lostSaid, tc.sign)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.wantLost, lost)
		})
	}
}

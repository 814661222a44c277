package console

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/unbind/unbind/controller/registry"
)

func TestReasonWords(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"agent: sys.shutdown.requested=1recovery", "Resetting — the phone restarted into recovery"},
		{"agent: sys.powerctl=reboot,recovery", "Resetting — the phone restarted into recovery"},
		{"agent: adb: sideload", "Resetting — the bench PC saw the phone restart into sideload"},
		{"agent: root_broadcast", "Resetting — the agent started the wipe itself"},
		{"agent: something new", "The phone reported: something new"},
		{"confirmed by operator alice", "Reset confirmed by alice, who saw the phone's setup screen"},
		{"waiting: the phone is busy", "waiting: the phone is busy"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) { assert.Equal(t, tt.want, reasonWords(tt.raw)) })
	}
}

func TestSummarise(t *testing.T) {
	done := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	rs := []registry.ReleaseRecord{
		{Stage: "released", Outcome: "released", FinishedAt: done},
		{Stage: "released", Outcome: "released", FinishedAt: done},
		{Stage: "failed", Outcome: "failed", FinishedAt: done},
		{Stage: "canceled", Outcome: "canceled", FinishedAt: done},
		{Stage: "sign_out"},
		{Stage: "waiting_for_reset"},
		{Stage: "on_hold"},
		{Stage: "verify"},
		{Stage: "reset"},
	}
	got := map[batchPart]int{}
	for _, l := range summarise(rs) {
		got[l.Part] = l.N
	}
	assert.Equal(t, map[batchPart]int{partReleased: 2, partFailed: 1, partCanceled: 1, partPerson: 2, partHold: 1, partRunning: 2}, got)
	assert.Len(t, summarise(nil), len(batchParts), "every part shown, zero or not")
}

package release

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/unbind/unbind/protocol"
)

// TestGuidanceWaitsForABusyPhone: while another command occupies the phone
// (the demo's guidance, an operator's), a release sends no guidance the
// agent would only refuse, and says which command it waits for; once that
// command has ended or was canceled, it asks at once and the reason naming
// the busy command goes. A busy rejection from a command the controller
// does not know of waits BusyRetry, then asks again, dropping the reason.
func TestGuidanceWaitsForABusyPhone(t *testing.T) {
	now := t0.Add(time.Minute)
	other := &Command{ID: "demo-1", Kind: protocol.CommandSignOut, State: protocol.CommandInProgress}
	bound := report(protocol.RiskMiAccount)
	waiting := waitingForPrefix + "demo-1 (sign_out) to end on the phone; this release's guidance follows"
	rejected := &Command{ID: "c1", Kind: protocol.CommandSignOut, State: protocol.CommandRejected, Detail: protocol.RejectedBusyPrefix + "demo-1"}
	for _, tc := range []struct {
		name       string
		r          Release
		o          Observed
		wantSend   protocol.CommandKind
		wantReason string
	}{
		{"verify finds the phone bound and busy: no guidance sent",
			Release{Stage: StageVerify, CommandID: "c0", StageSince: t0}, Observed{Report: bound, ReportAt: now, Busy: other}, "", waiting},
		{"verify finds it bound and free: guidance sent",
			Release{Stage: StageVerify, CommandID: "c0", StageSince: t0}, Observed{Report: bound, ReportAt: now}, protocol.CommandSignOut, ""},
		{"refused as busy by a known command: wait for it",
			Release{Stage: StageSignOut, CommandID: "c1", StageSince: t0}, Observed{Command: rejected, Busy: other}, "", waiting},
		{"still busy, pause long over: still nothing sent",
			Release{Stage: StageSignOut, StageSince: t0, Reason: waiting}, Observed{Busy: other}, "", waiting},
		{"the busy command ended or was canceled: ask at once, reason gone",
			Release{Stage: StageSignOut, StageSince: now, Reason: waiting}, Observed{}, protocol.CommandSignOut, ""},
		{"refused as busy by a command nobody knows: pause",
			Release{Stage: StageSignOut, CommandID: "c1", StageSince: t0}, Observed{Command: rejected}, "", "waiting: the phone is busy with command demo-1"},
		{"unknown busy, pause running: nothing sent",
			Release{Stage: StageSignOut, StageSince: now.Add(-BusyRetry / 2), Reason: "waiting: the phone is busy with command demo-1"}, Observed{}, "", "waiting: the phone is busy with command demo-1"},
		{"unknown busy, pause over: ask again, reason gone",
			Release{Stage: StageSignOut, StageSince: now.Add(-BusyRetry), Reason: "waiting: the phone is busy with command demo-1"}, Observed{}, protocol.CommandSignOut, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.r.Deadline = t0.Add(time.Hour)
			tc.o.Now, tc.o.MaxReportAge = now, time.Minute
			got, effects := Next(tc.r, tc.o)
			assert.Equal(t, StageSignOut, got.Stage)
			if tc.wantSend == "" {
				assert.Empty(t, effects)
			} else {
				assert.Equal(t, []Effect{{Send: tc.wantSend}}, effects)
			}
			assert.Equal(t, tc.wantReason, got.Reason)
		})
	}
}

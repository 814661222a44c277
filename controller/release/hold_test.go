package release

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

func TestHold(t *testing.T) {
	now := t0.Add(time.Hour)
	running := func(s Stage, holdOnTimeout bool, deadline time.Time) Release {
		return Release{Stage: s, CommandID: "c1", StageSince: t0, Deadline: deadline, HoldOnTimeout: holdOnTimeout}
	}
	held := func(reason string) Release {
		return Release{Stage: StageOnHold, StageSince: now, Deadline: now.Add(HoldRecheck), HoldReason: reason, HoldOnTimeout: true}
	}
	signOut := &Command{ID: "c1", Kind: protocol.CommandSignOut, State: protocol.CommandInProgress}
	tests := []struct {
		name       string
		r          Release
		o          Observed
		wantStage  Stage
		wantReason string
		wantSend   protocol.CommandKind
	}{
		{"timed out, asked to hold: held, waiting for the person", running(StageSignOut, true, now),
			Observed{Now: now, Report: report(protocol.RiskMiAccount), ReportAt: now.Add(-time.Minute), Command: signOut},
			StageOnHold, HoldWaitingForPerson, ""},
		{"timed out, not asked: failed", running(StageSignOut, false, now),
			Observed{Now: now, Report: report(protocol.RiskMiAccount), ReportAt: now.Add(-time.Minute), Command: signOut},
			StageFailed, "", ""},
		{"a company's lock, asked to hold: held at once for the organisation", running(StageVerify, true, now.Add(time.Hour)),
			Observed{Now: now, Report: report(protocol.RiskManagedDevice), ReportAt: now},
			StageOnHold, HoldOrganisation, ""},
		{"lost mode, asked to hold: held for the owner's remote unlink", running(StageVerify, true, now.Add(time.Hour)),
			Observed{Now: now, Report: report(protocol.RiskLostMode), ReportAt: now},
			StageOnHold, HoldRemoteUnlink, ""},
		{"held, the phone now clean: a normal release again", held(HoldRemoteUnlink),
			Observed{Now: now.Add(time.Minute), Report: report(), ReportAt: now.Add(time.Minute)},
			StageVerify, "", protocol.CommandRefresh},
		{"held, still locked: still held", held(HoldWaitingForPerson),
			Observed{Now: now.Add(time.Minute), Report: report(protocol.RiskMiAccount), ReportAt: now.Add(time.Minute)},
			StageOnHold, HoldWaitingForPerson, ""},
		{"held, the lock changed: the reason follows", held(HoldWaitingForPerson),
			Observed{Now: now.Add(time.Minute), Report: report(protocol.RiskFRPActive), ReportAt: now.Add(time.Minute)},
			StageOnHold, HoldRemoteUnlink, ""},
		{"held by an operator: the reason stays theirs", held("operator: owner away until Monday"),
			Observed{Now: now.Add(time.Minute), Report: report(protocol.RiskFRPActive), ReportAt: now.Add(time.Minute)},
			StageOnHold, "operator: owner away until Monday", ""},
		{"held, re-check time: ask for a report", held(HoldWaitingForPerson),
			Observed{Now: now.Add(HoldRecheck), Report: report(protocol.RiskMiAccount), ReportAt: now.Add(-time.Minute)},
			StageOnHold, HoldWaitingForPerson, protocol.CommandRefresh},
		{"held, an old safe report is no release", held(HoldWaitingForPerson),
			Observed{Now: now.Add(time.Minute), Report: report(), ReportAt: now.Add(-time.Minute)},
			StageOnHold, HoldWaitingForPerson, ""},
		{"held, safe but from an agent older than the catalogue: still held", held(HoldWaitingForPerson),
			Observed{Now: now.Add(time.Minute), Report: func() *protocol.Report { r := report(); r.Catalogue = 0; return r }(),
				ReportAt: now.Add(time.Minute)},
			StageOnHold, HoldCouldNotTell, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.o.MaxReportAge == 0 {
				tt.o.MaxReportAge = 2 * time.Minute
			}
			got, effects := Next(tt.r, tt.o)
			assert.Equal(t, tt.wantStage, got.Stage, got.Reason)
			if tt.wantReason != "" {
				assert.Equal(t, tt.wantReason, got.HoldReason)
			}
			var sent protocol.CommandKind
			if len(effects) > 0 {
				sent = effects[0].Send
			}
			assert.Equal(t, tt.wantSend, sent)
			if got.Stage == StageOnHold {
				assert.True(t, got.Deadline.After(tt.o.Now), "a held release's deadline is its next re-check")
				assert.True(t, DueByTime(got, got.Deadline), "and time alone brings it back then")
			}
		})
	}
}

func TestOperatorHold(t *testing.T) {
	r, err := Hold(Release{Stage: StageSignOut, CommandID: "c1"}, t0, "owner away")
	require.NoError(t, err)
	assert.Equal(t, StageOnHold, r.Stage)
	assert.Equal(t, "operator: owner away", r.HoldReason)
	for _, s := range []Stage{StageReset, StageWaitingForReset, StageReleased, StageFailed, StageCanceled} {
		_, err := Hold(Release{Stage: s}, t0, "x")
		assert.ErrorIs(t, err, ErrNotHoldable, "%s", s)
	}
}

package release

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/unbind/unbind/protocol"
)

func TestAfterReset(t *testing.T) {
	finished := t0.Add(time.Minute)
	after := finished.Add(time.Minute)
	released := Release{Stage: StageReleased, Evidence: []Evidence{
		{Kind: EvidenceResetScreenOpened, At: t0, Source: "agent", Boot: "boot-1"},
		{Kind: EvidenceWipeStarted, At: finished, Source: "agent: sys.shutdown.requested=1recovery"},
	}}
	setup := func(prov, frp protocol.Tri, tradeIn bool) *protocol.SetupState {
		return &protocol.SetupState{Provisioned: prov, FRPActive: frp, TradeIn: tradeIn}
	}
	clean := func(boot string, s *protocol.SetupState) *protocol.Report {
		r := report()
		r.BootID, r.Setup = boot, s
		return r
	}
	locked := func(boot string, s *protocol.SetupState, kinds ...protocol.RiskKind) *protocol.Report {
		r := report(kinds...)
		r.BootID, r.Setup = boot, s
		return r
	}
	tests := []struct {
		name      string
		r         Release
		rep       *protocol.Report
		at        time.Time
		wantStage Stage
		wantEv    EvidenceKind
	}{
		{"new boot, setup screen, clean", released, clean("boot-2", setup(protocol.TriOff, protocol.TriOff, false)), after, StageReleased, EvidenceSeenCleanAfterReset},
		{"trade-in mode, clean", released, clean("", setup(protocol.TriOff, protocol.TriOff, true)), after, StageReleased, EvidenceSeenCleanAfterReset},
		{"new boot, FRP engaged: failed", released, locked("boot-2", setup(protocol.TriOff, protocol.TriOn, false), protocol.RiskFRPActive), after, StageFailed, EvidenceSeenLockedAfterReset},
		{"trade-in mode, FRP engaged: failed", released, locked("", setup(protocol.TriOff, protocol.TriOn, true), protocol.RiskFRPActive), after, StageFailed, EvidenceSeenLockedAfterReset},
		{"new boot, an account back: failed", released, locked("boot-2", setup(protocol.TriOn, protocol.TriOff, false), protocol.RiskGoogleFRP), after, StageFailed, EvidenceSeenLockedAfterReset},
		{"the same boot says nothing", released, clean("boot-1", setup(protocol.TriOff, protocol.TriOff, false)), after, StageReleased, ""},
		{"before the release ended says nothing", released, clean("boot-2", setup(protocol.TriOff, protocol.TriOff, false)), finished.Add(-time.Second), StageReleased, ""},
		{"a report without setup state says nothing clean", released, clean("boot-2", nil), after, StageReleased, ""},
		{"unknown is not clean", released, locked("boot-2", setup(protocol.TriOff, protocol.TriUnknown, false), protocol.RiskUnknown), after, StageReleased, ""},
		{"a failed release is left alone", Release{Stage: StageFailed}, clean("boot-2", setup(protocol.TriOff, protocol.TriOff, true)), after, StageFailed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed := AfterReset(tt.r, finished, tt.rep, tt.at)
			assert.Equal(t, tt.wantStage, got.Stage)
			assert.Equal(t, tt.wantEv != "", changed)
			if tt.wantEv != "" {
				assert.Equal(t, tt.wantEv, got.Evidence[len(got.Evidence)-1].Kind)
			}
		})
	}

	// Seen clean, then locked: the lock is the last word; seen twice clean
	// records it once.
	r, _ := AfterReset(released, finished, clean("boot-2", setup(protocol.TriOff, protocol.TriOff, false)), after)
	_, again := AfterReset(r, finished, clean("boot-3", setup(protocol.TriOff, protocol.TriOff, false)), after.Add(time.Minute))
	assert.False(t, again)
	r, changed := AfterReset(r, finished, locked("boot-3", setup(protocol.TriOff, protocol.TriOn, false), protocol.RiskFRPActive), after.Add(time.Minute))
	assert.True(t, changed)
	assert.Equal(t, StageFailed, r.Stage)
	assert.Contains(t, r.Reason, "frp_active")
	assert.Equal(t, EvidenceSeenCleanAfterReset, Strength(r.Evidence), "the clean sighting stays recorded")
}

package registry

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

// TestReleaseEvidence: evidence is stored with the release, read back in
// order, only grows (a stale view does not erase it), and each new piece
// writes an audit row naming it, in the actor's name with the note.
func TestReleaseEvidence(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		applyOK(t, s, presenceUpd("d1", protocol.Online, at(0)))
		r := releaseRec("r1", "d1", at(1))
		require.NoError(t, s.CreateRelease(ctx, r))
		got, err := s.Release(ctx, "r1")
		require.NoError(t, err)
		assert.Empty(t, got.Evidence)
		_, ok := got.ProvenBy()
		assert.False(t, ok)

		opened := ReleaseEvidence{Kind: "reset_screen_opened", At: at(5), Source: "agent: settings_screen", Boot: "0f6e2c8a-1b2c-4d5e-8f90-a1b2c3d4e5f6"}
		got.Stage, got.CommandID, got.UpdatedAt = "waiting_for_reset", "c1", at(5)
		got.Evidence = []ReleaseEvidence{opened}
		require.NoError(t, s.UpdateRelease(ctx, got))

		stale := got
		stale.Evidence = nil
		stale.UpdatedAt = at(6)
		require.NoError(t, s.UpdateRelease(ctx, stale))
		got, err = s.Release(ctx, "r1")
		require.NoError(t, err)
		assert.Equal(t, []ReleaseEvidence{opened}, got.Evidence, "evidence only grows")

		confirmed := ReleaseEvidence{Kind: EvidenceOperatorConfirmed, At: at(9), Source: "operator:bo"}
		got.Stage, got.Outcome, got.UpdatedAt, got.FinishedAt = "released", OutcomeReleased, at(9), at(9)
		got.Evidence = append(got.Evidence, confirmed)
		require.NoError(t, s.StepReleases(ctx, []ReleaseStep{{Release: got, Actor: OperatorActor("bo"), Note: "setup screen shown"}}))
		got, err = s.Release(ctx, "r1")
		require.NoError(t, err)
		assert.Equal(t, []ReleaseEvidence{opened, confirmed}, got.Evidence)
		proof, ok := got.ProvenBy()
		require.True(t, ok)
		assert.Equal(t, confirmed, proof)

		trail, err := s.Audit(ctx, "d1", 0)
		require.NoError(t, err)
		last := trail[len(trail)-1]
		assert.Equal(t, OperatorActor("bo"), last.Actor)
		assert.Equal(t, "setup screen shown", last.Note)
		assert.True(t, strings.Contains(last.Detail, "evidence operator_confirmed"), last.Detail)

		bad := got
		bad.Evidence = append(bad.Evidence, ReleaseEvidence{Kind: ""})
		assert.Error(t, s.UpdateRelease(ctx, bad), "evidence without a kind is refused")
	})
}

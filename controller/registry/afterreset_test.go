package registry

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

// TestHoldAndAfterResetEvents: going on hold and leaving it write
// release.held and release.hold_resolved; a released phone seen locked
// after its reset writes release.locked_after_reset and supersedes the
// release's certificates in the same transaction.
func TestHoldAndAfterResetEvents(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		addHook(t, s, "h1", EventReleaseHeld, EventReleaseHoldResolved, EventReleaseLockedAfterReset, EventReleaseReleased)
		applyOK(t, s, presenceUpd("d1", protocol.Online, at(0)))
		require.NoError(t, s.CreateRelease(ctx, releaseRec("r1", "d1", at(1))))

		r, err := s.Release(ctx, "r1")
		require.NoError(t, err)
		r.Stage, r.HoldReason, r.HeldSince, r.UpdatedAt = StageOnHold, "remote_unlink_by_owner", at(2), at(2)
		require.NoError(t, s.UpdateRelease(ctx, r))
		got := claimAll(t, s, at(2))
		require.Len(t, got, 1)
		assert.Equal(t, EventReleaseHeld, got[0].Type)
		var d ReleaseEventData
		require.NoError(t, json.Unmarshal(got[0].Data, &d))
		assert.Equal(t, "remote_unlink_by_owner", d.Reason)
		held, err := s.Release(ctx, "r1")
		require.NoError(t, err)
		assert.Equal(t, at(2), held.HeldSince)

		r.Stage, r.HoldReason, r.HeldSince, r.UpdatedAt = "verify", "", time.Time{}, at(3)
		require.NoError(t, s.UpdateRelease(ctx, r))
		got = claimAll(t, s, at(3))
		require.Len(t, got, 1)
		assert.Equal(t, EventReleaseHoldResolved, got[0].Type)

		r.Stage, r.Outcome, r.UpdatedAt, r.FinishedAt = "released", OutcomeReleased, at(4), at(4)
		require.NoError(t, s.UpdateRelease(ctx, r))
		require.Len(t, claimAll(t, s, at(4)), 1)
		require.NoError(t, s.StoreCertificate(ctx, CertificateRecord{ID: "c1", DeviceID: "d1", ReleaseID: "r1", IssuedAt: at(5),
			Document: []byte(`{}`)}, "operator:ana"))

		r.Stage, r.Outcome, r.Reason, r.UpdatedAt = "failed", "failed", "seen locked after its reset: frp_active", at(6)
		require.NoError(t, s.UpdateRelease(ctx, r))
		got = claimAll(t, s, at(6))
		require.Len(t, got, 1)
		assert.Equal(t, EventReleaseLockedAfterReset, got[0].Type)
		c, err := s.Certificate(ctx, "c1")
		require.NoError(t, err)
		assert.Equal(t, "seen locked after its reset: frp_active", c.Superseded)
	})
}

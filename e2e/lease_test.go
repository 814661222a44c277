package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
	"github.com/unbind/unbind/protocol"
)

// TestReleaseLeaseHandsOver: a release whose lease another controller holds
// is left alone until that lease lapses (the other controller died), and is
// then taken over and driven on.
func TestReleaseLeaseHandsOver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := controllertest.NewClock()
	c := controllertest.Start(t, clock.Configure)
	reg := c.Registry()
	// Written straight to the registry, as another controller would: this
	// controller's ingest is not woken by it.
	now := clock.Now().UTC()
	_, err := reg.ApplyBatch(ctx, []registry.Update{controllertest.StateUpdate("leased", now)})
	require.NoError(t, err)
	require.NoError(t, reg.CreateRelease(ctx, registry.ReleaseRecord{ID: "r-leased", DeviceID: "leased", Operator: "tester",
		Stage: string(release.StageVerify), CreatedAt: now, Deadline: now.Add(time.Hour)}))
	got, err := reg.ClaimReleases(ctx, "dead-controller", []string{"r-leased"}, now, 15*time.Second)
	require.NoError(t, err)
	require.Equal(t, "dead-controller", got["r-leased"].Owner)

	clock.Advance(t, 0)
	clock.Advance(t, 10*time.Second)
	r, err := reg.Release(ctx, "r-leased")
	require.NoError(t, err)
	assert.Equal(t, string(release.StageVerify), r.Stage, "driven while another controller held its lease")
	assert.Empty(t, r.CommandID)

	clock.Advance(t, 10*time.Second) // past the lease: its holder is gone
	r, err = reg.Release(ctx, "r-leased")
	require.NoError(t, err)
	assert.NotEqual(t, string(release.StageVerify)+"/", r.Stage+"/"+r.CommandID, "not taken over once the lease lapsed")
	got, err = reg.ClaimReleases(ctx, "dead-controller", []string{"r-leased"}, clock.Now(), 15*time.Second)
	require.NoError(t, err)
	assert.NotEqual(t, "dead-controller", got["r-leased"].Owner, "the controller holds the lease now")
}

// TestRepairsWaitForTheLease: the repairs after a crash between two writes
// (a release whose command was never recorded) are moves like any other:
// while another controller holds the release's lease they write nothing and
// send nothing; once it lapses, the release is repaired.
func TestRepairsWaitForTheLease(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		stage release.Stage
		// wantStage and wantKind: the release and its command once repaired.
		wantStage     release.Stage
		wantKind      protocol.CommandKind
		wantSameCmdID bool
	}{
		{"a reset decided, never recorded: back to verify", release.StageReset, release.StageVerify, protocol.CommandRefresh, false},
		{"guidance persisted, never recorded: sent under its ID", release.StageSignOut, release.StageSignOut, protocol.CommandSignOut, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clock := controllertest.NewClock()
			c := controllertest.Start(t, clock.Configure)
			reg := c.Registry()
			now := clock.Now().UTC()
			_, err := reg.ApplyBatch(ctx, []registry.Update{controllertest.StateUpdate("crashed", now)})
			require.NoError(t, err)
			require.NoError(t, reg.CreateRelease(ctx, registry.ReleaseRecord{ID: "r-crashed", DeviceID: "crashed", Operator: "tester",
				Stage: string(tc.stage), CommandID: "c-never-recorded", CreatedAt: now, UpdatedAt: now, Deadline: now.Add(time.Hour)}))
			_, err = reg.ClaimReleases(ctx, "other-controller", []string{"r-crashed"}, now, 15*time.Second)
			require.NoError(t, err)

			clock.Advance(t, 0)
			clock.Advance(t, 10*time.Second)
			r, err := reg.Release(ctx, "r-crashed")
			require.NoError(t, err)
			assert.Equal(t, string(tc.stage)+"/c-never-recorded", r.Stage+"/"+r.CommandID, "repaired under another controller's lease")
			cmds, err := reg.Commands(ctx, "crashed")
			require.NoError(t, err)
			assert.Empty(t, cmds, "a command recorded under another controller's lease")

			clock.Advance(t, 10*time.Second) // past the lease
			r, err = reg.Release(ctx, "r-crashed")
			require.NoError(t, err)
			assert.Equal(t, string(tc.wantStage), r.Stage)
			require.NotEmpty(t, r.CommandID)
			assert.Equal(t, tc.wantSameCmdID, r.CommandID == "c-never-recorded")
			cmd, err := reg.Command(ctx, r.CommandID)
			require.NoError(t, err, "the repair records its command")
			assert.Equal(t, tc.wantKind, cmd.Kind)
		})
	}
}

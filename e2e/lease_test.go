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

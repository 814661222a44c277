package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/release"
)

// TestReleaseBeyondTheFirstLocks releases phones whose locks lie beyond the
// first four account types, through the real agent, broker and controller:
// the people at vivo, HONOR and Motorola phones sign out and those phones
// are released; a company's phone, a financed Galaxy and a phone already
// at FRP fail at once, naming who can clear them; an OPPO whose HeyTap
// account cannot be read is never released; and no phone is reset with a
// lock armed.
func TestReleaseBeyondTheFirstLocks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := controllertest.NewClock()
	c := controllertest.Start(t, clock.Configure)
	willing := []*androidsim.Phone{
		phone(androidsim.VivoBound(), "vivo-willing", androidsim.Complies),
		phone(androidsim.HonorID(), "honor-willing", androidsim.Complies),
		phone(androidsim.UnknownMakerAccount(), "moto-willing", androidsim.Complies),
		phone(androidsim.AppAccountOnly(), "pixel-app-account", androidsim.Complies),
		phone(androidsim.KnoxGuardCompleted(), "galaxy-kg-completed", androidsim.Complies),
		phone(androidsim.WorkProfileBYOD(), "pixel-byod", androidsim.Complies),
	}
	elsewhere := map[*androidsim.Phone]string{
		phone(androidsim.ManagedWithFRPPolicy(), "pixel-company", androidsim.Complies): "the organisation's admin",
		phone(androidsim.KnoxGuardActive(), "galaxy-financed", androidsim.Complies):    "the financing company",
		phone(androidsim.FRPLocked(), "pixel-frp-locked", androidsim.Complies):         "the previous owner of the Google account",
	}
	unreadable := phone(androidsim.OppoChinaHeyTap(), "oppo-heytap", androidsim.Complies)
	all := append([]*androidsim.Phone{unreadable}, willing...)
	for p := range elsewhere {
		all = append(all, p)
	}
	startFleet(t, c.BrokerURL(), all, enrollVia(c))
	everyPhoneReports(t, c, all)

	ids := func(ps ...*androidsim.Phone) (out []string) {
		for _, p := range ps {
			out = append(out, p.Serial())
		}
		return out
	}
	good, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: ids(willing...), Operator: "tester", Timeout: 10 * time.Minute})
	require.NoError(t, err)
	var stopped []*androidsim.Phone
	for p := range elsewhere {
		stopped = append(stopped, p)
	}
	// Long timeouts: these must fail at once, not by timing out.
	bad, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: ids(stopped...), Operator: "tester", Timeout: 10 * time.Minute})
	require.NoError(t, err)
	hopeless, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: ids(unreadable), Operator: "tester", Timeout: timing.HopelessTimeout})
	require.NoError(t, err)

	finished := func(rs []controller.StartedRelease) bool {
		for _, r := range rs {
			got, err := c.Registry().Release(ctx, r.ID)
			if err != nil || !release.Stage(got.Stage).Terminal() {
				return false
			}
		}
		return true
	}
	eventually(t, func() bool { return finished(good) && finished(bad) }, "every release but the hopeless one ends")
	clock.Advance(t, timing.HopelessTimeout)
	require.True(t, finished(hopeless), "the hopeless release ends at its deadline")

	for _, r := range good {
		got, err := c.Registry().Release(ctx, r.ID)
		require.NoError(t, err)
		assert.Equal(t, string(release.StageReleased), got.Outcome, "%s: %s", got.DeviceID, got.Reason)
	}
	for _, r := range bad {
		got, err := c.Registry().Release(ctx, r.ID)
		require.NoError(t, err)
		assert.Equal(t, string(release.StageFailed), got.Outcome, "%s", got.DeviceID)
		for p, who := range elsewhere {
			if p.Serial() == got.DeviceID {
				assert.Contains(t, got.Reason, who, "%s: the reason names who can clear it", got.DeviceID)
			}
		}
	}
	got, err := c.Registry().Release(ctx, hopeless[0].ID)
	require.NoError(t, err)
	assert.Equal(t, string(release.StageFailed), got.Outcome, "the unreadable OPPO is never released")

	for _, p := range willing {
		eventually(t, p.WasReset, "%s is reset", p.Serial())
	}
	for _, p := range append(stopped, unreadable) {
		assert.False(t, p.WasReset(), "%s must not be reset", p.Serial())
	}
	for _, p := range all {
		for _, reset := range p.Resets() {
			assert.Empty(t, reset.Locks, "%s was reset with locks armed", p.Serial())
		}
		assert.Empty(t, p.ForbiddenCalls(), "%s", p.Serial())
	}
}

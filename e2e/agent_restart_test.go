package e2e

import (
	"context"
	"github.com/unbind/unbind/protocol"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/release"
)

// TestReleaseSurvivesAgentRestartMidGuidance: every agent is restarted
// while its person is being guided to sign out; the agents resume the
// guidance from their state directories and every release still finishes.
func TestReleaseSurvivesAgentRestartMidGuidance(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := controllertest.Start(t)
	var phones []*androidsim.Phone
	for _, serial := range []string{"mi-restart-1", "mi-restart-2", "mi-restart-3"} {
		p := phone(androidsim.BoundXiaomi(), serial, androidsim.Complies)
		p.SetPerson(androidsim.Person{Behaviour: androidsim.Complies, Delay: 4 * time.Second})
		phones = append(phones, p)
	}
	fleet := startFleet(t, c.BrokerURL(), phones, enrollVia(c))
	ids := make([]string, len(phones))
	for i, p := range phones {
		ids[i] = p.Serial()
	}
	eventually(t, func() bool {
		for _, id := range ids {
			d, err := c.Registry().Device(ctx, id)
			if err != nil || d.State == nil || !d.Online {
				return false
			}
		}
		return true
	}, "every phone reports")
	rs, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: ids, Operator: "tester", Timeout: 10 * time.Minute})
	require.NoError(t, err)

	// Wait until every agent has taken its guided command, then restart all.
	eventually(t, func() bool {
		for _, r := range rs {
			got, err := c.Registry().Release(ctx, r.ID)
			if err != nil || got.Stage != string(release.StageSignOut) || got.CommandID == "" {
				return false
			}
			cmd, err := c.Registry().Command(ctx, got.CommandID)
			if err != nil || (cmd.State != protocol.CommandAccepted && cmd.State != protocol.CommandInProgress) {
				return false
			}
		}
		return true
	}, "every phone is being guided")
	for _, id := range ids {
		fleet.Stop(id)
	}
	for _, id := range ids {
		require.NoError(t, fleet.Restart(ctx, id))
	}

	eventually(t, func() bool {
		for _, r := range rs {
			got, err := c.Registry().Release(ctx, r.ID)
			if err != nil || !release.Stage(got.Stage).Terminal() {
				return false
			}
		}
		return true
	}, "every release ends")
	for _, r := range rs {
		got, err := c.Registry().Release(ctx, r.ID)
		require.NoError(t, err)
		assert.Equal(t, string(release.StageReleased), got.Outcome, "%s: %s", got.DeviceID, got.Reason)
	}
	for _, p := range phones {
		eventually(t, p.WasReset, "%s is reset", p.Serial())
		for _, reset := range p.Resets() {
			assert.Empty(t, reset.Locks, "%s was reset with locks armed", p.Serial())
		}
	}
}

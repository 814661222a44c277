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
	"github.com/unbind/unbind/protocol"
)

// TestReleaseWaitsForABusyPhone: each phone is already running a sign-out
// guidance (as `make demo` sends) when its release asks for its own; the
// agent rejects that as busy, and the release waits and asks again instead
// of failing, so every phone ends released once its person signs out.
func TestReleaseWaitsForABusyPhone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := controllertest.Start(t)
	var phones []*androidsim.Phone
	for _, serial := range []string{"mi-busy-1", "mi-busy-2"} {
		p := phone(androidsim.BoundXiaomi(), serial, androidsim.Complies)
		p.SetPerson(androidsim.Person{Behaviour: androidsim.Complies, Delay: 3 * time.Second})
		phones = append(phones, p)
	}
	startFleet(t, c.BrokerURL(), phones, enrollVia(c))
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

	// Someone else's guidance is running on every phone first.
	var earlier []string
	for _, id := range ids {
		cmd, err := c.SendCommand(ctx, id, protocol.CommandSignOut)
		require.NoError(t, err)
		earlier = append(earlier, cmd.ID)
	}
	eventually(t, func() bool {
		for _, id := range earlier {
			cmd, err := c.Registry().Command(ctx, id)
			if err != nil || (cmd.State != protocol.CommandAccepted && cmd.State != protocol.CommandInProgress) {
				return false
			}
		}
		return true
	}, "every phone is busy with the earlier guidance")

	rs, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: ids, Operator: "tester", Timeout: 10 * time.Minute})
	require.NoError(t, err)
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
		assert.Equal(t, string(release.StageReleased), got.Stage, "%s: %s", got.DeviceID, got.Reason)
	}
	for _, p := range phones {
		eventually(t, p.WasReset, "%s is reset", p.Serial())
		for _, reset := range p.Resets() {
			assert.Empty(t, reset.Locks, "%s was reset with locks armed", p.Serial())
		}
	}
}

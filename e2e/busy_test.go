package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
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

// TestBusyReasonGoesWithItsCommand: a release meets its phone busy with
// someone else's guidance. It sends nothing the agent would refuse (no
// rejected command at all) and says which command it waits for; once that
// command is canceled, the release sends its own guidance at once and no
// reason names the canceled command any more.
func TestBusyReasonGoesWithItsCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := controllertest.Start(t)
	p := phone(androidsim.BoundXiaomi(), "mi-busy-cancel", androidsim.Never)
	startFleet(t, c.BrokerURL(), []*androidsim.Phone{p}, enrollVia(c))
	everyPhoneReports(t, c, []*androidsim.Phone{p})

	earlier, err := c.SendCommand(ctx, p.Serial(), protocol.CommandSignOut)
	require.NoError(t, err)
	eventually(t, func() bool {
		cmd, err := c.Registry().Command(ctx, earlier.ID)
		return err == nil && (cmd.State == protocol.CommandAccepted || cmd.State == protocol.CommandInProgress)
	}, "the phone is busy with the earlier guidance")

	rs, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: []string{p.Serial()}, Operator: "tester", Timeout: time.Hour})
	require.NoError(t, err)
	get := func() registry.ReleaseRecord {
		r, err := c.Registry().Release(ctx, rs[0].ID)
		require.NoError(t, err)
		return r
	}
	eventually(t, func() bool { return strings.Contains(get().Reason, earlier.ID) }, "the release says it waits for %s", earlier.ID)
	assert.Equal(t, string(release.StageSignOut), get().Stage)
	assert.Empty(t, get().CommandID, "no guidance sent while the phone is busy")

	_, err = c.Cancel(ctx, earlier.ID)
	require.NoError(t, err)
	eventually(t, func() bool {
		r := get()
		if r.CommandID == "" {
			return false
		}
		cmd, err := c.Registry().Command(ctx, r.CommandID)
		return err == nil && cmd.Kind == protocol.CommandSignOut && cmd.State == protocol.CommandInProgress
	}, "the release's own guidance runs once the earlier one is canceled")
	assert.NotContains(t, get().Reason, earlier.ID, "the reason went with the canceled command")
	cmds, err := c.Registry().Commands(ctx, p.Serial())
	require.NoError(t, err)
	for _, cmd := range cmds {
		assert.NotEqual(t, protocol.CommandRejected, cmd.State, "%s %s was rejected", cmd.Kind, cmd.ID)
	}
}

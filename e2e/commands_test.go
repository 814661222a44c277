package e2e

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/protocol"
)

// TestCommandWaitsForOfflinePhone: a command to a phone whose agent is gone
// waits in the registry and runs once the agent is back.
func TestCommandWaitsForOfflinePhone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := controllertest.Start(t)
	phones := androidsim.Fleet(2, 5)
	fleet := startFleet(t, c.BrokerURL(), phones, enrollVia(c))
	serial := phones[0].Serial()
	eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, serial)
		return err == nil && d.Online && d.State != nil
	}, "phone online")

	fleet.Stop(serial)
	eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, serial)
		return err == nil && !d.Online
	}, "phone offline")

	cmd, err := c.SendCommand(ctx, serial, protocol.CommandRefresh)
	require.NoError(t, err)
	rec, err := c.Registry().Command(ctx, cmd.ID)
	require.NoError(t, err)
	assert.Equal(t, protocol.CommandQueued, rec.State, "not sent to an offline phone")

	require.NoError(t, fleet.Restart(ctx, serial))
	eventually(t, func() bool {
		rec, err := c.Registry().Command(ctx, cmd.ID)
		return err == nil && rec.State == protocol.CommandSucceeded
	}, "the queued command runs after reconnect")

	_, err = c.Cancel(ctx, cmd.ID)
	assert.ErrorContains(t, err, "already finished")
}

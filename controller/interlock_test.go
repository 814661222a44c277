package controller_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

var stateOf = controllertest.StateUpdate

// TestFactoryResetInterlock: whoever asks, the controller issues a factory
// reset only for a phone whose latest report is safe and fresh.
func TestFactoryResetInterlock(t *testing.T) {
	c := controllertest.Start(t, func(cfg *controller.Config) { cfg.MaxReportAge = time.Minute })
	ctx := context.Background()
	now := time.Now().UTC()
	require.NoError(t, c.Registry().Apply(ctx, []registry.Update{
		stateOf("safe1", now),
		stateOf("stale1", now.Add(-time.Hour)),
		stateOf("bound1", now, protocol.RiskGoogleFRP),
		stateOf("unknown1", now, protocol.RiskUnknown),
		{DeviceID: "noreport1", ReceivedAt: now, Presence: &protocol.Presence{V: 1, DeviceID: "noreport1", Status: protocol.Offline, At: now}},
	}))
	tests := []struct {
		device string
		allow  bool
	}{
		{"safe1", true}, {"stale1", false}, {"bound1", false}, {"unknown1", false}, {"noreport1", false},
	}
	for _, tc := range tests {
		t.Run(tc.device, func(t *testing.T) {
			cmd, err := c.SendCommand(ctx, tc.device, protocol.CommandFactoryReset)
			if tc.allow {
				require.NoError(t, err)
				rec, err := c.Registry().Command(ctx, cmd.ID)
				require.NoError(t, err)
				assert.Equal(t, protocol.CommandQueued, rec.State, "offline phone: queued")
				return
			}
			assert.ErrorIs(t, err, controller.ErrNotSafe)
			cmds, err := c.Registry().Commands(ctx, tc.device)
			require.NoError(t, err)
			assert.Empty(t, cmds, "nothing recorded, nothing sent")
		})
	}
}

package demo

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/internal/cli/clitest"
	"github.com/unbind/unbind/protocol"
	"github.com/unbind/unbind/sim/simfleet"
)

// TestWatchGuidesEveryPhoneAtRisk: phones enrolled in process report; Watch
// prints the fleet's counts and sends one sign_out to each phone at risk,
// and none to a safe phone; it returns nil when ctx ends.
func TestWatchGuidesEveryPhoneAtRisk(t *testing.T) {
	c := controllertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	phones := []*androidsim.Phone{androidsim.New(androidsim.BoundXiaomi()), androidsim.New(androidsim.CleanXiaomi())}
	fleet := simfleet.Start(ctx, simfleet.Config{BrokerURL: c.BrokerURL(), Phones: phones,
		Interval: time.Hour, ActiveInterval: time.Second, Enroll: EnrollInProcess(c.Controller)})
	defer fleet.Close()

	var out clitest.SyncBuffer
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- Watch(wctx, c.Controller, &out, true) }()

	atRisk, safe := phones[0].Serial(), phones[1].Serial()
	require.Eventually(t, func() bool {
		cmds, err := c.Registry().Commands(ctx, atRisk)
		return err == nil && len(cmds) == 1 && cmds[0].Kind == protocol.CommandSignOut
	}, time.Minute, 50*time.Millisecond, "one sign_out to the phone at risk")
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "phones 2  online 2") }, time.Minute, 50*time.Millisecond, out.String())
	stop()
	require.NoError(t, <-done)

	cmds, err := c.Registry().Commands(ctx, safe)
	require.NoError(t, err)
	assert.Empty(t, cmds, "a safe phone is not guided")
}

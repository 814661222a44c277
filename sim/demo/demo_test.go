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
	"github.com/unbind/unbind/controller/registry"
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
		return err == nil && countKind(cmds, protocol.CommandSignOut) == 1
	}, time.Minute, 50*time.Millisecond, "one sign_out to the phone at risk")
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "phones 2  online 2") }, time.Minute, 50*time.Millisecond, out.String())
	stop()
	require.NoError(t, <-done)

	cmds, err := c.Registry().Commands(ctx, safe)
	require.NoError(t, err)
	assert.Empty(t, cmds, "a safe phone is not guided")
}

func countKind(cmds []registry.CommandRecord, kind protocol.CommandKind) int {
	n := 0
	for _, c := range cmds {
		if c.Kind == kind {
			n++
		}
	}
	return n
}

func simPhone(o androidsim.Options, serial string, b androidsim.Behaviour) *androidsim.Phone {
	o.Identity.Serial, o.Identity.IMEI = serial, androidsim.IMEIFor(serial)
	o.Person = androidsim.Person{Behaviour: b}
	return androidsim.New(o)
}

// TestGuidanceLeavesPhonesFree: the demo's guidance, with the real agent,
// broker and controller. A phone whose person never acts is guided once and
// then left free: its guidance is canceled once on screen, it is not guided
// again while its state stays the same, and another guided command is
// accepted at once (not rejected as busy). A phone whose person complies is
// guided once per state until it is safe. No command is ever rejected.
func TestGuidanceLeavesPhonesFree(t *testing.T) {
	c := controllertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	never := simPhone(androidsim.BoundXiaomi(), "demo-never", androidsim.Never)
	complies := simPhone(androidsim.BoundXiaomi(), "demo-complies", androidsim.Complies)
	fleet := simfleet.Start(ctx, simfleet.Config{BrokerURL: c.BrokerURL(), Phones: []*androidsim.Phone{never, complies},
		Interval: time.Second, ActiveInterval: time.Second, Enroll: EnrollInProcess(c.Controller)})
	defer fleet.Close()
	var out clitest.SyncBuffer
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- Watch(wctx, c.Controller, &out, true) }()
	defer func() { stop(); require.NoError(t, <-done) }()

	commands := func(id string) []registry.CommandRecord {
		cmds, err := c.Registry().Commands(ctx, id)
		require.NoError(t, err)
		return cmds
	}
	require.Eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, complies.Serial())
		return err == nil && d.Verdict == protocol.VerdictSafe
	}, time.Minute, 50*time.Millisecond, "the complying person's phone ends safe")
	assert.LessOrEqual(t, countKind(commands(complies.Serial()), protocol.CommandSignOut), 2, "one guidance per state (Mi account, then Google)")

	var guided registry.CommandRecord
	require.Eventually(t, func() bool {
		for _, cmd := range commands(never.Serial()) {
			if cmd.Kind == protocol.CommandSignOut && cmd.State == protocol.CommandCanceled {
				guided = cmd
				return true
			}
		}
		return false
	}, time.Minute, 50*time.Millisecond, "the demo's guidance is canceled once on screen")
	assert.Contains(t, never.Screens()[0].Intent, "XIAOMI_ACCOUNT", "the person was guided to the Mi account screen")
	d, err := c.Registry().Device(ctx, never.Serial())
	require.NoError(t, err)
	seq := d.StateSeq
	require.Eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, never.Serial())
		return err == nil && d.StateSeq >= seq+3
	}, time.Minute, 50*time.Millisecond, "three more reports of the unchanged phone")
	assert.Equal(t, 1, countKind(commands(never.Serial()), protocol.CommandSignOut), "not guided again while its state stays")

	// Not busy: the next guided command runs at once.
	next, err := c.SendCommand(ctx, never.Serial(), protocol.CommandDisableFindDevice)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		cmd, err := c.Registry().Command(ctx, next.ID)
		return err == nil && cmd.State == protocol.CommandInProgress
	}, time.Minute, 50*time.Millisecond, "the phone is free for the next command")
	for _, p := range []*androidsim.Phone{never, complies} {
		for _, cmd := range commands(p.Serial()) {
			assert.NotEqual(t, protocol.CommandRejected, cmd.State, "%s: %s %s rejected", p.Serial(), cmd.Kind, cmd.ID)
		}
	}
	assert.NotEqual(t, guided.ID, next.ID)
}

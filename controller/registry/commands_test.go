package registry

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

func TestCommandLifecycle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		type step struct {
			set   protocol.CommandState // controller step, or
			event *Update               // an agent event
			stats ApplyStats
		}
		ev := func(st protocol.CommandState, sec int, detail string, stats ApplyStats) step {
			u := eventUpd("d", "c1", st, at(sec), detail, at(sec+1))
			return step{event: &u, stats: stats}
		}
		ok := ApplyStats{Applied: 1}
		tests := []struct {
			name      string
			steps     []step
			wantState protocol.CommandState
			// wantTrail is every transition's state, oldest first, after queued.
			wantTrail []protocol.CommandState
		}{
			{"happy path", []step{
				{set: protocol.CommandSent},
				ev(protocol.CommandAccepted, 10, "", ok),
				ev(protocol.CommandInProgress, 11, "waiting for sign-out", ok),
				ev(protocol.CommandInProgress, 12, "waiting for Find Device off", ok),
				ev(protocol.CommandSucceeded, 13, "", ok),
			}, protocol.CommandSucceeded, []protocol.CommandState{protocol.CommandSent, protocol.CommandAccepted, protocol.CommandInProgress, protocol.CommandInProgress, protocol.CommandSucceeded}},
			{"agent answers before the command is marked sent", []step{
				ev(protocol.CommandAccepted, 10, "", ok),
				{set: protocol.CommandSent},
			}, protocol.CommandAccepted, []protocol.CommandState{protocol.CommandAccepted, protocol.CommandSent}},
			{"nothing leaves a terminal state", []step{
				{set: protocol.CommandSent},
				ev(protocol.CommandRejected, 10, "expired", ok),
				ev(protocol.CommandInProgress, 9, "late", ok),
				ev(protocol.CommandSucceeded, 11, "", ok),
			}, protocol.CommandRejected, []protocol.CommandState{protocol.CommandSent, protocol.CommandInProgress, protocol.CommandRejected, protocol.CommandSucceeded}},
			{"redelivered event is one step", []step{
				ev(protocol.CommandAccepted, 10, "", ok),
				ev(protocol.CommandAccepted, 10, "", ApplyStats{Stale: 1}),
			}, protocol.CommandAccepted, []protocol.CommandState{protocol.CommandAccepted}},
			{"controller may time a command out", []step{
				{set: protocol.CommandSent},
				{set: protocol.CommandTimedOut},
			}, protocol.CommandTimedOut, []protocol.CommandState{protocol.CommandSent, protocol.CommandTimedOut}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				ctx := context.Background()
				s := openOn(t, e, Options{})
				applyOK(t, s, presenceUpd("d", protocol.Online, at(0)))
				require.NoError(t, s.RecordCommand(ctx, command("c1", "d", protocol.CommandSignOut, at(1)), at(1)))
				for i, st := range tc.steps {
					if st.event != nil {
						assert.Equal(t, st.stats, applyOK(t, s, *st.event), "step %d", i)
						continue
					}
					// The controller's steps fall between the agent's, as they do
					// on its clock: transitions are listed in that clock's order.
					require.NoError(t, s.SetCommandState(ctx, "c1", st.set, at(10*(i+1)), "detail"), "step %d", i)
				}
				c, err := s.Command(ctx, "c1")
				require.NoError(t, err)
				assert.Equal(t, tc.wantState, c.State)
				require.NotEmpty(t, c.Transitions)
				assert.Equal(t, protocol.CommandQueued, c.Transitions[0].State)
				assert.Equal(t, at(1), c.Transitions[0].At)
				var trail []protocol.CommandState
				for _, tr := range c.Transitions[1:] {
					trail = append(trail, tr.State)
				}
				assert.Equal(t, tc.wantTrail, trail)
			})
		}
	})
}

func TestCommandEventDetails(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		applyOK(t, s, presenceUpd("d", protocol.Online, at(0)))
		cmd := command("c1", "d", protocol.CommandDisableFindDevice, at(1))
		require.NoError(t, s.RecordCommand(ctx, cmd, at(1)))
		step := eventUpd("d", "c1", protocol.CommandInProgress, at(5), "open Find Device", at(7))
		step.Event.BootID = "boot-1" // kept with the step: a reset's evidence compares it
		applyOK(t, s, step)

		cmds, err := s.Commands(ctx, "d")
		require.NoError(t, err)
		require.Len(t, cmds, 1)
		c := cmds[0]
		assert.Equal(t, CommandRecord{
			ID: "c1", DeviceID: "d", Kind: protocol.CommandDisableFindDevice, IssuedAt: at(1), ExpiresAt: at(3601),
			State: protocol.CommandInProgress, UpdatedAt: at(7),
			Transitions: []CommandTransition{
				{At: at(1), State: protocol.CommandQueued},
				{At: at(7), State: protocol.CommandInProgress, Detail: "open Find Device", ReportedAt: at(5), Boot: "boot-1"},
			},
		}, c)
		d, err := s.Device(ctx, "d")
		require.NoError(t, err)
		assert.Equal(t, at(7), d.LastSeen, "an event is a sign of life")
	})
}

func TestEventsThatMatchNoCommand(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		applyOK(t, s, presenceUpd("a", protocol.Online, at(0)), presenceUpd("b", protocol.Online, at(0)))
		require.NoError(t, s.RecordCommand(ctx, command("ca", "a", protocol.CommandRefresh, at(1)), at(1)))

		st, err := s.ApplyBatch(ctx, []Update{
			eventUpd("a", "never-sent", protocol.CommandAccepted, at(2), "", at(2)),
			eventUpd("b", "ca", protocol.CommandSucceeded, at(2), "", at(2)), // b reports on a's command
			eventUpd("a", "ca", protocol.CommandAccepted, at(2), "", at(2)),
		})
		require.NoError(t, err)
		assert.Equal(t, ApplyStats{Applied: 1, Orphans: 1, Invalid: 1}, st)
		c, err := s.Command(ctx, "ca")
		require.NoError(t, err)
		assert.Equal(t, protocol.CommandAccepted, c.State)
	})
}

func TestCommandErrors(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		applyOK(t, s, presenceUpd("d", protocol.Online, at(0)))
		require.NoError(t, s.RecordCommand(ctx, command("c1", "d", protocol.CommandRefresh, at(1)), at(1)))

		assert.ErrorIs(t, s.RecordCommand(ctx, command("c2", "nobody", protocol.CommandRefresh, at(1)), at(1)), ErrNotFound)
		assert.ErrorIs(t, s.RecordCommand(ctx, command("c1", "d", protocol.CommandRefresh, at(2)), at(2)), ErrExists)
		bad := command("c3", "d", "explode", at(1))
		assert.Error(t, s.RecordCommand(ctx, bad, at(1)))
		assert.Error(t, s.RecordCommand(ctx, command("c4", "d", protocol.CommandRefresh, at(1)), at(0).AddDate(-3000, 0, 0)))

		assert.ErrorIs(t, s.SetCommandState(ctx, "nope", protocol.CommandSent, at(2), ""), ErrNotFound)
		assert.Error(t, s.SetCommandState(ctx, "c1", "teleported", at(2), ""))
		_, err := s.Command(ctx, "nope")
		assert.ErrorIs(t, err, ErrNotFound)
		_, err = s.Commands(ctx, "nobody")
		assert.ErrorIs(t, err, ErrNotFound)
	})
}

func TestCommandsOrder(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		applyOK(t, s, presenceUpd("a", protocol.Online, at(0)), presenceUpd("b", protocol.Online, at(0)))
		for i, id := range []string{"a1", "a2", "a3"} {
			require.NoError(t, s.RecordCommand(ctx, command(id, "a", protocol.CommandRefresh, at(i)), at(i)))
		}
		require.NoError(t, s.RecordCommand(ctx, command("b1", "b", protocol.CommandRefresh, at(10)), at(10)))

		ids := func(cs []CommandRecord) []string {
			var out []string
			for _, c := range cs {
				out = append(out, c.ID)
				assert.Len(t, c.Transitions, 1, c.ID)
			}
			return out
		}
		a, err := s.Commands(ctx, "a")
		require.NoError(t, err)
		assert.Equal(t, []string{"a3", "a2", "a1"}, ids(a))
		all, err := s.Commands(ctx, "")
		require.NoError(t, err)
		assert.Equal(t, []string{"b1", "a3", "a2", "a1"}, ids(all))
		none, err := s.Commands(ctx, "b")
		require.NoError(t, err)
		assert.Equal(t, []string{"b1"}, ids(none))
	})
}

func TestCommandStateOrder(t *testing.T) {
	tests := []struct {
		from, to protocol.CommandState
		moves    bool
	}{
		{protocol.CommandQueued, protocol.CommandSent, true},
		{protocol.CommandSent, protocol.CommandQueued, false},
		{protocol.CommandAccepted, protocol.CommandSent, false},
		{protocol.CommandInProgress, protocol.CommandInProgress, true},
		{protocol.CommandAccepted, protocol.CommandAccepted, false},
		{protocol.CommandInProgress, protocol.CommandFailed, true},
		{protocol.CommandSucceeded, protocol.CommandFailed, false},
		{protocol.CommandCanceled, protocol.CommandInProgress, false},
		{protocol.CommandQueued, protocol.CommandSucceeded, true},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.moves, advances(tc.from, tc.to), "%s -> %s", tc.from, tc.to)
	}
	for _, s := range append([]protocol.CommandState{protocol.CommandQueued, protocol.CommandSent}, protocol.CommandStates...) {
		assert.NoError(t, checkState(s), s)
		assert.Equal(t, s.Terminal(), commandRank(s) == 5, s)
	}
	assert.Error(t, checkState("done"))
}

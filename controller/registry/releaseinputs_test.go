package registry

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

func TestReleaseInputs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		applyOK(t, s, presenceUpd("d1", protocol.Online, at(0)), presenceUpd("d2", protocol.Online, at(0)),
			presenceUpd("d3", protocol.Online, at(0)), stateUpd("d1", 1, at(1), report(at(1))))
		require.NoError(t, s.RecordCommand(ctx, command("c1", "d1", protocol.CommandRefresh, at(2)), at(2)))
		applyOK(t, s, eventUpd("d1", "c1", protocol.CommandAccepted, at(3), "", at(3)),
			eventUpd("d1", "c1", protocol.CommandSucceeded, at(4), "", at(4)))

		r1 := releaseRec("r1", "d1", at(1))
		r1.CommandID = "c1"
		r2 := releaseRec("r2", "d2", at(2))
		r2.CommandID = "never-recorded"
		done := releaseRec("r3", "d3", at(3))
		done.Stage, done.Outcome, done.FinishedAt = "failed", "failed", at(5)
		require.NoError(t, s.CreateReleases(ctx, []ReleaseRecord{r1, r2, done}))

		ids := func(rs []ReleaseRecord) []string {
			out := []string{}
			for _, r := range rs {
				out = append(out, r.ID)
			}
			return out
		}
		for _, tc := range []struct {
			name    string
			devices []string
			want    []string
		}{
			{"every running release", nil, []string{"r1", "r2"}},
			{"one device", []string{"d2"}, []string{"r2"}},
			{"a finished release is left out", []string{"d3", "d1"}, []string{"r1"}},
			{"no device", []string{}, []string{}},
			{"unknown device", []string{"nope"}, []string{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rs, err := s.UnfinishedReleasesOf(ctx, tc.devices)
				require.NoError(t, err)
				assert.Equal(t, tc.want, ids(rs))
			})
		}

		rs, err := s.UnfinishedReleasesOf(ctx, nil)
		require.NoError(t, err)
		in, err := s.ReleaseInputsOf(ctx, rs)
		require.NoError(t, err)
		one, err := s.Command(ctx, "c1")
		require.NoError(t, err)
		assert.Equal(t, map[string]CommandRecord{"c1": one}, in.Commands, "the same command, with its transitions, as Command reads it")
		assert.Len(t, in.Commands["c1"].Transitions, 3)
		require.Contains(t, in.Devices, "d1")
		require.Contains(t, in.Devices, "d2")
		assert.NotContains(t, in.Devices, "d3")
		d1, err := s.Device(ctx, "d1")
		require.NoError(t, err)
		assert.Equal(t, d1, in.Devices["d1"])
		assert.NotNil(t, in.Devices["d1"].State)

		empty, err := s.ReleaseInputsOf(ctx, nil)
		require.NoError(t, err)
		assert.Empty(t, empty.Commands)
		assert.Empty(t, empty.Devices)
	})
}

package registry

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

// fleet applies one device per combination of verdict and presence.
func fleet(t *testing.T, e engine) *Store {
	s := openOn(t, e, Options{})
	on, off := protocol.Online, protocol.Offline
	applyOK(t, s,
		stateUpd("a-safe-on", 1, at(1), report(at(0))), presenceUpd("a-safe-on", on, at(1)),
		stateUpd("b-risk-off", 1, at(1), report(at(0), mi)), presenceUpd("b-risk-off", off, at(1)),
		stateUpd("c-unknown-on", 1, at(1), report(at(0), unk)), presenceUpd("c-unknown-on", on, at(1)),
		presenceUpd("d-none-on", on, at(1)),
		presenceUpd("e-none-off", off, at(1)),
		stateUpd("f-risk-on", 1, at(1), report(at(0), unk, frp)), presenceUpd("f-risk-on", on, at(1)),
		stateUpd("g-safe-never", 1, at(1), report(at(0))),
	)
	return s
}

func TestDevicesFilter(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s := fleet(t, e)
		tests := []struct {
			name string
			f    Filter
			want []string
		}{
			{"everything", Filter{}, []string{"a-safe-on", "b-risk-off", "c-unknown-on", "d-none-on", "e-none-off", "f-risk-on", "g-safe-never"}},
			{"bound", Filter{Bound: true}, []string{"b-risk-off", "f-risk-on"}},
			{"safe", Filter{Safe: true}, []string{"a-safe-on", "g-safe-never"}},
			{"unknown includes no report yet", Filter{Unknown: true}, []string{"c-unknown-on", "d-none-on", "e-none-off"}},
			{"online", Filter{Online: true}, []string{"a-safe-on", "c-unknown-on", "d-none-on", "f-risk-on"}},
			{"offline includes never-present", Filter{Offline: true}, []string{"b-risk-off", "e-none-off", "g-safe-never"}},
			{"bound and online", Filter{Bound: true, Online: true}, []string{"f-risk-on"}},
			{"unknown and offline", Filter{Unknown: true, Offline: true}, []string{"e-none-off"}},
			{"safe and bound is empty", Filter{Safe: true, Bound: true}, []string{}},
			{"online and offline is empty", Filter{Online: true, Offline: true}, []string{}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				devs, err := s.Devices(context.Background(), tc.f)
				require.NoError(t, err)
				got := []string{}
				for _, d := range devs {
					got = append(got, d.ID)
				}
				assert.Equal(t, tc.want, got)
			})
		}
	})
}

func TestSummary(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s := openOn(t, e, Options{})
		sum, err := s.Summary(context.Background())
		require.NoError(t, err)
		empty := map[protocol.Verdict]int{protocol.VerdictSafe: 0, protocol.VerdictAtRisk: 0, protocol.VerdictUnknown: 0}
		assert.Equal(t, Summary{ByVerdict: empty}, sum)

		s = fleet(t, e)
		sum, err = s.Summary(context.Background())
		require.NoError(t, err)
		assert.Equal(t, Summary{
			Total: 7, Online: 4, Offline: 3, NoState: 2,
			ByVerdict: map[protocol.Verdict]int{protocol.VerdictSafe: 2, protocol.VerdictAtRisk: 2, protocol.VerdictUnknown: 1},
		}, sum)
	})
}

func TestUnknownDevice(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := fleet(t, e)
		_, err := s.Device(ctx, "zzz")
		assert.ErrorIs(t, err, ErrNotFound)
		_, err = s.StateHistory(ctx, "zzz", 10)
		assert.ErrorIs(t, err, ErrNotFound)
		_, err = s.PresenceHistory(ctx, "zzz", 10)
		assert.ErrorIs(t, err, ErrNotFound)

		hist, err := s.PresenceHistory(ctx, "g-safe-never", 10)
		require.NoError(t, err)
		assert.NotNil(t, hist, "an empty history is [] in JSON, not null")
		assert.Empty(t, hist)
	})
}

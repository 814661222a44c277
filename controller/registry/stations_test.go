package registry

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

// benchUpd is a report of phone id from a bench station set to lot by its
// agent's --lot.
func benchUpd(id string, seq uint64, sec int, station, lot string) Update {
	u := stateUpd(id, seq, at(sec), report(at(sec)))
	u.State.Device.Serial = "SER-" + id
	u.State.Station = &protocol.Station{Name: station, Lot: lot}
	return u
}

// actions counts a phone's audit rows by action.
func actions(t *testing.T, s *Store, deviceID string) map[string]int {
	t.Helper()
	es, err := s.Audit(context.Background(), deviceID, 1000)
	require.NoError(t, err)
	out := map[string]int{}
	for _, e := range es {
		out[e.Action]++
	}
	return out
}

// TestStationJoinsItsLot: a phone in no lot, reported by a station set to
// an open lot, joins it (audited as the station); a closed or unknown lot
// refuses it, audited once however many reports follow, and its report is
// stored all the same; the operator's choice wins over the agent's --lot.
func TestStationJoinsItsLot(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		for _, l := range []string{"OPEN", "CHOSEN", "SHUT"} {
			require.NoError(t, s.AddLot(ctx, Lot{ID: l, Customer: "Acme", CreatedAt: at(1)}, "operator:ann", ""))
		}
		require.NoError(t, s.CloseLot(ctx, "SHUT", at(2), "operator:ann", ""))

		tests := []struct {
			name, station, flagLot string
			chosen                 string // the operator's choice for the station, set before the reports
			wantLot                string
			wantRefused            int
		}{
			{"open lot from the flag", "bench-1", "OPEN", "", "OPEN", 0},
			{"no lot", "bench-2", "", "", "", 0},
			{"closed lot refuses", "bench-3", "SHUT", "", "", 1},
			{"unknown lot refuses", "bench-4", "NOPE", "", "", 1},
			{"the operator's choice wins over the flag", "bench-5", "SHUT", "CHOSEN", "CHOSEN", 0},
			{"the operator's choice without a flag", "bench-6", "", "OPEN", "OPEN", 0},
		}
		for i, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				id := "dev-" + tc.station
				if tc.chosen != "" {
					applyOK(t, s, benchUpd("first-at-"+tc.station, 1, 10*i+1, tc.station, ""))
					require.NoError(t, s.SetStationLot(ctx, tc.station, tc.chosen, at(10*i+2), "operator:ann", ""))
				}
				st := applyOK(t, s, benchUpd(id, 1, 10*i+3, tc.station, tc.flagLot), benchUpd(id, 2, 10*i+4, tc.station, tc.flagLot))
				assert.Equal(t, 2, st.Applied)
				applyOK(t, s, benchUpd(id, 3, 10*i+5, tc.station, tc.flagLot))

				d, err := s.Device(ctx, id)
				require.NoError(t, err)
				assert.Equal(t, uint64(3), d.StateSeq, "the report is stored whatever the lot said")
				lot, err := s.DeviceLot(ctx, id)
				require.NoError(t, err)
				assert.Equal(t, tc.wantLot, lot)
				acts := actions(t, s, id)
				assert.Equal(t, tc.wantRefused, acts[AuditLotJoinRefused], "a refusal is audited once")
				if tc.wantLot != "" {
					assert.Equal(t, 1, acts[AuditLotJoined])
					m, err := s.DeviceMember(ctx, id)
					require.NoError(t, err)
					assert.Equal(t, StationActor(tc.station), m.JoinedBy)
				}
				seen, ok, err := s.DeviceStation(ctx, id)
				require.NoError(t, err)
				require.True(t, ok)
				assert.Equal(t, tc.station, seen.Station)
				assert.Equal(t, at(10*i+5), seen.SeenAt)
			})
		}

		t.Run("a phone in a lot stays in it", func(t *testing.T) {
			applyOK(t, s, benchUpd("moved", 1, 100, "bench-1", "OPEN"))
			applyOK(t, s, benchUpd("moved", 2, 101, "bench-5", "SHUT"))
			lot, err := s.DeviceLot(ctx, "moved")
			require.NoError(t, err)
			assert.Equal(t, "OPEN", lot)
			seen, _, err := s.DeviceStation(ctx, "moved")
			require.NoError(t, err)
			assert.Equal(t, "bench-5", seen.Station, "last seen at the station that reported it last")
		})

		t.Run("a stale report changes nothing", func(t *testing.T) {
			applyOK(t, s, benchUpd("stale", 5, 110, "bench-2", ""))
			old := benchUpd("stale", 4, 109, "bench-1", "OPEN")
			old.ReceivedAt = at(111)
			st := applyOK(t, s, old)
			assert.Equal(t, 1, st.Stale)
			lot, err := s.DeviceLot(ctx, "stale")
			require.NoError(t, err)
			assert.Empty(t, lot)
			seen, _, err := s.DeviceStation(ctx, "stale")
			require.NoError(t, err)
			assert.Equal(t, "bench-2", seen.Station)
		})

		t.Run("setting the station's lot", func(t *testing.T) {
			require.ErrorIs(t, s.SetStationLot(ctx, "bench-9", "OPEN", at(120), "operator:ann", ""), ErrNotFound)
			require.ErrorIs(t, s.SetStationLot(ctx, "bench-3", "SHUT", at(120), "operator:ann", ""), ErrLotClosed)
			require.ErrorIs(t, s.SetStationLot(ctx, "bench-3", "NOPE", at(120), "operator:ann", ""), ErrNoSuchLot)
			// The refused phone of bench-3 joins once its station is set to an open lot.
			require.NoError(t, s.SetStationLot(ctx, "bench-3", "OPEN", at(121), "operator:ann", "wrong lot on the flag"))
			applyOK(t, s, benchUpd("dev-bench-3", 10, 122, "bench-3", "SHUT"))
			lot, err := s.DeviceLot(ctx, "dev-bench-3")
			require.NoError(t, err)
			assert.Equal(t, "OPEN", lot)
			st, err := s.Station(ctx, "bench-3")
			require.NoError(t, err)
			assert.Equal(t, Station{Name: "bench-3", Lot: "OPEN", LotSetBy: "operator:ann", LotSetAt: at(121), AgentLot: "SHUT",
				LastSeenAt: at(122), Phones: 1}, st)
			assert.Equal(t, "OPEN", st.EffectiveLot())
			// Cleared: the agents' --lot applies again.
			require.NoError(t, s.SetStationLot(ctx, "bench-3", "", at(123), "operator:ann", ""))
			st, err = s.Station(ctx, "bench-3")
			require.NoError(t, err)
			assert.Equal(t, "SHUT", st.EffectiveLot())

			all, err := s.Stations(ctx)
			require.NoError(t, err)
			require.Len(t, all, 6)
			assert.Equal(t, "bench-1", all[0].Name)
			phones, err := s.StationPhones(ctx, "bench-5", 10)
			require.NoError(t, err)
			assert.Equal(t, []string{"moved", "dev-bench-5", "first-at-bench-5"}, phones, "newest seen first")
		})
	})
}

package registry

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

const (
	mi   = protocol.RiskMiAccount
	find = protocol.RiskFindDevice
	frp  = protocol.RiskGoogleFRP
	unk  = protocol.RiskUnknown
)

func TestApplyStateOrdering(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		shuffled := report(at(20), frp, mi)
		shuffled.Risks[0].Evidence = "worded differently"

		tests := []struct {
			name    string
			batches [][]Update
			wantSeq uint64
			// wantHistory is the verdict of each state change, newest first.
			wantHistory []protocol.Verdict
			wantStats   ApplyStats
			wantChecked int // seconds after t0 of the current report
		}{
			{
				name:        "first report counts as a change",
				batches:     [][]Update{{stateUpd("d", 1, at(1), report(at(0), mi))}},
				wantSeq:     1,
				wantHistory: []protocol.Verdict{protocol.VerdictAtRisk},
				wantStats:   ApplyStats{Applied: 1},
			},
			{
				name: "identical periodic reports replace the state but add no history",
				batches: [][]Update{
					{stateUpd("d", 1, at(1), report(at(0), mi, frp))},
					{stateUpd("d", 2, at(11), report(at(10), mi, frp)), stateUpd("d", 3, at(21), shuffled)},
				},
				wantSeq: 3, wantChecked: 20,
				wantHistory: []protocol.Verdict{protocol.VerdictAtRisk},
				wantStats:   ApplyStats{Applied: 3},
			},
			{
				name: "each meaningful change is recorded",
				batches: [][]Update{{
					stateUpd("d", 1, at(1), report(at(0), unk)),
					stateUpd("d", 2, at(11), report(at(10), mi, find)),
					stateUpd("d", 3, at(21), report(at(20), mi)),
					stateUpd("d", 4, at(31), report(at(30))),
				}},
				wantSeq: 4, wantChecked: 30,
				wantHistory: []protocol.Verdict{protocol.VerdictSafe, protocol.VerdictAtRisk, protocol.VerdictAtRisk, protocol.VerdictUnknown},
				wantStats:   ApplyStats{Applied: 4},
			},
			{
				name: "retained older report after a live newer one is dropped",
				batches: [][]Update{
					{stateUpd("d", 7, at(71), report(at(70)))},
					{stateUpd("d", 6, at(72), report(at(60), mi))},
				},
				wantSeq: 7, wantChecked: 70,
				wantHistory: []protocol.Verdict{protocol.VerdictSafe},
				wantStats:   ApplyStats{Applied: 1, Stale: 1},
			},
			{
				name: "lower seq at the same check time is dropped",
				batches: [][]Update{{
					stateUpd("d", 5, at(11), report(at(10))),
					stateUpd("d", 4, at(12), report(at(10), mi)),
				}},
				wantSeq: 5, wantChecked: 10,
				wantHistory: []protocol.Verdict{protocol.VerdictSafe},
				wantStats:   ApplyStats{Applied: 1, Stale: 1},
			},
			{
				name: "higher seq at the same check time wins",
				batches: [][]Update{{
					stateUpd("d", 4, at(11), report(at(10))),
					stateUpd("d", 5, at(12), report(at(10), mi)),
				}},
				wantSeq: 5, wantChecked: 10,
				wantHistory: []protocol.Verdict{protocol.VerdictAtRisk, protocol.VerdictSafe},
				wantStats:   ApplyStats{Applied: 2},
			},
			{
				name: "older check time loses even with a higher seq",
				batches: [][]Update{{
					stateUpd("d", 2, at(31), report(at(30))),
					stateUpd("d", 9, at(32), report(at(20), mi)),
				}},
				wantSeq: 2, wantChecked: 30,
				wantHistory: []protocol.Verdict{protocol.VerdictSafe},
				wantStats:   ApplyStats{Applied: 1, Stale: 1},
			},
			{
				name: "restarted agent: seq 1 with a newer check time wins",
				batches: [][]Update{
					{stateUpd("d", 900, at(31), report(at(30)))},
					{stateUpd("d", 1, at(41), report(at(40), mi))},
				},
				wantSeq: 1, wantChecked: 40,
				wantHistory: []protocol.Verdict{protocol.VerdictAtRisk, protocol.VerdictSafe},
				wantStats:   ApplyStats{Applied: 2},
			},
			{
				name: "QoS 1 redelivery is dropped",
				batches: [][]Update{
					{stateUpd("d", 3, at(31), report(at(30), mi))},
					{stateUpd("d", 3, at(35), report(at(30), mi))},
				},
				wantSeq: 3, wantChecked: 30,
				wantHistory: []protocol.Verdict{protocol.VerdictAtRisk},
				wantStats:   ApplyStats{Applied: 1, Stale: 1},
			},
			{
				name:    "seq above the int64 range round-trips",
				batches: [][]Update{{stateUpd("d", 1<<63+5, at(1), report(at(0)))}, {stateUpd("d", 1<<63+4, at(2), report(at(0), mi))}},
				wantSeq: 1<<63 + 5, wantHistory: []protocol.Verdict{protocol.VerdictSafe},
				wantStats: ApplyStats{Applied: 1, Stale: 1},
			},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				s := openOn(t, e, Options{})
				var st ApplyStats
				for _, b := range tc.batches {
					st.add(applyOK(t, s, b...))
				}
				assert.Equal(t, tc.wantStats, st)
				d, err := s.Device(context.Background(), "d")
				require.NoError(t, err)
				require.NotNil(t, d.State)
				assert.Equal(t, tc.wantSeq, d.StateSeq)
				assert.True(t, at(tc.wantChecked).Equal(d.State.CheckedAt), "current report checked at %v", d.State.CheckedAt)
				assert.Equal(t, d.State.Verdict(), d.Verdict)
				hist, err := s.StateHistory(context.Background(), "d", 0)
				require.NoError(t, err)
				var verdicts []protocol.Verdict
				for _, h := range hist {
					verdicts = append(verdicts, h.Verdict)
				}
				assert.Equal(t, tc.wantHistory, verdicts)
			})
		}
	})
}

func TestStateHistoryRecordsWhatChanged(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s := openOn(t, e, Options{})
		lost := report(at(20), mi, protocol.RiskLostMode)
		lost.LostMode = protocol.TriOn
		findUnknown := report(at(30), mi, protocol.RiskLostMode)
		findUnknown.LostMode, findUnknown.FindDevice = protocol.TriOn, protocol.TriUnknown
		applyOK(t, s,
			stateUpd("d", 1, at(1), report(at(0), frp, mi, frp)),
			stateUpd("d", 2, at(11), report(at(10), mi)),
			stateUpd("d", 3, at(21), lost),
			stateUpd("d", 4, at(31), findUnknown),
		)
		hist, err := s.StateHistory(context.Background(), "d", 0)
		require.NoError(t, err)
		require.Len(t, hist, 4)
		want := []StateChange{
			{At: at(31), Verdict: protocol.VerdictAtRisk, RiskKinds: []protocol.RiskKind{protocol.RiskLostMode, mi}, FindDevice: protocol.TriUnknown, LostMode: protocol.TriOn, CheckedAt: at(30), Seq: 4},
			{At: at(21), Verdict: protocol.VerdictAtRisk, RiskKinds: []protocol.RiskKind{protocol.RiskLostMode, mi}, FindDevice: protocol.TriOff, LostMode: protocol.TriOn, CheckedAt: at(20), Seq: 3},
			{At: at(11), Verdict: protocol.VerdictAtRisk, RiskKinds: []protocol.RiskKind{mi}, FindDevice: protocol.TriOff, LostMode: protocol.TriOff, CheckedAt: at(10), Seq: 2},
			{At: at(1), Verdict: protocol.VerdictAtRisk, RiskKinds: []protocol.RiskKind{frp, mi}, FindDevice: protocol.TriOff, LostMode: protocol.TriOff, CheckedAt: at(0), Seq: 1},
		}
		assert.Equal(t, want, hist)

		limited, err := s.StateHistory(context.Background(), "d", 2)
		require.NoError(t, err)
		assert.Equal(t, want[:2], limited)
	})
}

func TestApplyPresence(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		on, off := protocol.Online, protocol.Offline
		tests := []struct {
			name        string
			updates     []Update
			wantOnline  bool
			wantSince   int
			wantHistory []protocol.PresenceStatus // newest first
			wantStats   ApplyStats
		}{
			{"first presence is a transition", []Update{presenceUpd("d", off, at(1))}, false, 1,
				[]protocol.PresenceStatus{off}, ApplyStats{Applied: 1}},
			// The newest message dates the presence, repeat or not (see
			// TestShuffledDeliveryGivesOneRegistry).
			{"repeats are not transitions", []Update{presenceUpd("d", on, at(1)), presenceUpd("d", on, at(2)), presenceUpd("d", on, at(3))}, true, 3,
				[]protocol.PresenceStatus{on}, ApplyStats{Applied: 3}},
			// The same message again (the agent's own time unchanged) is a
			// replay, dated by its first arrival in either order: the phone's
			// session did not come back.
			{"a replay keeps its first arrival", []Update{presenceUpd("d", on, at(1)), replayed(presenceUpd("d", on, at(1)), at(7))}, true, 1,
				[]protocol.PresenceStatus{on}, ApplyStats{Applied: 1, Stale: 1}},
			{"a replay written first is dated by the earlier arrival", []Update{replayed(presenceUpd("d", on, at(1)), at(7)), presenceUpd("d", on, at(1))}, true, 1,
				[]protocol.PresenceStatus{on}, ApplyStats{Applied: 1, Stale: 1}},
			{"every flip is recorded", []Update{presenceUpd("d", on, at(1)), presenceUpd("d", off, at(5)), presenceUpd("d", on, at(9))}, true, 9,
				[]protocol.PresenceStatus{on, off, on}, ApplyStats{Applied: 3}},
			{"earlier arrival than the current status is stale", []Update{presenceUpd("d", off, at(5)), presenceUpd("d", on, at(4))}, false, 5,
				[]protocol.PresenceStatus{off}, ApplyStats{Applied: 1, Stale: 1}},
			{"same arrival time keeps batch order", []Update{presenceUpd("d", off, at(5)), presenceUpd("d", on, at(5))}, true, 5,
				[]protocol.PresenceStatus{on, off}, ApplyStats{Applied: 2}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				s := openOn(t, e, Options{})
				assert.Equal(t, tc.wantStats, applyOK(t, s, tc.updates...))
				d, err := s.Device(context.Background(), "d")
				require.NoError(t, err)
				assert.Equal(t, tc.wantOnline, d.Online)
				assert.Equal(t, at(tc.wantSince), d.PresenceAt)
				assert.Equal(t, "v0.1.0", d.AgentVersion)
				hist, err := s.PresenceHistory(context.Background(), "d", 0)
				require.NoError(t, err)
				var got []protocol.PresenceStatus
				for _, h := range hist {
					got = append(got, h.Status)
				}
				assert.Equal(t, tc.wantHistory, got)
			})
		}
	})
}

// replayed is u delivered again at received, its message unchanged.
func replayed(u Update, received time.Time) Update {
	u.ReceivedAt = received
	return u
}

func TestPresenceBeforeState(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		applyOK(t, s, presenceUpd("d", protocol.Online, at(1)))
		d, err := s.Device(ctx, "d")
		require.NoError(t, err)
		assert.Nil(t, d.State)
		assert.Equal(t, protocol.Verdict(""), d.Verdict, "no report yet: never safe")
		assert.Equal(t, at(1), d.FirstSeen)
		hist, err := s.StateHistory(ctx, "d", 0)
		require.NoError(t, err)
		assert.Empty(t, hist)

		applyOK(t, s, stateUpd("d", 1, at(3), report(at(2), mi)))
		d, err = s.Device(ctx, "d")
		require.NoError(t, err)
		require.NotNil(t, d.State)
		assert.True(t, d.Online)
		assert.Equal(t, at(1), d.FirstSeen)
		assert.Equal(t, at(3), d.LastSeen)
		assert.Equal(t, at(3), d.StateAt)
		assert.Equal(t, protocol.VerdictAtRisk, d.Verdict)
	})
}

func TestIdentityKeepsLastKnownValues(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s := openOn(t, e, Options{})
		first := report(at(0))
		first.Device.IMEI = "490154203237518"
		second := report(at(10))
		second.Device = protocol.Identity{Serial: "SER1", Model: "Note 12 Pro"}
		applyOK(t, s, stateUpd("d", 1, at(1), first), stateUpd("d", 2, at(11), second))
		d, err := s.Device(context.Background(), "d")
		require.NoError(t, err)
		want := first.Device
		want.Model = "Note 12 Pro"
		assert.Equal(t, want, d.Identity)
		assert.Equal(t, second.Device, d.State.Device, "the report itself is stored as sent")
	})
}

func TestApplySkipsInvalidUpdates(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		good := stateUpd("good", 1, at(1), report(at(0)))
		bad := func(mut func(u *Update)) Update {
			u := stateUpd("bad", 1, at(1), report(at(0)))
			r := u.State.Report
			u.State = &protocol.DeviceState{V: u.State.V, DeviceID: u.State.DeviceID, Seq: 1, Report: r}
			mut(&u)
			return u
		}
		batch := []Update{
			bad(func(u *Update) { u.DeviceID, u.State.DeviceID = "bad/+#", "bad/+#" }),
			bad(func(u *Update) { u.State = nil }),
			bad(func(u *Update) { u.Presence = presenceUpd("bad", protocol.Online, at(1)).Presence }),
			bad(func(u *Update) { u.State.DeviceID = "other" }),
			bad(func(u *Update) { u.State.Risks = append(u.State.Risks, protocol.Risk{Kind: mi, Check: "x"}) }), // safe with a risk
			bad(func(u *Update) { u.State.V = 2 }),
			bad(func(u *Update) { u.ReceivedAt = at(0).AddDate(-3000, 0, 0) }),
			bad(func(u *Update) { u.ReceivedAt = at(0).AddDate(9000, 0, 0) }),
			good,
		}
		st, err := s.ApplyBatch(ctx, batch)
		require.NoError(t, err)
		assert.Equal(t, ApplyStats{Applied: 1, Invalid: len(batch) - 1}, st)
		devs, err := s.Devices(ctx, Filter{})
		require.NoError(t, err)
		require.Len(t, devs, 1)
		assert.Equal(t, "good", devs[0].ID)

		st, err = s.ApplyBatch(ctx, nil)
		require.NoError(t, err)
		assert.Zero(t, st)
	})
}

// A database error in one update rolls back that update alone.
func TestApplyFailedUpdateRollsBackAlone(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		// The device row is written before the history row, so the savepoint
		// must undo it too.
		_, err := s.w.ExecContext(ctx, boomTrigger(s, "state_changes"))
		require.NoError(t, err)
		st, err := s.ApplyBatch(ctx, []Update{
			stateUpd("a", 1, at(1), report(at(0))),
			stateUpd("boom", 1, at(1), report(at(0))),
			stateUpd("b", 1, at(1), report(at(0))),
		})
		require.NoError(t, err)
		assert.Equal(t, ApplyStats{Applied: 2, Failed: 1}, st)
		_, err = s.Device(ctx, "boom")
		assert.ErrorIs(t, err, ErrNotFound)
		for _, id := range []string{"a", "b"} {
			_, err = s.Device(ctx, id)
			assert.NoError(t, err, id)
		}
	})
}

func TestApplyCancelledWritesNothing(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s := openOn(t, e, Options{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := s.Apply(ctx, []Update{stateUpd("a", 1, at(1), report(at(0)))})
		require.ErrorIs(t, err, context.Canceled)
		sum, err := s.Summary(context.Background())
		require.NoError(t, err)
		assert.Zero(t, sum.Total)
	})
}

// TestApplyChanges: only updates that change a device's verdict, risks,
// presence or commands name it; repeats and stale updates do not.
func TestApplyChanges(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		applyOK(t, s, presenceUpd("d1", protocol.Online, at(0)), stateUpd("d1", 1, at(1), report(at(1))))
		require.NoError(t, s.RecordCommand(ctx, command("c1", "d1", protocol.CommandRefresh, at(1)), at(1)))
		tests := []struct {
			name    string
			batch   []Update
			changed []string
		}{
			{"the same report again", []Update{stateUpd("d1", 2, at(2), report(at(2)))}, nil},
			{"the same presence again", []Update{presenceUpd("d1", protocol.Online, at(3))}, nil},
			{"a stale report", []Update{stateUpd("d1", 1, at(4), report(at(1), protocol.RiskMiAccount))}, nil},
			{"a new risk", []Update{stateUpd("d1", 3, at(5), report(at(5), protocol.RiskMiAccount))}, []string{"d1"}},
			{"going offline", []Update{presenceUpd("d1", protocol.Offline, at(6))}, []string{"d1"}},
			{"a new device", []Update{presenceUpd("d2", protocol.Online, at(7))}, []string{"d2"}},
			{"a command step", []Update{eventUpd("d1", "c1", protocol.CommandAccepted, at(8), "", at(8))}, []string{"d1"}},
			{"the same step again", []Update{eventUpd("d1", "c1", protocol.CommandAccepted, at(8), "", at(9))}, nil},
			{"one of two changed", []Update{stateUpd("d1", 4, at(10), report(at(10), protocol.RiskMiAccount)),
				stateUpd("d2", 1, at(10), report(at(10)))}, []string{"d2"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, changed, err := s.ApplyChanges(ctx, tt.batch)
				require.NoError(t, err)
				var got []string
				for id := range changed {
					got = append(got, id)
				}
				assert.ElementsMatch(t, tt.changed, got)
			})
		}
	})
}

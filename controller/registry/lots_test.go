package registry

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

// lotPhone reports phone id with a serial and an IMEI.
func lotPhone(t *testing.T, s *Store, id, serial, imei string) {
	t.Helper()
	r := report(at(1))
	r.Device.Serial, r.Device.IMEI = serial, imei
	require.NoError(t, s.Apply(context.Background(), []Update{stateUpd(id, 1, at(1), r)}))
}

func TestLotLifecycle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		lotPhone(t, s, "dev-a", "SERA", "861234567890123")
		lotPhone(t, s, "dev-b", "SERB", "861234567890456")
		lotPhone(t, s, "dev-c", "SERC", "")
		lotPhone(t, s, "dev-d", "SHARED", "")
		lotPhone(t, s, "dev-e", "SHARED", "")

		require.NoError(t, s.AddLot(ctx, Lot{ID: "L1", Customer: "Acme", Reference: "PO-7", CreatedAt: at(10)}, "operator:ann", ""))
		require.ErrorIs(t, s.AddLot(ctx, Lot{ID: "L1", Customer: "Other", CreatedAt: at(11)}, "operator:ann", ""), ErrExists)
		require.NoError(t, s.AddLot(ctx, Lot{ID: "L2", Customer: "Beta", CreatedAt: at(12)}, "operator:ann", ""))

		// By serial, IMEI and device ID; a phone named twice joins once.
		ids, err := s.JoinLot(ctx, "L1", []string{"SERA", "861234567890456", "dev-a"}, at(20), "operator:bob", "")
		require.NoError(t, err)
		assert.Equal(t, []string{"dev-a", "dev-b", "dev-a"}, ids)

		tests := []struct {
			name   string
			lot    string
			codes  []string
			target error
		}{
			{"unknown code", "L1", []string{"SERC", "NOPE"}, ErrJoinRefused},
			{"ambiguous serial", "L1", []string{"SHARED"}, ErrJoinRefused},
			{"phone in another lot", "L2", []string{"SERA", "SERC"}, ErrJoinRefused},
			{"no such lot", "L9", []string{"SERC"}, ErrNotFound},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.JoinLot(ctx, tc.lot, tc.codes, at(30), "operator:bob", "")
				require.ErrorIs(t, err, tc.target)
				lot, err := s.DeviceLot(ctx, "dev-c")
				require.NoError(t, err)
				assert.Empty(t, lot, "a refused join joins nothing, not even the good codes")
			})
		}
		var jerr *JoinError
		_, err = s.JoinLot(ctx, "L1", []string{"NOPE", "SHARED"}, at(30), "operator:bob", "")
		require.True(t, errors.As(err, &jerr))
		assert.Len(t, jerr.Problems, 2)
		assert.Contains(t, err.Error(), `"NOPE"`)

		require.NoError(t, s.CloseLot(ctx, "L1", at(40), "operator:ann", "shipped"))
		require.ErrorIs(t, s.CloseLot(ctx, "L1", at(41), "operator:ann", ""), ErrLotClosed)
		require.ErrorIs(t, s.CloseLot(ctx, "L9", at(41), "operator:ann", ""), ErrNotFound)
		_, err = s.JoinLot(ctx, "L1", []string{"SERC"}, at(50), "operator:bob", "")
		require.ErrorIs(t, err, ErrLotClosed, "a closed lot refuses new phones")
		lot, err := s.DeviceLot(ctx, "dev-c")
		require.NoError(t, err)
		assert.Empty(t, lot)

		l, err := s.Lot(ctx, "L1")
		require.NoError(t, err)
		assert.Equal(t, Lot{ID: "L1", Customer: "Acme", Reference: "PO-7", State: LotClosed, CreatedAt: at(10), CreatedBy: "operator:ann",
			ClosedAt: at(40), ClosedBy: "operator:ann", Devices: 2}, l)
		lots, err := s.Lots(ctx)
		require.NoError(t, err)
		require.Len(t, lots, 2)
		assert.Equal(t, "L2", lots[0].ID)
		members, err := s.LotMembers(ctx, "L1")
		require.NoError(t, err)
		require.Len(t, members, 2)
		assert.Equal(t, "SERA", members[0].Serial)
		assert.Equal(t, "safe", members[0].Verdict)

		// Audited: created twice, one join row per phone, closed once; the chain holds.
		entries, err := s.AuditRows(ctx, AuditQuery{})
		require.NoError(t, err)
		var actions []string
		for _, e := range entries {
			if e.Action == AuditLotCreated || e.Action == AuditLotJoined || e.Action == AuditLotClosed {
				actions = append(actions, e.Action+" "+e.DeviceID)
			}
		}
		assert.Equal(t, []string{"lot.created ", "lot.created ", "lot.joined dev-a", "lot.joined dev-b", "lot.closed "}, actions)
		v, err := s.VerifyAudit(ctx)
		require.NoError(t, err)
		assert.Zero(t, v.BrokenID)
	})
}

func TestFindDevices(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		lotPhone(t, s, "dev-a", "SERA", "861234567890123")
		for code, want := range map[string][]string{
			"SERA": {"dev-a"}, "861234567890123": {"dev-a"}, "dev-a": {"dev-a"}, " SERA\n": {"dev-a"}, "": {}, "nope": {},
		} {
			got, err := s.FindDevices(ctx, code)
			require.NoError(t, err)
			assert.Equal(t, want, got, code)
		}
	})
}

// TestEventsCarryLot: a device event of a phone in a lot names the lot.
func TestEventsCarryLot(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		addHook(t, s, "h1", EventDeviceAtRisk, EventDeviceSafe)
		lotPhone(t, s, "dev-a", "SERA", "")
		require.NoError(t, s.AddLot(ctx, Lot{ID: "L1", Customer: "Acme", CreatedAt: at(10)}, "operator:ann", ""))
		_, err := s.JoinLot(ctx, "L1", []string{"SERA"}, at(11), "operator:ann", "")
		require.NoError(t, err)
		r := report(at(20), protocol.RiskGoogleFRP)
		r.Device.Serial = "SERA"
		require.NoError(t, s.Apply(ctx, []Update{stateUpd("dev-a", 2, at(20), r)}))
		evs := claimAll(t, s, at(20))
		require.Len(t, evs, 2, "the first report (safe) and this one (at risk)")
		assert.NotContains(t, string(evs[0].Data), `"lot"`, "before the join")
		assert.Contains(t, string(evs[1].Data), `"lot":"L1"`)
	})
}

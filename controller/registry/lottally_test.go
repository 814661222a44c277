package registry

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOpenLotPhones: the phones of open lots counted by the state of their
// newest release, on both engines; a closed lot is left out.
func TestOpenLotPhones(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		for _, id := range []string{"a", "b", "c", "d", "e"} {
			lotPhone(t, s, id, "SER-"+id, "")
		}
		for _, l := range []string{"OPEN", "SHUT", "EMPTY"} {
			require.NoError(t, s.AddLot(ctx, Lot{ID: l, Customer: "Acme", CreatedAt: at(1)}, "operator:ann", ""))
		}
		_, err := s.JoinLot(ctx, "OPEN", []string{"a", "b", "c", "d"}, at(2), "operator:ann", "")
		require.NoError(t, err)
		_, err = s.JoinLot(ctx, "SHUT", []string{"e"}, at(2), "operator:ann", "")
		require.NoError(t, err)
		require.NoError(t, s.CloseLot(ctx, "SHUT", at(3), "operator:ann", ""))
		rel := func(id, dev, stage, outcome string, finished time.Time) ReleaseRecord {
			return ReleaseRecord{ID: id, DeviceID: dev, Operator: "t", Stage: stage, Outcome: outcome, CreatedAt: at(4),
				Deadline: at(4000), FinishedAt: finished}
		}
		require.NoError(t, s.CreateReleases(ctx, []ReleaseRecord{
			rel("r1", "a", "released", OutcomeReleased, at(10)),
			rel("r2", "b", "signing_out", "", time.Time{}),
			rel("r3", "c", StageOnHold, "", time.Time{}),
			rel("r4", "e", "failed", OutcomeFailed, at(10)),
		}))
		counts, open, err := s.OpenLotPhones(ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"EMPTY", "OPEN"}, open)
		assert.Equal(t, map[LotState]int{
			{"OPEN", OutcomeReleased}: 1, {"OPEN", ReleaseRunning}: 1, {"OPEN", ReleaseOnHold}: 1, {"OPEN", NoRelease}: 1,
		}, counts)
	})
}

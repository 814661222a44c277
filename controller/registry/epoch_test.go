package registry

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

func epochUpd(id, epoch string, seq uint64, received, checked time.Time, kinds ...protocol.RiskKind) Update {
	u := stateUpd(id, seq, received, report(checked, kinds...))
	u.State.Epoch = epoch
	return u
}

// TestEpochOrderingIgnoresThePhoneClock: within an epoch the sequence
// decides, so a phone whose clock ran ahead and was then corrected keeps
// being heard; a new epoch (state directory lost) is newer when it arrives
// later; the clock offset is kept.
func TestEpochOrderingIgnoresThePhoneClock(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		tests := []struct {
			name    string
			updates []Update
			wantSeq uint64
			wantVer protocol.Verdict
		}{
			{"clock ahead, then corrected", []Update{
				epochUpd("d1", "e1", 1, at(0), at(3600), protocol.RiskGoogleFRP),
				epochUpd("d1", "e1", 2, at(10), at(10)),
			}, 2, protocol.VerdictSafe},
			{"older sequence arriving late is stale", []Update{
				epochUpd("d1", "e1", 5, at(0), at(0)),
				epochUpd("d1", "e1", 4, at(1), at(50), protocol.RiskGoogleFRP),
			}, 5, protocol.VerdictSafe},
			{"new epoch after a lost state directory", []Update{
				epochUpd("d1", "e1", 900, at(0), at(0), protocol.RiskGoogleFRP),
				epochUpd("d1", "e2", 1, at(5), at(5)),
			}, 1, protocol.VerdictSafe},
			{"a retired epoch replayed is stale", []Update{
				epochUpd("d1", "e1", 900, at(0), at(0)),
				epochUpd("d1", "e2", 1, at(5), at(5), protocol.RiskGoogleFRP),
				epochUpd("d1", "e1", 901, at(9), at(9)),
			}, 1, protocol.VerdictAtRisk},
			{"a report without an epoch after epochs is stale", []Update{
				epochUpd("d1", "e1", 3, at(0), at(0), protocol.RiskGoogleFRP),
				epochUpd("d1", "", 99, at(9), at(9)),
			}, 3, protocol.VerdictAtRisk},
			{"a report without an epoch dated ahead counts at its arrival", []Update{
				epochUpd("d1", "", 1, at(0), at(290)),
				epochUpd("d1", "", 2, at(10), at(10), protocol.RiskGoogleFRP),
			}, 2, protocol.VerdictAtRisk},
			{"a report without an epoch redelivered late is still stale", []Update{
				epochUpd("d1", "", 2, at(10), at(10), protocol.RiskGoogleFRP),
				epochUpd("d1", "", 1, at(20), at(5)),
			}, 2, protocol.VerdictAtRisk},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				s := openOn(t, e, Options{})
				for _, u := range tc.updates {
					applyOK(t, s, u)
				}
				d, err := s.Device(ctx, "d1")
				require.NoError(t, err)
				assert.Equal(t, tc.wantSeq, d.StateSeq)
				assert.Equal(t, tc.wantVer, d.Verdict)
				require.NotNil(t, d.ClockOffset)
			})
		}
		s := openOn(t, e, Options{})
		applyOK(t, s, epochUpd("d1", "e1", 1, at(100), at(40)))
		d, err := s.Device(ctx, "d1")
		require.NoError(t, err)
		assert.Equal(t, 60*time.Second, *d.ClockOffset, "the phone's clock is a minute behind")
	})
}

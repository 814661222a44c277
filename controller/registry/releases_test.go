package registry

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

func releaseRec(id, device string, created time.Time) ReleaseRecord {
	return ReleaseRecord{ID: id, DeviceID: device, Operator: "ana", Stage: "verify",
		CreatedAt: created, Deadline: created.Add(time.Hour)}
}

func TestReleaseCRUD(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		applyOK(t, s, presenceUpd("d1", protocol.Online, at(0)), presenceUpd("d2", protocol.Online, at(0)))

		r1 := releaseRec("r1", "d1", at(1))
		require.NoError(t, s.CreateRelease(ctx, r1))
		require.NoError(t, s.CreateRelease(ctx, releaseRec("r2", "d2", at(2))))
		require.NoError(t, s.CreateRelease(ctx, releaseRec("r3", "d1", at(3))))

		got, err := s.Release(ctx, "r1")
		require.NoError(t, err)
		want := r1
		want.UpdatedAt = r1.CreatedAt
		want.BatchID = r1.ID // a release created alone is a batch of its own
		assert.Equal(t, want, got)
		assert.False(t, got.Finished())

		r1 = got
		r1.Stage, r1.CommandID, r1.UpdatedAt = "reset", "c9", at(10)
		require.NoError(t, s.UpdateRelease(ctx, r1))
		r1.Stage, r1.Outcome, r1.UpdatedAt, r1.FinishedAt = "released", OutcomeReleased, at(20), at(20)
		// Identity fields are fixed at creation.
		changed := r1
		changed.Operator, changed.DeviceID = "mallory", "d2"
		require.NoError(t, s.UpdateRelease(ctx, changed))
		got, err = s.Release(ctx, "r1")
		require.NoError(t, err)
		assert.Equal(t, r1, got)
		assert.True(t, got.Finished())

		ids := func(rs []ReleaseRecord) []string {
			out := []string{}
			for _, r := range rs {
				out = append(out, r.ID)
			}
			return out
		}
		tests := []struct {
			name string
			f    ReleaseFilter
			want []string
		}{
			{"all", ReleaseFilter{}, []string{"r1", "r2", "r3"}},
			{"device", ReleaseFilter{DeviceID: "d1"}, []string{"r1", "r3"}},
			{"unfinished", ReleaseFilter{Unfinished: true}, []string{"r2", "r3"}},
			{"released", ReleaseFilter{Outcome: OutcomeReleased}, []string{"r1"}},
			{"newest two, oldest first", ReleaseFilter{Limit: 2}, []string{"r2", "r3"}},
			{"none", ReleaseFilter{DeviceID: "nope"}, []string{}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				rs, err := s.Releases(ctx, tc.f)
				require.NoError(t, err)
				assert.Equal(t, tc.want, ids(rs))
			})
		}
		un, err := s.UnfinishedReleases(ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"r2", "r3"}, ids(un))

		// Creation and each stage change are audited, with the operator named once.
		trail, err := s.Audit(ctx, "d1", 0)
		require.NoError(t, err)
		var actions, actors []string
		for _, e := range trail {
			if e.Action == AuditReleaseCreated || e.Action == AuditReleaseChanged {
				actions, actors = append(actions, e.Action), append(actors, e.Actor)
			}
		}
		// In insertion order: r1 and r3 created, then r1's two stage changes.
		assert.Equal(t, []string{AuditReleaseCreated, AuditReleaseCreated, AuditReleaseChanged, AuditReleaseChanged}, actions)
		assert.Equal(t, []string{"operator:ana", "operator:ana", "controller", "controller"}, actors)
	})
}

func TestReleaseErrors(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		applyOK(t, s, presenceUpd("d1", protocol.Online, at(0)))
		require.NoError(t, s.CreateRelease(ctx, releaseRec("r1", "d1", at(1))))

		assert.ErrorIs(t, s.CreateRelease(ctx, releaseRec("r1", "d1", at(2))), ErrExists)
		assert.ErrorIs(t, s.CreateRelease(ctx, releaseRec("r2", "ghost", at(2))), ErrNotFound)
		assert.ErrorIs(t, s.UpdateRelease(ctx, releaseRec("nope", "d1", at(2))), ErrNotFound)
		_, err := s.Release(ctx, "nope")
		assert.ErrorIs(t, err, ErrNotFound)

		for name, mod := range map[string]func(*ReleaseRecord){
			"no id":       func(r *ReleaseRecord) { r.ID = "" },
			"no operator": func(r *ReleaseRecord) { r.Operator = "" },
			"no stage":    func(r *ReleaseRecord) { r.Stage = "" },
			"no deadline": func(r *ReleaseRecord) { r.Deadline = time.Time{} },
			"no created":  func(r *ReleaseRecord) { r.CreatedAt = time.Time{} },
		} {
			t.Run(name, func(t *testing.T) {
				r := releaseRec("rx", "d1", at(3))
				mod(&r)
				assert.Error(t, s.CreateRelease(ctx, r))
			})
		}
		// A failed update leaves the release as it was.
		bad := releaseRec("r1", "d1", at(1))
		bad.Stage = ""
		require.Error(t, s.UpdateRelease(ctx, bad))
		got, err := s.Release(ctx, "r1")
		require.NoError(t, err)
		assert.Equal(t, "verify", got.Stage)
	})
}

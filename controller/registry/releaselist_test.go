package registry

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

func releaseIDs(rs []ReleaseRecord) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// TestListReleases: each filter selects what it says, combined with AND,
// newest first; pages follow each other without a gap or a repeat, even
// among releases created at the same instant.
func TestListReleases(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		applyOK(t, s, presenceUpd("d1", protocol.Online, at(0)), presenceUpd("d2", protocol.Online, at(0)))
		require.NoError(t, s.AddLot(ctx, Lot{ID: "L1", Customer: "ACME", State: LotOpen, CreatedAt: at(0)}, "ana", ""))
		_, err := s.JoinLot(ctx, "L1", []string{"d2"}, at(0), "ana", "")
		require.NoError(t, err)

		mk := func(id, device, batch string, sec int) ReleaseRecord {
			r := releaseRec(id, device, at(sec))
			r.BatchID = batch
			return r
		}
		// b1: r1 (d1) and r2 (d2) at the same instant; b2: r3 (d1) later.
		require.NoError(t, s.CreateReleases(ctx, []ReleaseRecord{mk("r1", "d1", "b1", 1), mk("r2", "d2", "b1", 1)}))
		require.NoError(t, s.CreateRelease(ctx, mk("r3", "d1", "b2", 5)))
		require.NoError(t, s.CreateRelease(ctx, mk("r4", "d2", "b3", 9)))
		finish := func(id, outcome string, stage string) {
			r, err := s.Release(ctx, id)
			require.NoError(t, err)
			r.Stage, r.UpdatedAt = stage, at(20)
			if outcome != "" {
				r.Outcome, r.FinishedAt = outcome, at(20)
			}
			require.NoError(t, s.UpdateRelease(ctx, r))
		}
		finish("r1", OutcomeReleased, "released")
		finish("r2", OutcomeFailed, "failed")
		finish("r3", "", StageOnHold)

		for _, tc := range []struct {
			name string
			q    ReleaseList
			want []string
		}{
			{"all, newest first", ReleaseList{}, []string{"r4", "r3", "r2", "r1"}},
			{"running", ReleaseList{State: ReleaseRunning}, []string{"r4"}},
			{"on hold", ReleaseList{State: ReleaseOnHold}, []string{"r3"}},
			{"released", ReleaseList{State: OutcomeReleased}, []string{"r1"}},
			{"failed", ReleaseList{State: OutcomeFailed}, []string{"r2"}},
			{"canceled", ReleaseList{State: OutcomeCanceled}, []string{}},
			{"device", ReleaseList{DeviceID: "d1"}, []string{"r3", "r1"}},
			{"lot", ReleaseList{LotID: "L1"}, []string{"r4", "r2"}},
			{"batch", ReleaseList{BatchID: "b1"}, []string{"r2", "r1"}},
			{"since", ReleaseList{Since: at(5)}, []string{"r4", "r3"}},
			{"until", ReleaseList{Until: at(5)}, []string{"r2", "r1"}},
			{"combined", ReleaseList{DeviceID: "d1", Since: at(2), State: ReleaseOnHold}, []string{"r3"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.q.Limit = 10
				got, next, err := s.ListReleases(ctx, tc.q)
				require.NoError(t, err)
				assert.Equal(t, tc.want, releaseIDs(got))
				assert.Nil(t, next)
				for _, r := range got {
					if tc.q.State != "" {
						assert.Equal(t, tc.q.State, r.State(), "the record's State is the filter's rule")
					}
				}
			})
		}

		_, _, err = s.ListReleases(ctx, ReleaseList{State: "done", Limit: 1})
		require.ErrorIs(t, err, ErrBadReleaseState)

		// Pages of one: every release once, in order, across the tie at at(1).
		var seen []string
		var after *ReleaseCursor
		for range 10 {
			page, next, err := s.ListReleases(ctx, ReleaseList{Limit: 1, After: after})
			require.NoError(t, err)
			seen = append(seen, releaseIDs(page)...)
			if next == nil {
				break
			}
			after = next
		}
		assert.Equal(t, []string{"r4", "r3", "r2", "r1"}, seen)
	})
}

// TestBatchOfOlderReleases: releases written before batches existed are
// grouped by their shared creation time, named after the group's smallest
// release ID.
func TestBatchOfOlderReleases(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	all, err := loadMigrations(migrationFS, engineSQLite)
	require.NoError(t, err)
	var old []migration
	for _, m := range all {
		if m.version < 27 {
			old = append(old, m)
		}
	}
	db, err := sql.Open("sqlite3", path+"?_txlock=immediate&_foreign_keys=1")
	require.NoError(t, err)
	_, _, err = migrate(ctx, db, engineSQLite, old, at(0))
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO devices(id, first_seen, last_seen) VALUES ('d1', ?, ?)`, formatTime(at(0)), formatTime(at(0)))
	require.NoError(t, err)
	for i, created := range []time.Time{at(1), at(1), at(2)} {
		_, err = db.Exec(`INSERT INTO releases(id, device_id, operator, stage, created_at, updated_at, deadline)
			VALUES (?, 'd1', 'ana', 'verify', ?, ?, ?)`, fmt.Sprintf("r%d", 3-i), formatTime(created), formatTime(created), formatTime(created))
		require.NoError(t, err)
	}
	require.NoError(t, db.Close())

	s, err := Open(ctx, path, Options{})
	require.NoError(t, err)
	defer s.Close()
	for id, batch := range map[string]string{"r3": "r2", "r2": "r2", "r1": "r1"} {
		r, err := s.Release(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, batch, r.BatchID, id)
	}
}

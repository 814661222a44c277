package registry

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

func identified(id, serial, imei string, seq uint64, received int) Update {
	r := report(at(received))
	r.Device.Serial, r.Device.IMEI = serial, imei
	return stateUpd(id, seq, at(received), r)
}

// TestIdentityConflicts: a device reporting the serial (any case) or IMEI of
// another is in conflict with the first holder, both flagged and audited;
// a resolution disowns the others, and their reports raise nothing again.
func TestIdentityConflicts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		applyOK(t, s,
			identified("victim", "41100faa", "866587536489593", 1, 0),
			identified("other", "AAAA", "356938035643809", 1, 1),
			identified("spoof", "41100FAA", "", 1, 2),
			identified("twin", "BBBB", "866587536489593", 1, 3),
		)
		conflicts := func(id string) []string {
			d, err := s.Device(ctx, id)
			require.NoError(t, err)
			return d.ConflictsWith
		}
		assert.Equal(t, []string{"spoof", "twin"}, conflicts("victim"))
		assert.Equal(t, []string{"victim"}, conflicts("spoof"))
		assert.Equal(t, []string{"victim"}, conflicts("twin"))
		assert.Empty(t, conflicts("other"))
		d, err := s.Device(ctx, "spoof")
		require.NoError(t, err)
		assert.Contains(t, d.IdentityProblem(), "identity conflict: victim")

		// A repeated report raises nothing new.
		applyOK(t, s, identified("spoof", "41100FAA", "", 2, 4))
		cs, err := s.IdentityConflicts(ctx, "victim")
		require.NoError(t, err)
		require.Len(t, cs, 2)
		assert.Equal(t, IdentityConflict{ID: cs[0].ID, Holder: "victim", Claimant: "spoof", Field: "serial", Value: "41100FAA", DetectedAt: at(2)}, cs[0])

		_, err = s.ResolveIdentity(ctx, "other", "operator:ana", "", at(9))
		assert.ErrorIs(t, err, ErrNoConflict)
		disowned, err := s.ResolveIdentity(ctx, "victim", "operator:ana", "label checked", at(10))
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"spoof", "twin"}, disowned)
		v, err := s.Device(ctx, "victim")
		require.NoError(t, err)
		assert.Empty(t, v.IdentityProblem())
		d, err = s.Device(ctx, "spoof")
		require.NoError(t, err)
		assert.Equal(t, at(10), d.DisownedAt)
		assert.Contains(t, d.IdentityProblem(), "genuine holder")

		applyOK(t, s, identified("spoof", "41100FAA", "", 3, 11))
		assert.Empty(t, conflicts("victim"), "a disowned device raises no conflict again")
		entries, err := s.Audit(ctx, "spoof", 0)
		require.NoError(t, err)
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		assert.Contains(t, actions, AuditIdentityConflict)
		assert.Contains(t, actions, AuditIdentityResolved)
	})
}

// TestOpenRegistryOfSchema7: a registry written before identity conflicts
// and retired epochs (schema version 7) opens, keeps its phones and their
// reports, and takes the new rules from its next report on.
func TestOpenRegistryOfSchema7(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	all, err := loadMigrations(migrationFS, engineSQLite)
	require.NoError(t, err)
	var old []migration
	for _, m := range all {
		if m.version <= 7 {
			old = append(old, m)
		}
	}
	db, err := sql.Open("sqlite3", path+"?_txlock=immediate")
	require.NoError(t, err)
	_, to, err := migrate(ctx, db, engineSQLite, old, at(0))
	require.NoError(t, err)
	require.Equal(t, 7, to)
	_, err = db.Exec(`INSERT INTO devices(id, serial, imei, first_seen, last_seen, state_json, verdict, state_seq, state_at, state_checked_at, state_epoch)
		VALUES ('old', 'S1', '866587536489593', ?, ?, '{"device":{"serial":"S1"},"safe_to_reset":true,"risks":[],"find_device":"off","lost_mode":"off","rooted":false,"checked_at":"2026-11-01T00:00:00Z"}',
		'safe', 4, ?, '2026-11-01T00:00:00Z', 'e1')`, formatTime(at(0)), formatTime(at(0)), formatTime(at(0)))
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s, err := Open(ctx, path, Options{})
	require.NoError(t, err)
	defer s.Close()
	d, err := s.Device(ctx, "old")
	require.NoError(t, err)
	assert.Equal(t, protocol.VerdictSafe, d.Verdict)
	assert.Empty(t, d.IdentityProblem())
	assert.Empty(t, d.ConflictsWith)

	// Its next epoch retires the old one; a replay of that is stale.
	applyOK(t, s, epochUpd("old", "e2", 1, at(5), at(5), protocol.RiskGoogleFRP))
	st, err := s.ApplyBatch(ctx, []Update{epochUpd("old", "e1", 5, at(6), at(6))})
	require.NoError(t, err)
	assert.Equal(t, 1, st.Stale)
	applyOK(t, s, identified("new", "ser1", "", 1, 7)) // "old" now reports SER1
	d, err = s.Device(ctx, "old")
	require.NoError(t, err)
	assert.Equal(t, []string{"new"}, d.ConflictsWith)
}

package registry

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAuditChainFindsTampering edits the SQLite file directly, as someone
// with access to it could (dropping the append-only triggers first): each
// change is found, and named by the first row that no longer verifies.
func TestAuditChainFindsTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper string
		want   int64
		reason string
	}{
		{"content changed", `UPDATE audit SET detail = 'nothing happened' WHERE id = 3`, 3, "changed"},
		{"actor changed", `UPDATE audit SET actor = 'operator:mallory' WHERE id = 5`, 5, "changed"},
		{"row removed", `DELETE FROM audit WHERE id = 2`, 3, "does not follow row 1"},
		{"row inserted", `INSERT INTO audit(id, at, actor, action, prev_hash, hash) VALUES (100, '2026-01-01T00:00:00.000000000Z', 'x', 'y', 'z', 'w')`, 100, "does not follow row 6"},
		{"hash recomputed without link", `UPDATE audit SET prev_hash = '' WHERE id = 4`, 4, "does not follow"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t, Options{})
			ctx := context.Background()
			for i := range 6 {
				require.NoError(t, s.AppendAudit(ctx, AuditEntry{At: at(i), Actor: OperatorActor("ana"), Action: "test",
					Detail: fmt.Sprintf("step %d", i), Note: "n"}))
			}
			v, err := s.VerifyAudit(ctx)
			require.NoError(t, err)
			require.Equal(t, AuditVerification{Rows: 6}, v, "an untouched trail verifies")

			db, err := sql.Open("sqlite3", s.path)
			require.NoError(t, err)
			defer db.Close()
			for _, q := range []string{`DROP TRIGGER audit_no_update`, `DROP TRIGGER audit_no_delete`, tc.tamper} {
				_, err := db.ExecContext(ctx, q)
				require.NoError(t, err, q)
			}
			v, err = s.VerifyAudit(ctx)
			require.NoError(t, err)
			assert.Equal(t, tc.want, v.BrokenID)
			assert.Contains(t, v.Reason, tc.reason)
		})
	}
}

// TestAuditRowsBeforeChainAreUnchained: rows written before schema 4 carry
// no hash; they are counted, and the chain starts after them.
func TestAuditRowsBeforeChainAreUnchained(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s := openOn(t, e, Options{})
		ctx := context.Background()
		_, err := s.w.ExecContext(ctx, `INSERT INTO audit(at, actor, action) VALUES ('2026-01-01T00:00:00.000000000Z', 'controller', 'old')`)
		require.NoError(t, err)
		require.NoError(t, s.AppendAudit(ctx, AuditEntry{At: at(1), Actor: ActorController, Action: "new"}))
		v, err := s.VerifyAudit(ctx)
		require.NoError(t, err)
		assert.Equal(t, AuditVerification{Rows: 2, Unchained: 1}, v)
	})
}

package registry

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/unbind/unbind/internal/pgtest"
	"github.com/unbind/unbind/protocol"
)

// TestTwoStoresShareOnePostgresRegistry: two controllers' stores write one
// PostgreSQL registry at once, each with its own connections. Reports of
// one phone arrive split between them in any interleaving, and both append
// audit rows: the newest report wins however the commits interleave (the
// per-device compare-and-set holds across stores), no update fails, and the
// audit trail is one chain that verifies.
func TestTwoStoresShareOnePostgresRegistry(t *testing.T) {
	const reports = 60 // per store
	ctx := context.Background()
	url := pgtest.NewDatabaseFrom(t, "registry_migrated", migrateTemplate)
	var stores [2]*Store
	for i := range stores {
		s, err := Open(ctx, url, Options{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		stores[i] = s
	}
	applyOK(t, stores[0], presenceUpd("d", protocol.Online, at(0)))

	var g errgroup.Group
	for i, s := range stores {
		// Store 0 gets the odd sequence numbers, store 1 the even ones;
		// the verdict flips with every report, so each applied report
		// writes a state change, its audit row and a webhook event.
		g.Go(func() error {
			for n := range reports {
				seq := uint64(2*n + 1 + i)
				var kinds []protocol.RiskKind
				if seq%2 == 0 {
					kinds = append(kinds, protocol.RiskGoogleFRP)
				}
				u := epochUpd("d", "e1", seq, at(int(seq)), at(int(seq)), kinds...)
				st, err := s.ApplyBatch(ctx, []Update{u})
				if err != nil {
					return err
				}
				if st.Failed != 0 {
					return fmt.Errorf("store %d: report %d failed", i, seq)
				}
			}
			return nil
		})
		g.Go(func() error {
			for n := range reports {
				if err := s.AppendAudit(ctx, AuditEntry{At: at(n), Actor: OperatorActor(fmt.Sprintf("op%d", i)), Action: "test"}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())

	for i, s := range stores {
		d, err := s.Device(ctx, "d")
		require.NoError(t, err)
		assert.Equal(t, uint64(2*reports), d.StateSeq, "store %d sees the newest report", i)
		assert.Equal(t, protocol.VerdictAtRisk, d.Verdict, "the newest report's verdict")
	}
	v, err := stores[1].VerifyAudit(ctx)
	require.NoError(t, err)
	assert.Zero(t, v.BrokenID, v.Reason)
	assert.GreaterOrEqual(t, v.Rows, 2*reports, "every operator row is in the one chain")
}

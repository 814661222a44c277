package registry

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/internal/pgtest"
	"github.com/unbind/unbind/protocol"
)

// TestDeliveryClaimedOnce: workers of several controllers claiming the same
// due deliveries at once each get some, and no delivery is handed to two.
// Before a lease lapses nobody retakes it; after, one worker does.
func TestDeliveryClaimedOnce(t *testing.T) {
	t.Parallel()
	forEachEngine(t, testDeliveryClaimedOnce)
}

func testDeliveryClaimedOnce(t *testing.T, e engine) {
	ctx := context.Background()
	stores := twoStores(t, e)
	s := stores[0]
	addHook(t, s, "h1", EventDeviceAtRisk)
	const events = 60
	for i := range events {
		applyOK(t, s, stateUpd(fmt.Sprintf("d%02d", i), 1, at(1), report(at(1), protocol.RiskMiAccount)))
	}
	claimAll := func(now time.Time) map[int64]int {
		const workers = 4
		var (
			mu    sync.Mutex
			seen  = map[int64]int{}
			wg    sync.WaitGroup
			start = make(chan struct{})
		)
		for w := range workers {
			s := stores[w%2]
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for {
					ds, err := s.ClaimDeliveries(ctx, now, time.Minute, 7)
					if !assert.NoError(t, err) || len(ds) == 0 {
						return
					}
					mu.Lock()
					for _, d := range ds {
						seen[d.ID]++
					}
					mu.Unlock()
				}
			}()
		}
		close(start)
		wg.Wait()
		return seen
	}
	check := func(seen map[int64]int, when string) {
		t.Helper()
		assert.Len(t, seen, events, "%s: every delivery claimed", when)
		for id, n := range seen {
			assert.Equal(t, 1, n, "%s: delivery %d claimed %d times", when, id, n)
		}
	}
	check(claimAll(at(2)), "first claims")
	assert.Empty(t, claimAll(at(30)), "claims within the lease")
	check(claimAll(at(63)), "after the lease lapsed") // the workers died: at-least-once
}

// twoStores opens two stores on one fresh registry, as two controllers do:
// on PostgreSQL each with its own connections; on SQLite, where one
// process holds the file, the same store twice.
func twoStores(t *testing.T, e engine) [2]*Store {
	t.Helper()
	if e == engineSQLite {
		s := openTest(t, Options{})
		return [2]*Store{s, s}
	}
	url := pgtest.NewDatabaseFrom(t, "registry_migrated", migrateTemplate)
	var stores [2]*Store
	for i := range stores {
		s, err := Open(context.Background(), url, Options{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		stores[i] = s
	}
	return stores
}

package controller_test

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
	"github.com/unbind/unbind/protocol"
)

// BenchmarkIdleHolds measures what phones waiting on hold cost an idle
// controller: the process's CPU over a window that covers the release
// loop's sweep, with no release, then with 10,000 held releases. It
// reports the share of one core each way (cpu-%); the holds' cost is the
// difference. Run it alone:
//
//	go test -run '^$' -bench BenchmarkIdleHolds -benchtime 1x ./controller/
func BenchmarkIdleHolds(b *testing.B) {
	const window = 35 * time.Second // the sweep runs every 30 s
	share := map[int]float64{}
	for _, n := range []int{0, 10000} {
		b.Run(fmt.Sprintf("holds=%d", n), func(b *testing.B) {
			for b.Loop() {
				path := filepath.Join(b.TempDir(), "registry.db")
				seedHolds(b, path, n)
				c := controllertest.Start(b, func(cfg *controller.Config) { cfg.DBPath = path })
				holds, err := c.Holds(context.Background())
				require.NoError(b, err)
				require.Len(b, holds, n)
				time.Sleep(3 * time.Second) // start-up settles; not measured
				before := cpuTime(b)
				time.Sleep(window)
				share[n] = (cpuTime(b) - before).Seconds() / window.Seconds()
			}
			b.ReportMetric(share[n]*100, "cpu-%")
		})
	}
}

// seedHolds writes n phones, each with a release on hold, into a new
// registry at path.
func seedHolds(b *testing.B, path string, n int) {
	b.Helper()
	ctx := context.Background()
	s, err := registry.Open(ctx, path, registry.Options{})
	require.NoError(b, err)
	defer s.Close()
	now := time.Now().UTC()
	const batch = 500
	for start := 0; start < n; start += batch {
		var ups []registry.Update
		var rs []registry.ReleaseRecord
		for i := start; i < min(start+batch, n); i++ {
			id := fmt.Sprintf("held-%05d", i)
			ups = append(ups, registry.Update{DeviceID: id, ReceivedAt: now, Presence: &protocol.Presence{
				V: protocol.Version, DeviceID: id, Status: protocol.Offline, At: now}})
			rs = append(rs, registry.ReleaseRecord{ID: "rel-" + id, DeviceID: id, Operator: "bench",
				Stage: string(release.StageOnHold), CreatedAt: now, UpdatedAt: now, Deadline: now.Add(release.HoldRecheck),
				HoldOnTimeout: true, HoldReason: release.HoldRemoteUnlink, HeldSince: now})
		}
		require.NoError(b, s.Apply(ctx, ups))
		require.NoError(b, s.CreateReleases(ctx, rs))
	}
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

package registry

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/internal/pgtest"
	"github.com/unbind/unbind/protocol"
)

const benchDevices = 1000

// benchFleet produces realistic state reports over benchDevices phones: a
// few risks and accounts each, every report newer than the last of its
// phone, and one in ten changing its risks (so history rows are written too).
type benchFleet struct {
	base []protocol.Report
	n    int
}

func newBenchFleet() *benchFleet {
	f := &benchFleet{}
	for i := range benchDevices {
		user := 0
		r := protocol.Report{
			Device: protocol.Identity{
				Serial: fmt.Sprintf("SER%05d", i), Manufacturer: "Xiaomi", Brand: "Redmi", Model: "Note 12",
				AndroidVersion: "14", SDK: 34, VendorOS: "HyperOS OS1.0", IMEI: "490154203237518",
			},
			Risks: []protocol.Risk{
				{Kind: protocol.RiskMiAccount, User: &user, Check: "dumpsys account", Evidence: "account type com.xiaomi present", Account: "28***58"},
				{Kind: protocol.RiskFindDevice, Check: "content query isLastStatusOpen", Evidence: "isLastStatusOpen=1"},
				{Kind: protocol.RiskGoogleFRP, User: &user, Check: "dumpsys account", Evidence: "account type com.google present", Account: "ja***@gmail.com"},
			},
			Accounts: []protocol.Account{
				{User: 0, Type: "com.xiaomi", Name: "28***58"},
				{User: 0, Type: "com.google", Name: "ja***@gmail.com"},
				{User: 0, Type: "com.whatsapp", Name: "+33***12"},
				{User: 10, Type: "com.google", Name: "wo***@corp.example"},
			},
			FindDevice: protocol.TriOn, LostMode: protocol.TriOff,
		}
		f.base = append(f.base, r)
	}
	return f
}

func (f *benchFleet) next() Update {
	f.n++
	i := f.n % benchDevices
	r := f.base[i]
	r.CheckedAt = t0.Add(time.Duration(f.n) * time.Millisecond)
	if f.n%10 == 0 && (f.n/benchDevices)%2 == 1 {
		r.Risks = r.Risks[:2] // Google account signed out, then back on the next pass
	}
	return stateUpd(fmt.Sprintf("dev-%04d", i), uint64(f.n), r.CheckedAt, r)
}

func (f *benchFleet) batch(dst []Update, size int) []Update {
	dst = dst[:0]
	for range size {
		dst = append(dst, f.next())
	}
	return dst
}

func openBench(b *testing.B, opts Options) (*Store, *benchFleet) {
	b.Helper()
	return fillBench(b, filepath.Join(b.TempDir(), "registry.db"), opts)
}

// fillBench opens the registry at location with every phone reported once.
func fillBench(b *testing.B, location string, opts Options) (*Store, *benchFleet) {
	b.Helper()
	s, err := Open(context.Background(), location, opts)
	require.NoError(b, err)
	b.Cleanup(func() { _ = s.Close() })
	f := newBenchFleet()
	// Every phone has reported once, so the timed loop updates existing rows.
	require.NoError(b, s.Apply(context.Background(), f.batch(nil, benchDevices)))
	return s, f
}

// BenchmarkApply is state-report ingest in batches of 1, 64 and 512, one
// transaction per batch; ns/op is per batch.
func BenchmarkApply(b *testing.B) {
	for _, sync := range []string{"NORMAL", "FULL"} {
		for _, size := range []int{1, 64, 512} {
			b.Run(fmt.Sprintf("sync=%s/batch=%d", sync, size), func(b *testing.B) {
				s, f := openBench(b, Options{synchronous: sync})
				ctx := context.Background()
				buf := make([]Update, 0, size)
				reports := 0
				for b.Loop() {
					buf = f.batch(buf, size)
					if err := s.Apply(ctx, buf); err != nil {
						b.Fatal(err)
					}
					reports += size
				}
				b.ReportMetric(float64(reports)/b.Elapsed().Seconds(), "reports/s")
			})
		}
	}
}

// BenchmarkApplyPostgres is BenchmarkApply on the tests' PostgreSQL server,
// which runs with fsync off: compare it with sync=NORMAL, not FULL.
func BenchmarkApplyPostgres(b *testing.B) {
	for _, size := range []int{1, 64, 512} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			s, f := fillBench(b, pgtest.NewDatabaseFrom(b, "registry_migrated", migrateTemplate), Options{})
			ctx := context.Background()
			buf := make([]Update, 0, size)
			reports := 0
			for b.Loop() {
				buf = f.batch(buf, size)
				if err := s.Apply(ctx, buf); err != nil {
					b.Fatal(err)
				}
				reports += size
			}
			b.ReportMetric(float64(reports)/b.Elapsed().Seconds(), "reports/s")
		})
	}
}

// BenchmarkApplyOneTxPerMessage writes 512 reports, each in its own
// transaction, for comparison with BenchmarkApply/batch=512.
func BenchmarkApplyOneTxPerMessage(b *testing.B) {
	const messages = 512
	for _, sync := range []string{"NORMAL", "FULL"} {
		b.Run(fmt.Sprintf("sync=%s/messages=%d", sync, messages), func(b *testing.B) {
			s, f := openBench(b, Options{synchronous: sync})
			ctx := context.Background()
			one := make([]Update, 1)
			reports := 0
			for b.Loop() {
				for range messages {
					one[0] = f.next()
					if err := s.Apply(ctx, one); err != nil {
						b.Fatal(err)
					}
				}
				reports += messages
			}
			b.ReportMetric(float64(reports)/b.Elapsed().Seconds(), "reports/s")
		})
	}
}

// BenchmarkDevices is the API's device list over the whole fleet.
func BenchmarkDevices(b *testing.B) {
	s, _ := openBench(b, Options{})
	ctx := context.Background()
	for b.Loop() {
		devs, err := s.Devices(ctx, Filter{})
		if err != nil || len(devs) != benchDevices {
			b.Fatal(len(devs), err)
		}
	}
}

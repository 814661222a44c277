package android_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/android/androidsim"
)

// countingTransport counts the commands one check runs: over adb each is a
// round trip to the phone, which is what a check's time is made of.
type countingTransport struct {
	t android.Transport
	n atomic.Int64
}

func (c *countingTransport) Run(ctx context.Context, argv ...string) (android.Result, error) {
	c.n.Add(1)
	return c.t.Run(ctx, argv...)
}

// BenchmarkObserve reports, per kind of phone, the time of one full check
// against the simulated phone and the commands it runs (cmds/op).
func BenchmarkObserve(b *testing.B) {
	phones := []struct {
		name string
		opts func() androidsim.Options
	}{
		{"pixel-google", androidsim.GoogleOnly},
		{"xiaomi-clean", androidsim.CleanXiaomi},
		{"xiaomi-bound", androidsim.BoundXiaomi},
		{"samsung-secure-folder", androidsim.SamsungWithSecureFolder},
		{"vivo-bound", androidsim.VivoBound},
		{"oppo-china", androidsim.OppoChinaHeyTap},
		{"company-owned", androidsim.ManagedWithFRPPolicy},
		{"app-account-only", androidsim.AppAccountOnly},
	}
	for _, p := range phones {
		b.Run(p.name, func(b *testing.B) {
			ct := &countingTransport{t: androidsim.New(p.opts())}
			d := android.NewDevice(ct, android.DeviceConfig{})
			ctx := context.Background()
			for b.Loop() {
				if _, err := d.Observe(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(ct.n.Load())/float64(b.N), "cmds/op")
		})
	}
}

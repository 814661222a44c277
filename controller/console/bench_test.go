package console_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/protocol"
)

// BenchmarkFleetPage renders the fleet page of a 5,000- and a 50,000-phone
// registry over HTTP, as a signed-in browser asks for it: the first page, a
// filtered page, a serial search, one tile's fragment and the counts.
// Besides the time per page it reports the process's CPU per page
// (cpu-ms/op: the controller's and the client's), which a loaded machine
// distorts far less than the wall clock. Results: bench/console.txt.
func BenchmarkFleetPage(b *testing.B) {
	for _, phones := range []int{5000, 50000} {
		b.Run(fmt.Sprint(phones), func(b *testing.B) { benchFleetPage(b, phones) })
	}
}

func benchFleetPage(b *testing.B, phones int) {
	c := controllertest.Start(b)
	now := time.Now().UTC().Add(-time.Minute)
	var ups []registry.Update
	kinds := [][]protocol.RiskKind{nil, {protocol.RiskMiAccount, protocol.RiskFindDevice}, {protocol.RiskGoogleFRP}, {protocol.RiskUnknown}}
	for i := range phones {
		id := fmt.Sprintf("phone-%05d", i)
		ups = append(ups, registry.Update{DeviceID: id, ReceivedAt: now,
			Presence: &protocol.Presence{V: protocol.Version, DeviceID: id, Status: protocol.Online, At: now}})
		u := controllertest.StateUpdate(id, now, kinds[i%len(kinds)]...)
		u.State.Report.Device = protocol.Identity{Serial: fmt.Sprintf("SER%05d", i), Manufacturer: []string{"Xiaomi", "samsung", "Google"}[i%3], Model: "Model"}
		ups = append(ups, u)
	}
	for len(ups) > 0 {
		n := min(len(ups), 1000)
		_, err := c.Registry().ApplyBatch(context.Background(), ups[:n])
		require.NoError(b, err)
		ups = ups[n:]
	}
	br := as(b, c, controller.RoleViewer)
	for _, path := range []string{"/", "/?verdict=at_risk&maker=Xiaomi&page=3", "/?q=SER049", "/fragments/tile/phone-00042", "/fragments/counts"} {
		b.Run(path, func(b *testing.B) {
			before, n := cpuTime(b), 0
			for b.Loop() {
				n++
				resp, err := br.hc.Get(c.APIURL() + path)
				if err != nil {
					b.Fatal(err)
				}
				size, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || size == 0 {
					b.Fatalf("%s: %d, %d bytes", path, resp.StatusCode, size)
				}
				b.SetBytes(size)
			}
			b.ReportMetric(float64((cpuTime(b)-before).Microseconds())/1000/float64(n), "cpu-ms/op")
		})
	}
}

// cpuTime is the CPU this process has used so far, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/protocol"
	"github.com/unbind/unbind/sim/simfleet"
)

// benchFleet runs phones on the bench (their agents on a bench PC, over
// USB) at the stations named by serial, reporting every second.
func benchFleet(t *testing.T, c *controllertest.Controller, stations map[string]protocol.Station, phones ...*androidsim.Phone) {
	t.Helper()
	var serials []string
	for _, p := range phones {
		serials = append(serials, p.Serial())
	}
	f := simfleet.Start(context.Background(), simfleet.Config{
		BrokerURL: c.BrokerURL(), Phones: phones, Interval: time.Second, ActiveInterval: 200 * time.Millisecond,
		Logger: controllertest.Logger(t), StateDir: t.TempDir(), Enroll: enrollVia(c), OnBench: serials, Stations: stations,
	})
	t.Cleanup(f.Close)
}

// TestStationViewInChromium: the bench page lists the stations with their
// lots; an operator sets one station's lot there and its phone joins; the
// one-station view (/bench?station=NAME) shows only that station's phones,
// large, a phone plugged in there appears without a reload, and the page
// fits a 390 px phone screen. Screenshots: station.png, station-390.png.
func TestStationViewInChromium(t *testing.T) {
	t.Parallel()
	ctx := browserFor(t)
	c := controllertest.Start(t)
	bg := context.Background()
	_, err := c.AddLot(bg, "L-2026-0042", "Acme Refurb", "PO-4711", "operator:ann", "")
	require.NoError(t, err)
	stations := map[string]protocol.Station{
		"R58N0000001": {Name: "bench-3", Lot: "L-2026-0042"},
		"R58N0000002": {Name: "bench-9"},
		"R58N0000003": {Name: "bench-3", Lot: "L-2026-0042"},
	}
	first := phone(androidsim.CleanXiaomi(), "R58N0000001", androidsim.Complies)
	other := phone(androidsim.BoundXiaomi(), "R58N0000002", androidsim.Never)
	benchFleet(t, c, stations, first, other)
	atStation := func(serial, station string) func() bool {
		return func() bool {
			seen, ok, err := c.Registry().DeviceStation(bg, serial)
			return err == nil && ok && seen.Station == station
		}
	}
	eventually(t, atStation(first.Serial(), "bench-3"), "the first phone reports at bench-3")
	eventually(t, atStation(other.Serial(), "bench-9"), "the other phone reports at bench-9")

	base := c.APIURL()
	signInBrowser(t, ctx, base, controllertest.Token(t, c, controller.RoleOperator))

	// The whole bench: the stations, and the operator's choice of a lot.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/bench"), chromedp.WaitVisible(chromedp.CSS("table.stations"))))
	assert.Contains(t, text(t, ctx, `tr[data-station="bench-3"]`), "L-2026-0042")
	assert.Contains(t, text(t, ctx, `tr[data-station="bench-9"]`), "—")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`tr[data-station="bench-9"] select`), "L-2026-0042"),
		chromedp.Click(chromedp.CSS(`tr[data-station="bench-9"] button`)),
		chromedp.WaitVisible(chromedp.CSS("table.stations")),
	))
	assert.Contains(t, text(t, ctx, `tr[data-station="bench-9"]`), "L-2026-0042 (chosen)")
	eventually(t, func() bool {
		lot, err := c.Registry().DeviceLot(bg, other.Serial())
		return err == nil && lot == "L-2026-0042"
	}, "bench-9's phone joins the lot the operator chose at its next report")

	// One station, large, for the person at that bench.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/bench?station=bench-3"),
		chromedp.WaitVisible(chromedp.CSS(".station-one"))))
	assert.Contains(t, text(t, ctx, "h1"), "bench-3")
	assert.Contains(t, text(t, ctx, ".station-lot"), "L-2026-0042")
	list := text(t, ctx, ".bench-list")
	assert.Contains(t, list, first.Serial())
	assert.NotContains(t, list, other.Serial(), "only this station's phones")
	fontPx, err := chromedp.Run(ctx, chromedp.Evaluate[float64](
		`parseFloat(getComputedStyle(document.querySelector(".bench-list .serial")).fontSize)`))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, fontPx, 32.0, "large enough to read from the bench")

	// A phone plugged in at bench-3 appears without a reload.
	third := phone(androidsim.CleanXiaomi(), "R58N0000003", androidsim.Complies)
	benchFleet(t, c, stations, third)
	waitJS(t, ctx, fmt.Sprintf(`document.querySelector(".bench-list").textContent.includes(%q)`, third.Serial()),
		"the new phone appears live")
	screenshot(t, ctx, "station.png")

	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(".station-one"))))
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	require.NoError(t, err)
	assert.False(t, overflow, "nothing wider than a 390 px screen")
	screenshot(t, ctx, "station-390.png")
}

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
	"github.com/unbind/unbind/sim/simfleet"
)

// loaded navigates to url and waits until the page, its styles included,
// is complete.
func loaded(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(url)))
	waitJS(t, ctx, `document.readyState === "complete" && document.querySelector("main") !== null`, "load "+url)
}

// TestConsoleNarrowScreen reads the console on a 390 px phone screen:
// no page is wider than the screen (fleet, a batch of releases, a phone,
// the bench), the header spans it, the phone page shows its verdict
// without scrolling, an offline tile's checkbox covers none of its text,
// and the bench offers a real checkbox for "select it". Each page is also
// kept as a screenshot at 1366 px.
func TestConsoleNarrowScreen(t *testing.T) {
	t.Parallel()
	ctx := browserFor(t)
	c := controllertest.Start(t)
	phones := []*androidsim.Phone{
		phone(androidsim.CleanXiaomi(), "mi-clean-with-a-rather-long-serial-0123456789", androidsim.Complies),
		phone(androidsim.BoundXiaomi(), "mi-bound", androidsim.Never),
	}
	startFleet(t, c.BrokerURL(), phones, enrollVia(c))
	// A phone that reported once and went away: offline, last known safe.
	gone := phone(androidsim.CleanXiaomi(), "mi-gone", androidsim.Never)
	goneFleet := simfleet.Start(context.Background(), simfleet.Config{BrokerURL: c.BrokerURL(), Phones: []*androidsim.Phone{gone},
		Interval: time.Second, Logger: controllertest.Logger(t), StateDir: t.TempDir(), Enroll: enrollVia(c)})
	everyPhoneReports(t, c, append(phones, gone))
	goneFleet.Close()
	eventually(t, func() bool {
		d, err := c.Registry().Device(context.Background(), "mi-gone")
		return err == nil && !d.Online
	}, "mi-gone is offline")

	base := c.APIURL()
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)))
	signInBrowser(t, ctx, base, controllertest.Token(t, c, controller.RoleOperator))
	for _, p := range phones {
		click(t, ctx, "#pick-"+p.Serial())
	}
	click(t, ctx, "#release-form button")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#confirm-release")), chromedp.Click(chromedp.CSS("#confirm-release")),
		chromedp.WaitVisible(chromedp.CSS("table.releases"))))
	batch, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)

	pages := []struct{ name, url string }{
		{"fleet", base + "/"}, {"batch", batch}, {"phone", base + "/phones/mi-bound"}, {"bench", base + "/bench"},
	}
	for _, p := range pages {
		loaded(t, ctx, p.url)
		width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		require.NoError(t, err)
		assert.LessOrEqual(t, width, 390, "%s: the page fits a 390 px screen", p.name)
		header, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("header.top").getBoundingClientRect().width`))
		require.NoError(t, err)
		assert.InDelta(t, 390, header, 1, "%s: the header spans the screen", p.name)
		screenshot(t, ctx, fmt.Sprintf("console-%s-390.png", p.name))
	}

	loaded(t, ctx, base+"/phones/mi-bound")
	above, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#verdict-h").getBoundingClientRect().bottom <= window.innerHeight`))
	require.NoError(t, err)
	assert.True(t, above, "the verdict is above the fold")

	checkboxCoversNothing(t, ctx, base)

	loaded(t, ctx, base+"/bench")
	boxes, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll(".bench-row")].filter(r => r.querySelector("input[type=checkbox][form=release-form]")).length`))
	require.NoError(t, err)
	assert.Equal(t, 3, boxes, "every bench row can be selected")

	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900)))
	checkboxCoversNothing(t, ctx, base)
	for _, p := range pages {
		loaded(t, ctx, p.url)
		screenshot(t, ctx, fmt.Sprintf("console-%s-1366.png", p.name))
	}
}

// checkboxCoversNothing checks that the offline tile's checkbox covers none
// of its text, at the screen's width now.
func checkboxCoversNothing(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	loaded(t, ctx, base+"/")
	overlap, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const tile = document.getElementById("tile-mi-gone"), box = tile.querySelector("input[type=checkbox]").getBoundingClientRect();
		const hit = [...tile.querySelectorAll(".tile-head *, .serial, .model, .next")].filter(el => {
			const r = el.getBoundingClientRect();
			return r.width > 0 && r.left < box.right && box.left < r.right && r.top < box.bottom && box.top < r.bottom;
		});
		return hit.map(el => el.className || el.tagName).join(",") })()`))
	require.NoError(t, err)
	assert.Empty(t, overlap, "the offline tile's checkbox covers no text")

}

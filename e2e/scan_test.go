package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
)

// TestScanToFindInChromium: on the fleet page, with no field focused, a
// barcode scanner types a serial or an IMEI and Enter; the page opens that
// phone. An unknown code says so.
func TestScanToFindInChromium(t *testing.T) {
	t.Parallel()
	ctx := browserFor(t)
	c := controllertest.Start(t)
	now := time.Now()
	upd := func(id, serial, imei string) registry.Update {
		u := controllertest.StateUpdate(id, now)
		u.State.Report.Device.Serial, u.State.Report.Device.IMEI = serial, imei
		return u
	}
	require.NoError(t, c.Registry().Apply(context.Background(), []registry.Update{
		upd("dev-a", "R58N12ABCDE", "861234567890123"), upd("dev-b", "SERB", "861234567890456"),
	}))
	base := c.APIURL()
	signInBrowser(t, ctx, base, controllertest.Token(t, c, controller.RoleViewer))

	scan := func(code string) {
		t.Helper()
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(chromedp.CSS("ul.tiles")),
			// What a scanner does: keys into whatever has focus, here the page itself.
			chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur()`),
			chromedp.KeyEvent(code+kb.Enter),
		), "scan %s", code)
	}
	scan("R58N12ABCDE")
	waitJS(t, ctx, `location.pathname === "/phones/dev-a"`, "a scanned serial opens the phone")
	scan("861234567890456")
	waitJS(t, ctx, `location.pathname === "/phones/dev-b"`, "a scanned IMEI opens the phone")
	scan("UNKNOWN-42")
	waitJS(t, ctx, `location.pathname === "/find" && document.querySelector("[role=alert]").textContent.includes("No phone has the code \"UNKNOWN-42\"")`,
		"an unknown code says so")
}

// TestScanIntoLotInChromium: on a lot's page the scan field has focus; a
// scanner types a serial and Enter, and the phone joins the lot.
func TestScanIntoLotInChromium(t *testing.T) {
	t.Parallel()
	ctx := browserFor(t)
	c := controllertest.Start(t)
	require.NoError(t, c.Registry().Apply(context.Background(), []registry.Update{controllertest.StateUpdate("SER-7", time.Now())}))
	_, err := c.AddLot(context.Background(), "L-7", "Acme", "", "operator:ana", "")
	require.NoError(t, err)
	base := c.APIURL()
	signInBrowser(t, ctx, base, controllertest.Token(t, c, controller.RoleOperator))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/lots/L-7"),
		chromedp.WaitVisible(chromedp.CSS("#join-code")),
		chromedp.Focus(chromedp.CSS("#join-code")),
		chromedp.KeyEvent("SER-7"+kb.Enter),
	))
	waitJS(t, ctx, `document.querySelector("#joined") !== null && document.querySelector("#joined").textContent.includes("SER-7")`, "the scanned phone joined")
	lot, err := c.Registry().DeviceLot(context.Background(), "SER-7")
	require.NoError(t, err)
	require.Equal(t, "L-7", lot)
}

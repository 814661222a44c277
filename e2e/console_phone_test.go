package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/protocol"
)

// TestConsolePhoneActions works a phone from its own page: what to tell the
// person at it in large type, a fresh check, a release (through the same
// confirmation as the fleet's) and its cancellation; meanwhile a second tab
// on the fleet page shows, without a reload and in its title, that the
// phone waits for the person at it, and stops once it no longer does. A
// viewer gets no action, and posting one anyway is refused.
func TestConsolePhoneActions(t *testing.T) {
	t.Parallel()
	ctx := browserFor(t)
	c := controllertest.Start(t)
	bound := phone(androidsim.BoundXiaomi(), "mi-bound", androidsim.Never)
	phones := []*androidsim.Phone{bound, phone(androidsim.CleanXiaomi(), "mi-clean", androidsim.Complies)}
	startFleet(t, c.BrokerURL(), phones, enrollVia(c))
	everyPhoneReports(t, c, phones)
	base := c.APIURL()
	signInBrowser(t, ctx, base, controllertest.Token(t, c, controller.RoleOperator))

	// A second browser, signed in too, keeps the fleet page open.
	fleetTab := browserFor(t)
	signInBrowser(t, fleetTab, base, controllertest.Token(t, c, controller.RoleOperator))
	require.NoError(t, chromedp.Do(fleetTab, chromedp.Evaluate[chromedp.Void](`window.__sameLoad = true`)))
	hidden, err := chromedp.Run(fleetTab, chromedp.Evaluate[bool](`document.querySelector(".waiting-alert").hidden`))
	require.NoError(t, err)
	assert.True(t, hidden, "no phone waits yet")

	// What to tell the person, in large type, in the catalogue's words.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/phones/mi-bound"), chromedp.WaitVisible(chromedp.CSS("#person-link"))))
	click(t, ctx, "#person-link")
	waitJS(t, ctx, `location.pathname === "/phones/mi-bound/person" && document.readyState === "complete" && document.querySelector(".person-steps") !== null`, "the person view")
	mi := protocol.LockOf(protocol.RiskMiAccount)
	steps := text(t, ctx, ".person-steps")
	assert.Contains(t, steps, mi.Action)
	assert.Contains(t, steps, mi.Where)
	size, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`parseFloat(getComputedStyle(document.querySelector(".person-steps li strong")).fontSize)`))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, size, 28.0, "large type")
	screenshot(t, ctx, "console-person-1366.png")

	// Re-check now: a refresh command for this phone.
	refreshes := func() int {
		cmds, err := c.Registry().Commands(context.Background(), "mi-bound")
		require.NoError(t, err)
		n := 0
		for _, cmd := range cmds {
			if cmd.Kind == protocol.CommandRefresh {
				n++
			}
		}
		return n
	}
	before := refreshes()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/phones/mi-bound"), chromedp.WaitVisible(chromedp.CSS("#phone-recheck"))))
	click(t, ctx, "#phone-recheck")
	eventually(t, func() bool { return refreshes() > before }, "a fresh check was asked for")
	waitJS(t, ctx, `location.pathname === "/phones/mi-bound" && document.querySelector("#phone-release") !== null`, "back on the phone's page")

	// Release it from its page, through the usual confirmation.
	click(t, ctx, "#phone-release")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#confirm-release")), chromedp.Click(chromedp.CSS("#confirm-release")),
		chromedp.WaitVisible(chromedp.CSS("table.releases"))))
	waitJS(t, fleetTab, `!document.querySelector(".waiting-alert").hidden && document.querySelector(".waiting-alert").textContent.includes("mi-bound") && document.title.startsWith("(1 waiting)")`,
		"the fleet page alerts: a phone waits for the person at it")
	screenshot(t, fleetTab, "console-waiting-alert-1366.png")

	// Cancel it from the phone's page.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/phones/mi-bound"), chromedp.WaitVisible(chromedp.CSS("#phone-cancel"))))
	screenshot(t, ctx, "console-phone-actions-1366.png")
	click(t, ctx, "#phone-cancel")
	eventually(t, func() bool {
		rs, err := c.Registry().UnfinishedReleases(context.Background())
		return err == nil && len(rs) == 0
	}, "the release is canceled")
	waitJS(t, fleetTab, `document.querySelector(".waiting-alert").hidden && !document.title.includes("waiting")`, "the alert goes once nobody is waited for")
	same, err := chromedp.Run(fleetTab, chromedp.Evaluate[bool](`window.__sameLoad === true`))
	require.NoError(t, err)
	assert.True(t, same, "the fleet page was not reloaded")

	// A viewer sees the person view but no action, and cannot post one.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.Click(chromedp.CSS("form.signout button")), chromedp.WaitVisible(chromedp.CSS("#token"))))
	signInBrowser(t, ctx, base, controllertest.Token(t, c, controller.RoleViewer))
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/phones/mi-bound"), chromedp.WaitVisible(chromedp.CSS("#person-link"))))
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#phone-release, #phone-recheck, #phone-cancel").length`))
	require.NoError(t, err)
	assert.Zero(t, n, "a viewer has no action")
	for _, path := range []string{"/phones/mi-bound/recheck", "/phones/mi-bound/cancel"} {
		status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("`+path+`", {method: "POST", body: new URLSearchParams({csrf: document.querySelector("input[name=csrf]").value})}).then(r => r.status)`, chromedp.EvalAwaitPromise))
		require.NoError(t, err)
		assert.Equal(t, 403, status, path)
	}
}

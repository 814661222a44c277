package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
)

// inZone makes the page's clock read zone (an IANA name), as a viewer there.
func inZone(t *testing.T, ctx context.Context, zone string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone})
		return err
	})), "set the time zone to %s", zone)
}

// TestConsoleLostController takes the controller away from a signed-in
// console (the browser reaches it through a proxy that the test cuts, as a
// stopped controller would look) and gives it back: the page says it lost
// touch and when it was last in touch, greys what it shows and turns its
// actions off, then recovers on its own with what changed meanwhile. Times
// are shown in the viewer's zone with the UTC on hover.
func TestConsoleLostController(t *testing.T) {
	t.Parallel()
	ctx := browserFor(t)
	c := controllertest.Start(t)
	clean := phone(androidsim.CleanXiaomi(), "mi-clean", androidsim.Complies)
	bound := phone(androidsim.BoundXiaomi(), "mi-bound", androidsim.Never)
	phones := []*androidsim.Phone{clean, bound}
	startFleet(t, c.BrokerURL(), phones, enrollVia(c))
	everyPhoneReports(t, c, phones)
	proxy := newCutProxy(t, strings.TrimPrefix(c.APIURL(), "http://"))
	inZone(t, ctx, "Asia/Kathmandu") // UTC+05:45: no whole-hour zone matches by chance
	signInBrowser(t, ctx, proxy.URL(), controllertest.Token(t, c, controller.RoleOperator))

	// Local time, UTC on hover.
	d, err := c.Registry().Device(context.Background(), "mi-clean")
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(proxy.URL()+"/phones/mi-clean"), chromedp.WaitVisible(chromedp.CSS("dl.identity"))))
	kathmandu, err := time.LoadLocation("Asia/Kathmandu")
	require.NoError(t, err)
	firstSeen := "dl.identity dd:nth-of-type(7) time"
	assert.True(t, strings.HasPrefix(text(t, ctx, firstSeen), d.FirstSeen.In(kathmandu).Format("2006-01-02 15:04:05")),
		"first seen in the viewer's zone: %q", text(t, ctx, firstSeen))
	title, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("`+firstSeen+`").title`))
	require.NoError(t, err)
	assert.Equal(t, d.FirstSeen.UTC().Format("2006-01-02 15:04:05")+" UTC", title, "the UTC on hover")

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(proxy.URL()+"/"), chromedp.WaitVisible(chromedp.CSS("ul.tiles"))))
	actionsOn := `document.querySelectorAll("form[method=post] button:disabled, input[type=checkbox]:disabled").length === 0 && document.getElementById("lost-banner").hidden`
	waitJS(t, ctx, actionsOn, "connected: actions on, no banner")

	proxy.down()
	waitJS(t, ctx, `!document.getElementById("lost-banner").hidden && document.body.classList.contains("disconnected")`, "the banner appears")
	banner := text(t, ctx, "#lost-banner")
	assert.Contains(t, banner, "Not connected to the controller")
	assert.Contains(t, banner, "Last in touch at")
	waitJS(t, ctx, `["#release-form button", "form.signout button", "#pick-mi-clean"].every(s => document.querySelector(s).disabled)`, "every action is off")
	// Even a form sent by hand goes nowhere.
	blocked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const e = new Event("submit", {cancelable: true, bubbles: true}); document.getElementById("release-form").dispatchEvent(e); return e.defaultPrevented })()`))
	require.NoError(t, err)
	assert.True(t, blocked, "a submit is stopped while the controller is away")
	screenshot(t, ctx, "console-lost-1366.png")

	// Meanwhile the person signs out of the bound phone.
	bound.RemoveAccounts(androidsim.TypeXiaomi, androidsim.TypeGoogle)
	eventually(t, func() bool {
		d, err := c.Registry().Device(context.Background(), "mi-bound")
		return err == nil && d.State != nil && d.State.SafeToReset
	}, "the registry sees the sign-out")
	assert.Equal(t, "not safe", text(t, ctx, "#tile-mi-bound .badge"), "the page cannot know yet")

	proxy.up()
	waitJS(t, ctx, actionsOn, "back: actions on, banner gone")
	waitJS(t, ctx, `!document.body.classList.contains("disconnected") && document.querySelector("#tile-mi-bound .badge").textContent === "safe"`,
		"what changed meanwhile is read again")
	screenshot(t, ctx, "console-back-1366.png")

	// A controller that hangs, connections open but silent: the page
	// notices by the missing heartbeats (here after 3 s instead of 40).
	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.body.setAttribute("data-silent-after", "3000")`)))
	proxy.freeze()
	waitJS(t, ctx, `!document.getElementById("lost-banner").hidden && document.querySelector("#release-form button").disabled`, "a silent controller is noticed")
	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.body.removeAttribute("data-silent-after")`)))
	proxy.thaw()
	waitJS(t, ctx, `document.getElementById("lost-banner").hidden && !document.querySelector("#release-form button").disabled`, "and recovered from")

	// The sign-in ends behind the page's back (signed out elsewhere; a
	// controller restart forgets every sign-in): the banner says so and
	// links to the sign-in.
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/logout", {method: "POST", body: new URLSearchParams({csrf: document.querySelector("input[name=csrf]").value})}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Less(t, status, 400)
	waitJS(t, ctx, `!document.getElementById("lost-banner").hidden && document.querySelector("#lost-banner a[href^='/login']") !== null`, "the banner asks to sign in again")
	assert.Contains(t, text(t, ctx, "#lost-banner"), "Signed out")
}

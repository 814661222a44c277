package e2e

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
)

// summaryIs is JavaScript that is true when the batch page's summary
// reads want (part -> count; parts not named read 0).
func summaryIs(want map[string]int) string {
	var parts []string
	for _, p := range []string{"released", "running", "waiting for the person", "on hold", "failed", "canceled"} {
		parts = append(parts, `"`+p+`": `+strconv.Itoa(want[p]))
	}
	return `(() => { const want = {` + strings.Join(parts, ", ") + `};
		const got = {};
		document.querySelectorAll(".summary .part").forEach(li => { got[li.textContent.replace(/^\s*\d+\s*/, "").trim()] = parseInt(li.querySelector(".n").textContent, 10); });
		return Object.keys(want).every(k => got[k] === want[k]); })()`
}

// TestConsoleBatchPageLive releases four phones from the console and keeps
// the batch page open: it is titled with the operator's note and the start
// in the viewer's zone, and its summary and rows follow the phones as they
// finish, without a reload, until all four are released; a released phone's
// stage is said in plain words, the agent's raw text kept on hover.
func TestConsoleBatchPageLive(t *testing.T) {
	t.Parallel()
	ctx := browserFor(t)
	c := controllertest.Start(t)
	var phones []*androidsim.Phone
	for _, serial := range []string{"mi-1", "mi-2", "mi-3"} {
		phones = append(phones, phone(androidsim.CleanXiaomi(), serial, androidsim.Complies))
	}
	late := phone(androidsim.BoundXiaomi(), "mi-late", androidsim.Never)
	phones = append(phones, late)
	startFleet(t, c.BrokerURL(), phones, enrollVia(c))
	everyPhoneReports(t, c, phones)
	inZone(t, ctx, "Asia/Kathmandu")
	signInBrowser(t, ctx, c.APIURL(), controllertest.Token(t, c, controller.RoleOperator))

	for _, p := range phones {
		click(t, ctx, "#pick-"+p.Serial())
	}
	click(t, ctx, "#release-form button")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS("#confirm-release")),
		chromedp.SendKeys(chromedp.CSS("#note"), "Acme trade-in, box 7"),
		chromedp.Click(chromedp.CSS("#confirm-release")),
		chromedp.WaitVisible(chromedp.CSS("table.releases")),
	))
	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.__sameLoad = true`)))
	assert.Contains(t, text(t, ctx, "h1.batch-title"), "Release: Acme trade-in, box 7")
	rs, err := c.Registry().UnfinishedReleases(context.Background())
	require.NoError(t, err)
	require.NotEmpty(t, rs)
	kathmandu, err := time.LoadLocation("Asia/Kathmandu")
	require.NoError(t, err)
	assert.Contains(t, text(t, ctx, "h1.batch-title time"), rs[0].CreatedAt.In(kathmandu).Format("2006-01-02 15:04:05"), "the start in the viewer's zone")
	assert.NotRegexp(t, regexp.MustCompile(`\d{4}-\d\d-\d\dT\d`), text(t, ctx, "h1.batch-title"), "no raw timestamp in the title")

	waitJS(t, ctx, summaryIs(map[string]int{"released": 3, "waiting for the person": 1}), "three released, one waits for the person")
	screenshot(t, ctx, "console-batch-3of4-1366.png")
	reason, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const r = document.querySelector("tr[data-device='mi-1'] .reason"); return r.textContent + "|" + r.title })()`))
	require.NoError(t, err)
	words, raw, _ := strings.Cut(reason, "|")
	assert.NotContains(t, words, "agent:", "plain words on the page")
	assert.Contains(t, raw, "agent:", "the raw text kept on hover")

	// The person at the last phone shows up and does what the screens say.
	late.SetPerson(androidsim.Person{Behaviour: androidsim.Complies, Delay: timing.QuickPerson})
	late.RemoveAccounts(androidsim.TypeXiaomi, androidsim.TypeGoogle)
	waitJS(t, ctx, summaryIs(map[string]int{"released": 4}), "all four released, without a reload")
	waitJS(t, ctx, `document.querySelectorAll("table.releases tbody tr .stage").length === 4 && [...document.querySelectorAll("table.releases tbody tr .stage")].every(e => e.textContent === "released")`, "every row says released")
	same, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__sameLoad === true`))
	require.NoError(t, err)
	assert.True(t, same, "the page was not reloaded")
	screenshot(t, ctx, "console-batch-done-1366.png")
}

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/cert"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/sim/simfleet"
)

// browserFor starts a headless Debian Chromium for the test, or skips it
// when there is none (scripts/install-deps.sh installs it).
func browserFor(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (scripts/install-deps.sh installs it): the console's browser test is skipped")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(ctx), "start chromium")
	return ctx
}

// screenshot saves the page under the test's artifact directory and, when
// UNBIND_SCREENSHOTS names a directory, there too.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	dirs := []string{t.ArtifactDir()}
	if d := os.Getenv("UNBIND_SCREENSHOTS"); d != "" {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		require.NoError(t, os.WriteFile(filepath.Join(d, name), png, 0o644))
	}
	t.Logf("screenshot %s: %d bytes in %v", name, len(png), dirs)
}

// text reads an element's text. A live page replaces its parts when they
// change (and all of them once its event stream opens), so a node found may
// be gone before it is read: that read is tried again.
func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	var s string
	eventually(t, func() bool {
		var err error
		s, err = chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(css)))
		return err == nil
	}, "read %s", css)
	return s
}

// click clicks the element css selects as it is now. Live parts of a page
// are replaced when their phone reports, so a node chromedp found a moment
// before may be gone by the time it clicks (-32000 "Could not find node").
func click(t *testing.T, ctx context.Context, css string) {
	t.Helper()
	waitJS(t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.click(); return true })()`, css), "click "+css)
}

// waitJS waits until a JavaScript expression is true in the page; errors
// while the page navigates count as not yet.
func waitJS(t *testing.T, ctx context.Context, expr, what string) {
	t.Helper()
	eventually(t, func() bool {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		return err == nil && ok
	}, what)
}

func signInBrowser(t *testing.T, ctx context.Context, base, token string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), token),
		chromedp.Submit(chromedp.CSS("#token")),
		chromedp.WaitVisible(chromedp.CSS("ul.tiles")),
	), "sign in")
}

// TestConsoleInChromium drives the console in a real headless Chromium
// against a real controller and simulated phones: sign in, every phone with
// its verdict, a tile changing live when the person signs out, a release to
// released, its certificate, and a viewer who cannot release.
func TestConsoleInChromium(t *testing.T) {
	t.Parallel()
	ctx := browserFor(t)
	c := controllertest.Start(t)
	clean := phone(androidsim.CleanXiaomi(), "mi-clean", androidsim.Complies)
	bound := phone(androidsim.BoundXiaomi(), "mi-bound", androidsim.Never)
	unreadable := phone(androidsim.Unreadable(), "poco-unreadable", androidsim.Never)
	phones := []*androidsim.Phone{clean, bound, unreadable}
	// A short check interval: the person's sign-out is seen at the next check.
	fleet := simfleet.Start(context.Background(), simfleet.Config{
		BrokerURL: c.BrokerURL(), Phones: phones, Interval: time.Second, ActiveInterval: 200 * time.Millisecond,
		Logger: controllertest.Logger(t), StateDir: t.TempDir(), Enroll: enrollVia(c),
	})
	t.Cleanup(fleet.Close)
	eventually(t, func() bool {
		for _, p := range phones {
			d, err := c.Registry().Device(context.Background(), p.Serial())
			if err != nil || d.State == nil || !d.Online {
				return false
			}
		}
		return true
	}, "every phone reports")

	base := c.APIURL()
	signInBrowser(t, ctx, base, controllertest.Token(t, c, controller.RoleOperator))
	want := map[string]string{"mi-clean": "safe", "mi-bound": "not safe", "poco-unreadable": "could not tell"}
	for id, verdict := range want {
		assert.Equal(t, verdict, text(t, ctx, "#tile-"+id+" .badge"), id)
	}
	assert.Contains(t, text(t, ctx, "#tile-mi-bound .next"), "Sign out of the Mi account")
	screenshot(t, ctx, "console-fleet.png")

	// The person signs out; the tile changes without a reload.
	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.__sameLoad = true`)))
	bound.RemoveAccounts(androidsim.TypeXiaomi, androidsim.TypeGoogle)
	eventually(t, func() bool {
		d, err := c.Registry().Device(context.Background(), "mi-bound")
		return err == nil && d.State != nil && d.State.SafeToReset
	}, "the registry sees the sign-out")
	seen := time.Now()
	waitJS(t, ctx, `document.querySelector("#tile-mi-bound .badge").textContent === "safe"`, "tile turns safe live")
	t.Logf("tile updated %v after the registry had the report", time.Since(seen).Round(time.Millisecond))
	waitJS(t, ctx, `document.querySelector(".count.v-at_risk .n").textContent === "0" && document.querySelector(".count.v-safe .n").textContent === "2"`, "counts follow")
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__sameLoad === true`))
	require.NoError(t, err)
	assert.True(t, ok, "the page was not reloaded")

	// A phone plugged in now is announced on the page.
	newcomer := phone(androidsim.GoogleOnly(), "pixel-new", androidsim.Never)
	late := simfleet.Start(context.Background(), simfleet.Config{
		BrokerURL: c.BrokerURL(), Phones: []*androidsim.Phone{newcomer},
		Interval: time.Second, Logger: controllertest.Logger(t), StateDir: t.TempDir(), Enroll: enrollVia(c),
	})
	t.Cleanup(late.Close)
	waitJS(t, ctx, `!document.getElementById("new-phones").hidden`, "the fleet page says new phones reported")
	phones = append(phones, newcomer)

	// Release the safe phone and follow it to released.
	click(t, ctx, "#pick-mi-clean")
	click(t, ctx, "#release-form button")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS("#confirm-release")),
		chromedp.Click(chromedp.CSS("#confirm-release")),
		chromedp.WaitVisible(chromedp.CSS("table.releases")),
	))
	waitJS(t, ctx, `[...document.querySelectorAll("table.releases tr[data-device='mi-clean'] .stage")].some(e => e.textContent === "released")`, "release reaches released on the page")
	assert.True(t, clean.WasReset())
	batchPage, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)

	// Its certificate was issued when its release ended: the phone's page
	// shows it with nothing to press; view, download and verify it.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/phones/mi-clean"), chromedp.WaitVisible(chromedp.CSS("#cert-view"))))
	issueButtons, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#issue-cert").length`))
	require.NoError(t, err)
	assert.Zero(t, issueButtons, "nothing left to issue by hand")
	click(t, ctx, "#cert-view")
	waitJS(t, ctx, `location.pathname === "/phones/mi-clean/certificate" && document.body.textContent.includes("mi-clean")`, "certificate page")
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/phones/mi-clean"), chromedp.WaitVisible(chromedp.CSS("#cert-view"))))
	screenshot(t, ctx, "console-phone.png")
	file, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("/phones/mi-clean/certificate.json").then(r => r.text())`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.NoError(t, cert.Verify([]byte(file), c.PublicKey()), "the downloaded certificate verifies")
	// The batch's certificates as a zip, from the batch's page.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(batchPage), chromedp.WaitVisible(chromedp.CSS("a[href^='/releases/certificates.zip']"))))
	zipHead, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector("a[href^='/releases/certificates.zip']").href).then(r => r.text()).then(t => t.slice(0, 2) + ":" + t.includes("certificate-mi-clean.json"))`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, "PK:true", zipHead, "a zip holding the phone's certificate")

	// The bench lists every phone, newest first, with its verdict.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/bench"), chromedp.WaitVisible(chromedp.CSS(".bench-list"))))
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".bench-row").length`))
	require.NoError(t, err)
	assert.Equal(t, len(phones), n)

	// A viewer sees no action, and posting anyway is refused.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.Click(chromedp.CSS("form.signout button")),
		chromedp.WaitVisible(chromedp.CSS("#token")),
	))
	signInBrowser(t, ctx, base, controllertest.Token(t, c, controller.RoleViewer))
	n, err = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("input[type=checkbox], #release-form").length`))
	require.NoError(t, err)
	assert.Zero(t, n, "a viewer has nothing to tick")
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/release", {method: "POST", body: new URLSearchParams({id: "mi-bound", csrf: document.querySelector("input[name=csrf]").value})}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, 403, status)
	rs, err := c.Registry().UnfinishedReleases(context.Background())
	require.NoError(t, err)
	assert.Empty(t, rs, "the viewer started nothing")
}

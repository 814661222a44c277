package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
	"github.com/unbind/unbind/sim/simfleet"
)

// TestHoldsInsteadOfFailures: releases asked to hold (--on-timeout hold)
// wait instead of failing. A phone in lost mode is held at once for its
// owner's remote unlink and never reset while it shows the lock; once the
// owner unlinks it remotely and it reports clean, the hold resolves and the
// release ends released through the usual interlock. A phone whose person
// never signs out is held at its timeout, waiting for the person.
func TestHoldsInsteadOfFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := controllertest.NewClock()
	c := controllertest.Start(t, clock.Configure)
	lost := phone(androidsim.LostModeXiaomi(), "mi-lost-held", androidsim.Complies)
	away := phone(androidsim.BoundXiaomi(), "mi-away-held", androidsim.Never)
	all := []*androidsim.Phone{lost, away}
	fleet := simfleet.Start(ctx, simfleet.Config{
		BrokerURL: c.BrokerURL(), Phones: all, Interval: 300 * time.Millisecond, ActiveInterval: 200 * time.Millisecond,
		Logger: controllertest.Logger(t), StateDir: t.TempDir(), Enroll: enrollVia(c),
	})
	t.Cleanup(fleet.Close)
	everyPhoneReports(t, c, all)
	get := func(id string) registry.ReleaseRecord {
		got, err := c.Registry().Release(ctx, id)
		require.NoError(t, err)
		return got
	}

	token := controllertest.Token(t, c, controller.RoleOperator)
	op := api.NewClient(c.APIURL(), nil).WithToken(token)
	started, err := op.StartReleases(ctx, api.ReleaseRequest{DeviceIDs: []string{lost.Serial()}, TimeoutSeconds: 600, OnTimeout: api.OnTimeoutHold})
	require.NoError(t, err)
	rLost := started[0]
	started, err = op.StartReleases(ctx, api.ReleaseRequest{DeviceIDs: []string{away.Serial()},
		TimeoutSeconds: int(timing.HopelessTimeout / time.Second), OnTimeout: api.OnTimeoutHold})
	require.NoError(t, err)
	rAway := started[0]

	eventually(t, func() bool { return get(rLost.ID).Stage == string(release.StageOnHold) }, "the lost phone is held")
	assert.Equal(t, release.HoldRemoteUnlink, get(rLost.ID).HoldReason)
	eventually(t, func() bool { return get(rAway.ID).Stage == string(release.StageSignOut) }, "the person is asked to sign out")
	clock.Advance(t, timing.HopelessTimeout) // the person left: the timeout passes
	require.Equal(t, string(release.StageOnHold), get(rAway.ID).Stage, "the phone whose person left is held at its timeout")
	assert.Equal(t, release.HoldWaitingForPerson, get(rAway.ID).HoldReason)

	holds, err := op.Holds(ctx)
	require.NoError(t, err)
	require.Len(t, holds, 2)
	for _, h := range holds {
		assert.False(t, h.HeldSince.IsZero(), "%s", h.DeviceID)
		assert.True(t, h.Deadline.After(h.HeldSince), "%s: its next re-check is ahead", h.DeviceID)
	}
	// The unlink sheet for the lost phone's owner, in Chromium: the maker's
	// remote steps and the reference, and nobody's account.
	browser := browserFor(t)
	signInBrowser(t, browser, c.APIURL(), token)
	require.NoError(t, chromedp.Do(browser, chromedp.Navigate(c.APIURL()+"/holds"), chromedp.WaitVisible(chromedp.CSS("table.releases"))))
	click(t, browser, `a[href="/holds/`+rLost.ID+`/sheet"]`)
	sheet := text(t, browser, "article.sheet")
	screenshot(t, browser, "unlink-sheet.png")
	assert.Contains(t, sheet, "i.mi.com")
	assert.Contains(t, sheet, strings.ToUpper(rLost.ID[:8]), "the reference to quote back")
	for _, a := range androidsim.LostModeXiaomi().Users[0].Accounts {
		assert.NotContains(t, sheet, a.Name, "the sheet holds no account")
		assert.NotContains(t, sheet, agent.MaskAccountName(a.Name), "not even masked")
	}

	// Held, the lost phone goes on reporting its lock (three more reports
	// are read while it waits): never reset.
	reports, last := 0, time.Time{}
	eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, lost.Serial())
		if err == nil && d.StateAt.After(last) {
			reports, last = reports+1, d.StateAt
		}
		return reports > 3
	}, "the held phone goes on reporting")
	assert.False(t, lost.WasReset())
	assert.Equal(t, string(release.StageOnHold), get(rLost.ID).Stage)

	// The owner unlinks it remotely: lost mode lifted, the account gone.
	lost.SetLostMode(false)
	lost.RemoveAccounts(androidsim.TypeXiaomi, androidsim.TypeGoogle, androidsim.TypeTelegram)
	require.NoError(t, lost.SetFindDevice(false))
	eventually(t, func() bool { return get(rLost.ID).Outcome == string(release.StageReleased) }, "the hold resolves into a release")
	assert.True(t, lost.WasReset())
	for _, r := range lost.Resets() {
		assert.Empty(t, r.Locks, "reset with a lock armed")
	}
	assert.Equal(t, string(release.StageOnHold), get(rAway.ID).Stage, "the other still waits")
	assert.False(t, away.WasReset())
}

package e2e

import (
	"context"
	"github.com/unbind/unbind/protocol"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/cert"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
)

// neverResetTimeout bounds the release of a phone whose person never
// confirms the reset. The tests reach it by moving the controller's clock
// on (controllertest.Clock), once every other release has ended: the others
// run with a longer timeout, otherTimeout.
const neverResetTimeout, otherTimeout = 5 * time.Minute, time.Hour

// TestResetEvidence drives phones without root to the reset screen and
// models the person there: one never confirms (failed at the deadline, no
// certificate), one confirms late (released on wipe_started, dated when the
// wipe was seen), one cancels and the phone comes back from the same boot
// (failed, never reset), one confirms on a phone whose shutdown properties
// the agent cannot read (waits until an operator confirms; a viewer
// cannot). A rooted phone is released on the root broadcast, as before.
func TestResetEvidence(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := controllertest.NewClock()
	c := controllertest.Start(t, clock.Configure)
	never := phone(androidsim.CleanXiaomi(), "reset-never", androidsim.Never)
	late := phone(androidsim.CleanXiaomi(), "reset-late", androidsim.Complies)
	late.SetPerson(androidsim.Person{Behaviour: androidsim.Complies, Delay: timing.LatePerson})
	cancels := phone(androidsim.CleanXiaomi(), "reset-cancels", androidsim.Cancels)
	hiddenOpts := androidsim.GoogleOnly()
	hiddenOpts.ShutdownHidden = true
	hidden := phone(hiddenOpts, "reset-hidden", androidsim.Complies)
	rooted := phone(androidsim.Rooted(), "reset-rooted", androidsim.Complies)
	all := []*androidsim.Phone{never, late, cancels, hidden, rooted}
	fleet := startFleet(t, c.BrokerURL(), all, enrollVia(c))
	everyPhoneReports(t, c, all)
	d, err := c.Registry().Device(ctx, never.Serial())
	require.NoError(t, err)
	require.Equal(t, never.BootID(), d.State.BootID, "reports carry the boot ID")

	start := func(p *androidsim.Phone, timeout time.Duration) registry.ReleaseRecord {
		rs, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: []string{p.Serial()}, Operator: "tester", Timeout: timeout})
		require.NoError(t, err)
		return rs[0].ReleaseRecord
	}
	rNever := start(never, neverResetTimeout)
	rLate, rCancels, rHidden, rRooted := start(late, otherTimeout), start(cancels, otherTimeout),
		start(hidden, otherTimeout), start(rooted, otherTimeout)
	get := func(id string) registry.ReleaseRecord {
		got, err := c.Registry().Release(ctx, id)
		require.NoError(t, err)
		return got
	}
	stageIs := func(id string, s release.Stage) func() bool {
		return func() bool { return get(id).Stage == string(s) }
	}
	token := controllertest.Token(t, c, controller.RoleOperator)
	noCertificate := func(p *androidsim.Phone) {
		t.Helper()
		status := postJSON(t, c.APIURL()+"/api/v1/devices/"+p.Serial()+"/certificate", token, `{}`, nil)
		assert.Equal(t, http.StatusConflict, status, "no certificate for %s", p.Serial())
	}
	certificate := func(p *androidsim.Phone) cert.Document {
		t.Helper()
		var body api.CertificateBody
		status := postJSON(t, c.APIURL()+"/api/v1/devices/"+p.Serial()+"/certificate", token, `{}`, &body)
		// Issued when its release ended (200), or here if this asked first.
		if status != http.StatusOK && status != http.StatusCreated {
			_, err := api.NewClient(c.APIURL(), nil).WithToken(token).IssueCertificate(ctx, p.Serial(), api.CertificateRequest{})
			require.Contains(t, []int{http.StatusOK, http.StatusCreated}, status, "%s: %v", p.Serial(), err)
		}
		sc, err := cert.Open([]byte(body.File), c.PublicKey())
		require.NoError(t, err)
		return sc.Doc
	}

	// The person cancels; the phone drops off and comes back, same boot.
	eventually(t, stageIs(rCancels.ID, release.StageWaitingForReset), "the cancelling person's phone waits for its reset")
	fleet.Stop(cancels.Serial())
	eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, cancels.Serial())
		return err == nil && !d.Online
	}, "the phone shows offline")
	require.NoError(t, fleet.Restart(ctx, cancels.Serial()))

	// Nobody can see the wipe on this phone: an operator must say it.
	eventually(t, stageIs(rHidden.ID, release.StageWaitingForReset), "the phone whose wipe cannot be seen waits")
	eventually(t, hidden.WasReset, "the person confirmed the reset on the phone")
	// The wipe reboots the phone; until it is down, no confirmation stands
	// (TestConfirmRefusedWhilePhoneReports).
	hidden.Reboot()
	eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, hidden.Serial())
		return err == nil && d.State != nil && d.State.BootID == hidden.BootID()
	}, "the phone reports from its next boot")
	viewer := api.NewClient(c.APIURL(), nil).WithToken(controllertest.Token(t, c, controller.RoleViewer))
	_, err = viewer.ConfirmRelease(ctx, rHidden.ID, api.ConfirmReleaseRequest{})
	var apiErr *api.Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusForbidden, apiErr.StatusCode, "a viewer may not confirm")
	assert.Equal(t, string(release.StageWaitingForReset), get(rHidden.ID).Stage)
	noCertificate(hidden)
	opClient := api.NewClient(c.APIURL(), nil).WithToken(token)
	confirmed, err := opClient.ConfirmRelease(ctx, rHidden.ID, api.ConfirmReleaseRequest{Note: "setup wizard on screen"})
	require.NoError(t, err)
	assert.Equal(t, string(release.StageReleased), confirmed.Stage)
	_, err = opClient.ConfirmRelease(ctx, rHidden.ID, api.ConfirmReleaseRequest{})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusConflict, apiErr.StatusCode, "a release is confirmed once")

	eventually(t, stageIs(rNever.ID, release.StageWaitingForReset), "the phone nobody resets waits for its reset")
	for _, id := range []string{rLate.ID, rCancels.ID, rRooted.ID} {
		eventually(t, func() bool { return release.Stage(get(id).Stage).Terminal() }, "release %s ends", id)
	}

	// Never confirms: not released, no certificate, failed at its deadline
	// (reached on the controller's clock; Advance returns after the pass).
	require.Equal(t, string(release.StageWaitingForReset), get(rNever.ID).Stage, "still waiting before its deadline")
	clock.Advance(t, neverResetTimeout)
	got := get(rNever.ID)
	assert.Equal(t, string(release.StageFailed), got.Outcome)
	assert.Contains(t, got.Reason, "never reset")
	assert.Equal(t, []string{"reset_screen_opened"}, kinds(got.Evidence))
	assert.False(t, never.WasReset())
	noCertificate(never)

	// Cancels: failed, never reset.
	got = get(rCancels.ID)
	assert.Equal(t, string(release.StageFailed), got.Outcome, got.Reason)
	assert.Contains(t, got.Reason, "never reset")
	assert.Contains(t, got.Reason, "same boot")
	assert.False(t, cancels.WasReset())
	noCertificate(cancels)
	eventually(t, func() bool {
		cmd, err := c.Registry().Command(ctx, got.CommandID)
		return err == nil && cmd.State == protocol.CommandCanceled
	}, "the agent's watch for the wipe is canceled once the release is over")

	// Confirms late: released on wipe_started, dated when it was seen.
	got = get(rLate.ID)
	require.Equal(t, string(release.StageReleased), got.Outcome, got.Reason)
	require.Equal(t, []string{"reset_screen_opened", "wipe_started"}, kinds(got.Evidence))
	opened, wiped := got.Evidence[0], got.Evidence[1]
	assert.True(t, wiped.At.After(opened.At), "the wipe is seen after the screen opened")
	assert.Equal(t, "agent: sys.shutdown.requested=1recovery", wiped.Source)
	doc := certificate(late)
	assert.Equal(t, wiped.At.UTC(), doc.Reset.CompletedAt, "the certificate dates the reset by the wipe, not the screen")
	require.Len(t, doc.Evidence, 2)
	assert.Equal(t, "wipe_started", doc.Evidence[1].Kind)

	// Operator confirmed: released on operator_confirmed, in their name.
	got = get(rHidden.ID)
	// The phone reports from its next boot (it rebooted into the wipe), so
	// a seen_clean_after_reset may follow the confirmation.
	gotKinds := kinds(got.Evidence)
	require.GreaterOrEqual(t, len(gotKinds), 2)
	require.Equal(t, []string{"reset_screen_opened", "operator_confirmed"}, gotKinds[:2])
	for _, k := range gotKinds[2:] {
		assert.Equal(t, "seen_clean_after_reset", k)
	}
	assert.Contains(t, got.Evidence[1].Source, "operator:test-operator-")
	doc = certificate(hidden)
	// Dated by what it rests on: the confirmation, or the phone seen clean
	// from its next boot when that came first.
	var restsOn []time.Time
	for _, e := range get(rHidden.ID).Evidence[1:] {
		restsOn = append(restsOn, e.At.UTC())
	}
	assert.Contains(t, restsOn, doc.Reset.CompletedAt)
	trail, err := c.Registry().Audit(ctx, hidden.Serial(), 0)
	require.NoError(t, err)
	found := false
	for _, e := range trail {
		if e.Action == registry.AuditReleaseChanged && e.Actor == got.Evidence[1].Source && e.Note == "setup wizard on screen" {
			found = true
		}
	}
	assert.True(t, found, "the confirmation is audited in the operator's name: %+v", trail)

	// Rooted: released on the root broadcast, never waiting.
	got = get(rRooted.ID)
	require.Equal(t, string(release.StageReleased), got.Outcome, got.Reason)
	assert.Equal(t, []string{"wipe_started"}, kinds(got.Evidence))
	assert.Equal(t, "agent: root_broadcast", got.Evidence[0].Source)
	assert.True(t, rooted.WasReset())
	certificate(rooted)

	for _, p := range all {
		assert.Empty(t, p.ForbiddenCalls(), "%s", p.Serial())
	}
}

func kinds(evs []registry.ReleaseEvidence) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	return out
}

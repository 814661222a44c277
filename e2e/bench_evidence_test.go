package e2e

import (
	"context"
	"net/http"
	"slices"
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
	"github.com/unbind/unbind/sim/simfleet"
)

// TestBenchResetEvidence runs agents on a bench PC that reach their phones
// over USB (unbind-agent run --adb), on builds whose shell cannot see the
// shutdown properties. The bench sees the confirmed phone in recovery:
// released on wipe_started, "adb: recovery". A phone whose cable is pulled
// while nobody confirms is only adb_lost: never released, failed at its
// deadline. A phone whose recovery vanishes from adb is adb_lost too, until
// an operator confirms; its certificate lists the loss beside the proof.
func TestBenchResetEvidence(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := controllertest.NewClock()
	c := controllertest.Start(t, clock.Configure)
	hidden := func(recoveryUnlisted bool) androidsim.Options {
		o := androidsim.CleanXiaomi()
		o.ShutdownHidden, o.RecoveryUnlisted = true, recoveryUnlisted
		return o
	}
	recovery := phone(hidden(false), "bench-recovery", androidsim.Complies)
	unplugged := phone(hidden(false), "bench-unplugged", androidsim.Never)
	vanishes := phone(hidden(true), "bench-vanishes", androidsim.Complies)
	all := []*androidsim.Phone{recovery, unplugged, vanishes}
	var serials []string
	for _, p := range all {
		serials = append(serials, p.Serial())
	}
	fleet := simfleet.Start(ctx, simfleet.Config{
		BrokerURL: c.BrokerURL(), Phones: all, Interval: 30 * time.Second, ActiveInterval: 200 * time.Millisecond,
		Logger: controllertest.Logger(t), StateDir: t.TempDir(), Enroll: enrollVia(c), OnBench: serials,
	})
	t.Cleanup(fleet.Close)
	everyPhoneReports(t, c, all)
	for _, p := range all {
		d, err := c.Registry().Device(ctx, p.Serial())
		require.NoError(t, err)
		assert.Equal(t, "adb devices", d.Identity.SerialSource, "a bench agent's serial is the one adb lists the phone by")
	}

	start := func(p *androidsim.Phone, timeout time.Duration) registry.ReleaseRecord {
		rs, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: []string{p.Serial()}, Operator: "tester", Timeout: timeout})
		require.NoError(t, err)
		return rs[0].ReleaseRecord
	}
	get := func(id string) registry.ReleaseRecord {
		got, err := c.Registry().Release(ctx, id)
		require.NoError(t, err)
		return got
	}
	holds := func(id, kind string) func() bool {
		return func() bool { return slices.Contains(kinds(get(id).Evidence), kind) }
	}
	token := controllertest.Token(t, c, controller.RoleOperator)
	certify := func(p *androidsim.Phone) (int, cert.Document) {
		t.Helper()
		var body api.CertificateBody
		status := postJSON(t, c.APIURL()+"/api/v1/devices/"+p.Serial()+"/certificate", token, `{}`, &body)
		// Issued when its release ended (200), or here if this asked first.
		if status != http.StatusOK && status != http.StatusCreated {
			return status, cert.Document{}
		}
		sc, err := cert.Open([]byte(body.File), c.PublicKey())
		require.NoError(t, err)
		return status, sc.Doc
	}

	rRecovery, rUnplugged, rVanishes := start(recovery, otherTimeout), start(unplugged, neverResetTimeout), start(vanishes, otherTimeout)

	// Nobody confirms; the cable is pulled while the screen is open.
	eventually(t, func() bool { return get(rUnplugged.ID).Stage == string(release.StageWaitingForReset) }, "the unplugged phone waits for its reset")
	unplugged.Unplug()
	eventually(t, holds(rUnplugged.ID, "adb_lost"), "the bench's loss of the phone is recorded")
	assert.Equal(t, string(release.StageWaitingForReset), get(rUnplugged.ID).Stage, "a lost phone is no reset")

	// The recovery vanished from adb: only an operator can say more.
	eventually(t, holds(rVanishes.ID, "adb_lost"), "the vanished phone's loss is recorded")
	require.True(t, vanishes.WasReset())
	assert.Equal(t, string(release.StageWaitingForReset), get(rVanishes.ID).Stage)
	status, _ := certify(vanishes)
	assert.Equal(t, http.StatusConflict, status, "no certificate on adb_lost alone")
	op := api.NewClient(c.APIURL(), nil).WithToken(token)
	_, err := op.ConfirmRelease(ctx, rVanishes.ID, api.ConfirmReleaseRequest{Note: "setup wizard on screen"})
	require.NoError(t, err)

	for _, id := range []string{rRecovery.ID, rVanishes.ID} {
		eventually(t, func() bool { return release.Stage(get(id).Stage).Terminal() }, "release %s ends", id)
	}
	require.Equal(t, string(release.StageWaitingForReset), get(rUnplugged.ID).Stage, "still waiting before its deadline")
	clock.Advance(t, neverResetTimeout) // its deadline, on the controller's clock

	// In recovery: released on what the bench saw.
	got := get(rRecovery.ID)
	require.Equal(t, string(release.StageReleased), got.Outcome, got.Reason)
	require.Equal(t, []string{"reset_screen_opened", "wipe_started"}, kinds(got.Evidence))
	assert.Equal(t, "agent: adb: recovery", got.Evidence[1].Source)
	status, doc := certify(recovery)
	require.Contains(t, []int{http.StatusOK, http.StatusCreated}, status)
	assert.Equal(t, got.Evidence[1].At.UTC(), doc.Reset.CompletedAt)

	// Unplugged: never released, failed at the deadline, the loss named.
	got = get(rUnplugged.ID)
	assert.Equal(t, string(release.StageFailed), got.Outcome)
	assert.Contains(t, got.Reason, "never reset")
	assert.Equal(t, []string{"reset_screen_opened", "adb_lost"}, kinds(got.Evidence))
	assert.Equal(t, "agent: adb: not listed", got.Evidence[1].Source)
	assert.False(t, unplugged.WasReset())
	status, _ = certify(unplugged)
	assert.Equal(t, http.StatusConflict, status)

	// Vanished, then confirmed: the certificate lists the loss too.
	got = get(rVanishes.ID)
	require.Equal(t, string(release.StageReleased), got.Outcome, got.Reason)
	require.Equal(t, []string{"reset_screen_opened", "adb_lost", "operator_confirmed"}, kinds(got.Evidence))
	status, doc = certify(vanishes)
	require.Contains(t, []int{http.StatusOK, http.StatusCreated}, status)
	var docKinds []string
	for _, e := range doc.Evidence {
		docKinds = append(docKinds, e.Kind)
	}
	assert.Equal(t, []string{"reset_screen_opened", "adb_lost", "operator_confirmed"}, docKinds)

	for _, p := range all {
		assert.Empty(t, p.ForbiddenCalls(), "%s", p.Serial())
	}
}

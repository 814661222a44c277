package e2e

import (
	"context"
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

// TestSeenAfterReset follows two Android 16 phones on a bench past their
// reset: each wipes, reboots into trade-in mode, and the bench's agent
// reads `tradeinmode getstatus` through adb. One comes back clean: its
// release gains seen_clean_after_reset and its certificate rests on it.
// The other comes back waiting at FRP (a build whose reset kept the lock):
// its release turns failed with the reason, and the certificate issued
// before is superseded.
func TestSeenAfterReset(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := controllertest.Start(t)
	android16 := func(serial string, keepsFRP bool) *androidsim.Phone {
		o := androidsim.GoogleOnly()
		o.TradeInMode, o.ShutdownHidden = true, true
		o.Faults.ResetKeepsFRP = keepsFRP
		return phone(o, serial, androidsim.Complies)
	}
	clean, locked := android16("pixel16-clean", false), android16("pixel16-locked", true)
	all := []*androidsim.Phone{clean, locked}
	fleet := simfleet.Start(ctx, simfleet.Config{
		BrokerURL: c.BrokerURL(), Phones: all, Interval: 300 * time.Millisecond, ActiveInterval: 200 * time.Millisecond,
		Logger: controllertest.Logger(t), StateDir: t.TempDir(), Enroll: enrollVia(c),
		OnBench: []string{clean.Serial(), locked.Serial()},
	})
	t.Cleanup(fleet.Close)
	everyPhoneReports(t, c, all)

	get := func(id string) registry.ReleaseRecord {
		got, err := c.Registry().Release(ctx, id)
		require.NoError(t, err)
		return got
	}
	rs, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: []string{clean.Serial(), locked.Serial()},
		Operator: "tester", Timeout: 10 * time.Minute})
	require.NoError(t, err)
	rClean, rLocked := rs[0].ReleaseRecord, rs[1].ReleaseRecord
	for _, id := range []string{rClean.ID, rLocked.ID} {
		eventually(t, func() bool { return get(id).Outcome == string(release.StageReleased) }, "release %s ends released", id)
	}
	token := controllertest.Token(t, c, controller.RoleOperator)
	op := api.NewClient(c.APIURL(), nil).WithToken(token)
	before, err := op.IssueCertificate(ctx, locked.Serial(), api.CertificateRequest{})
	require.NoError(t, err)
	assert.Empty(t, before.Superseded)

	// Both phones come back from recovery into trade-in mode.
	clean.Reboot()
	locked.Reboot()
	eventually(t, func() bool {
		return slices.Contains(kinds(get(rClean.ID).Evidence), string(release.EvidenceSeenCleanAfterReset))
	}, "the clean phone is seen clean after its reset")
	eventually(t, func() bool { return get(rLocked.ID).Outcome == string(release.StageFailed) }, "the locked phone's release fails")

	got := get(rClean.ID)
	assert.Equal(t, string(release.StageReleased), got.Outcome)
	seen := got.Evidence[len(got.Evidence)-1]
	assert.Equal(t, "agent: trade-in mode", seen.Source)
	body, err := op.IssueCertificate(ctx, clean.Serial(), api.CertificateRequest{})
	require.NoError(t, err)
	sc, err := cert.Open([]byte(body.File), c.PublicKey())
	require.NoError(t, err)
	var rests []string
	for _, e := range sc.Doc.Evidence {
		if e.Rests() {
			rests = append(rests, e.Kind)
		}
	}
	assert.Contains(t, rests, string(release.EvidenceSeenCleanAfterReset), "the certificate lists the strongest evidence")
	assert.Contains(t, cert.Claim(sc.Doc), "seen again after the reset, clean", "and its claim rests on it")

	got = get(rLocked.ID)
	assert.Contains(t, got.Reason, "seen locked after its reset")
	assert.Contains(t, got.Reason, "frp_active")
	assert.Equal(t, string(release.EvidenceSeenLockedAfterReset), got.Evidence[len(got.Evidence)-1].Kind)
	after, err := op.Certificate(ctx, locked.Serial())
	require.NoError(t, err)
	assert.Equal(t, before.ID, after.ID)
	assert.Contains(t, after.Superseded, "seen locked after its reset", "the certificate issued before no longer stands")
	for _, p := range all {
		assert.Empty(t, p.ForbiddenCalls(), "%s", p.Serial())
	}
}

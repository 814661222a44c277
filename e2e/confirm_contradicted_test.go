package e2e

import (
	"context"
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

// TestConfirmRefusedWhilePhoneReports replays the trust issue's second
// finding: an operator confirms "the phone shows the setup screen" while
// the phone, never reset, goes on reporting from the boot it had before.
// The confirmation is refused with the reason; once the phone has gone
// quiet it is accepted; and when the phone then reports again from that
// same boot, no certificate rests on the confirmation.
func TestConfirmRefusedWhilePhoneReports(t *testing.T) {
	ctx := context.Background()
	c := controllertest.Start(t)
	p := phone(androidsim.CleanXiaomi(), "confirm-early", androidsim.Never)
	fleet := startFleet(t, c.BrokerURL(), []*androidsim.Phone{p}, enrollVia(c))
	eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, p.Serial())
		return err == nil && d.State != nil && d.Online
	}, "the phone reports")
	rs, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: []string{p.Serial()}, Operator: "tester", Timeout: time.Hour})
	require.NoError(t, err)
	get := func() registry.ReleaseRecord {
		r, err := c.Registry().Release(ctx, rs[0].ID)
		require.NoError(t, err)
		return r
	}
	eventually(t, func() bool { return get().Stage == string(release.StageWaitingForReset) }, "the release waits for its reset")
	opened := get().Evidence[0]
	require.Equal(t, "reset_screen_opened", opened.Kind)
	require.Equal(t, p.BootID(), opened.Boot)
	eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, p.Serial())
		return err == nil && d.StateAt.After(opened.At) && d.State.BootID == opened.Boot
	}, "the phone reports again, from the same boot, after the reset screen opened")

	op := api.NewClient(c.APIURL(), nil).WithToken(controllertest.Token(t, c, controller.RoleOperator))
	_, err = op.ConfirmRelease(ctx, rs[0].ID, api.ConfirmReleaseRequest{Note: "setup screen, I think"})
	require.Error(t, err)
	assert.Equal(t, http.StatusConflict, apiStatus(err))
	assert.Contains(t, err.Error(), "still up")
	assert.Equal(t, string(release.StageWaitingForReset), get().Stage, "nothing was confirmed")

	// The phone goes quiet: the operator's word stands.
	fleet.Stop(p.Serial())
	eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, p.Serial())
		return err == nil && !d.Online
	}, "the phone shows offline")
	confirmed, err := op.ConfirmRelease(ctx, rs[0].ID, api.ConfirmReleaseRequest{})
	require.NoError(t, err)
	assert.Equal(t, string(release.StageReleased), confirmed.Stage)

	// It comes back from the boot it had before the reset: the phone
	// contradicts the confirmation, and no certificate rests on it.
	require.NoError(t, fleet.Restart(ctx, p.Serial()))
	eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, p.Serial())
		return err == nil && d.StateAt.After(confirmed.FinishedAt) && d.State.BootID == opened.Boot
	}, "the phone reports again from its pre-reset boot")
	_, err = op.IssueCertificate(ctx, p.Serial(), api.CertificateRequest{})
	require.Error(t, err)
	assert.Equal(t, http.StatusConflict, apiStatus(err))
	assert.Contains(t, err.Error(), "from the boot it had before the reset")
	assert.False(t, p.WasReset())
}

// TestCertificateShowsTheAgentsFinalCheck: the certificate of a released
// phone carries the agent's own interlock check made right before the
// reset, and its checks are dated by it, not by an older report.
func TestCertificateShowsTheAgentsFinalCheck(t *testing.T) {
	ctx := context.Background()
	c := controllertest.Start(t)
	p := phone(androidsim.Rooted(), "final-check", androidsim.Complies)
	startFleet(t, c.BrokerURL(), []*androidsim.Phone{p}, enrollVia(c))
	eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, p.Serial())
		return err == nil && d.State != nil && d.Online
	}, "the phone reports")
	rs, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: []string{p.Serial()}, Operator: "tester", Timeout: time.Hour})
	require.NoError(t, err)
	eventually(t, func() bool {
		r, err := c.Registry().Release(ctx, rs[0].ID)
		return err == nil && r.Outcome == registry.OutcomeReleased
	}, "the release ends released")
	rec, _, err := c.IssueCertificate(ctx, p.Serial(), "", "")
	require.NoError(t, err)
	sc, err := cert.Open(rec.Document, c.PublicKey())
	require.NoError(t, err)
	d := sc.Doc
	require.NotNil(t, d.FinalCheck, "the agent's final check is on the certificate")
	assert.Equal(t, "safe: every check completed, no risk found", d.FinalCheck.Result)
	assert.False(t, d.FinalCheck.ReceivedAt.After(d.Reset.CompletedAt), "made before the reset")
	for _, ch := range d.Checks {
		assert.Equal(t, d.FinalCheck.CheckedAt, ch.CheckedAt, "%s is last checked by the final check", ch.Name)
	}
	assert.Contains(t, cert.Claim(d), "by its agent right before the reset")
	assert.Contains(t, cert.Claim(d), "its agent saw the wipe start")
}

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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
)

// TestCertificatesIssueThemselves: a batch of three phones through the real
// agent, broker and controller. The two that end released have their
// certificate the moment their release ends, nobody asking; the phone in
// lost mode fails and has none. `unbind cert issue --batch`, the real
// binary, lists all three (the failed one with why, exit 1), writes the two
// certificates, which verify, and issues nothing twice when run again. A
// viewer cannot ask, and an unknown batch is a 404.
func TestCertificatesIssueThemselves(t *testing.T) {
	t.Parallel()
	bin := buildUnbind(t)
	ctx := context.Background()
	c := controllertest.Start(t)
	rooted := phone(androidsim.Rooted(), "cert-rooted", androidsim.Complies)
	clean := phone(androidsim.CleanXiaomi(), "cert-clean", androidsim.Complies)
	lost := phone(androidsim.LostModeXiaomi(), "cert-lost", androidsim.Complies)
	all := []*androidsim.Phone{rooted, clean, lost}
	startFleet(t, c.BrokerURL(), all, enrollVia(c))
	everyPhoneReports(t, c, all)

	rs, err := c.StartReleases(ctx, controller.ReleaseRequest{
		DeviceIDs: []string{rooted.Serial(), clean.Serial(), lost.Serial()}, Operator: "tester", Timeout: time.Hour})
	require.NoError(t, err)
	batch := rs[0].BatchID
	ended := func() bool {
		for _, r := range rs {
			got, err := c.Registry().Release(ctx, r.ID)
			if err != nil || !got.Finished() {
				return false
			}
		}
		return true
	}
	eventually(t, ended, "every release ends")
	for _, r := range rs {
		got, err := c.Registry().Release(ctx, r.ID)
		require.NoError(t, err)
		if r.DeviceID == lost.Serial() {
			assert.Equal(t, registry.OutcomeFailed, got.Outcome)
			_, certErr := c.Registry().ReleaseCertificate(ctx, r.ID)
			assert.ErrorIs(t, certErr, registry.ErrNotFound, "no certificate for a failed release")
			continue
		}
		require.Equal(t, registry.OutcomeReleased, got.Outcome, "%s: %s", got.DeviceID, got.Reason)
		// Issued by the release loop right after it saved the end, nobody asking.
		eventually(t, func() bool {
			_, err := c.Registry().ReleaseCertificate(ctx, r.ID)
			return err == nil
		}, "%s has its certificate once its release ended", r.DeviceID)
	}

	env := controllertest.Token(t, c, controller.RoleOperator)
	out := t.TempDir()
	code, stdout, stderr := runUnbind(t, bin, env, "cert", "issue", "--batch", batch, "--out", out, "--api", c.APIURL())
	assert.Equal(t, 1, code, "a phone of the batch has no certificate:\n%s%s", stdout, stderr)
	assert.Contains(t, stderr, "1 of 3 phones of batch "+batch+" have no certificate")
	var lostRow string
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(line, lost.Serial()) {
			lostRow = line
		}
	}
	assert.Contains(t, lostRow, "the release ended failed", "the phone without a certificate is listed with why")
	assert.NotContains(t, stdout, "issued now", "the released phones had theirs already")
	for _, p := range []*androidsim.Phone{rooted, clean} {
		b, err := os.ReadFile(filepath.Join(out, p.Serial()+".cert.json"))
		require.NoError(t, err, p.Serial())
		assert.NoError(t, cert.Verify(b, c.PublicKey()), p.Serial())
		assert.FileExists(t, filepath.Join(out, p.Serial()+".cert.html"))
	}
	assert.NoFileExists(t, filepath.Join(out, lost.Serial()+".cert.json"))

	op := api.NewClient(c.APIURL(), nil).WithToken(env)
	first, err := op.CertifyBatch(ctx, batch, api.CertificateRequest{})
	require.NoError(t, err)
	again, err := op.CertifyBatch(ctx, batch, api.CertificateRequest{})
	require.NoError(t, err)
	require.Len(t, again.Certificates, 3, "every phone of the batch is listed")
	for i, bc := range again.Certificates {
		assert.False(t, bc.Issued, "nothing is issued twice")
		if bc.Certificate != nil {
			assert.Equal(t, first.Certificates[i].Certificate.ID, bc.Certificate.ID)
		}
	}

	viewer := api.NewClient(c.APIURL(), nil).WithToken(controllertest.Token(t, c, controller.RoleViewer))
	_, err = viewer.CertifyBatch(ctx, batch, api.CertificateRequest{})
	assert.Equal(t, 403, apiStatus(err), "a viewer cannot issue")
	_, err = op.CertifyBatch(ctx, "no-such-batch", api.CertificateRequest{})
	assert.Equal(t, 404, apiStatus(err))
	_, err = op.CertifyBatch(ctx, batch, api.CertificateRequest{Note: "bad\x1bnote"})
	assert.Equal(t, 400, apiStatus(err))
}

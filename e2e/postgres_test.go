package e2e

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/cert"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/release"
)

// TestReleaseOnPostgres drives releases end to end with the registry in a
// real PostgreSQL: the willing phones are released and reset once, the
// unwilling one fails and is never reset, certificates verify, and the
// audit trail is one chain that verifies.
func TestReleaseOnPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := controllertest.NewClock()
	c := controllertest.Start(t, clock.Configure, controllertest.OnPostgres(t, ""))
	willing := []*androidsim.Phone{
		phone(androidsim.BoundXiaomi(), "pg-mi-willing", androidsim.Complies),
		phone(androidsim.GoogleOnly(), "pg-pixel-willing", androidsim.Complies),
		phone(androidsim.CleanXiaomi(), "pg-mi-clean", androidsim.Complies),
	}
	unwilling := phone(androidsim.BoundXiaomi(), "pg-mi-never", androidsim.Never)
	all := append(append([]*androidsim.Phone{}, willing...), unwilling)
	startFleet(t, c.BrokerURL(), all, enrollVia(c))
	everyPhoneReports(t, c, all)

	var ids []string
	for _, p := range willing {
		ids = append(ids, p.Serial())
	}
	good, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: ids, Operator: "tester", Timeout: 10 * time.Minute})
	require.NoError(t, err)
	bad, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: []string{unwilling.Serial()}, Operator: "tester", Timeout: timing.HopelessTimeout})
	require.NoError(t, err)
	ended := func(rs []controller.StartedRelease) func() bool {
		return func() bool {
			for _, r := range rs {
				got, err := c.Registry().Release(ctx, r.ID)
				if err != nil || !release.Stage(got.Stage).Terminal() {
					return false
				}
			}
			return true
		}
	}
	eventually(t, ended(good), "every willing phone's release ends")
	clock.Advance(t, timing.HopelessTimeout)
	eventually(t, ended(bad), "the unwilling phone's release ends")

	for _, r := range good {
		got, err := c.Registry().Release(ctx, r.ID)
		require.NoError(t, err)
		assert.Equal(t, string(release.StageReleased), got.Outcome, "%s: %s", got.DeviceID, got.Reason)
	}
	got, err := c.Registry().Release(ctx, bad[0].ID)
	require.NoError(t, err)
	assert.Equal(t, string(release.StageFailed), got.Outcome)
	for _, p := range willing {
		eventually(t, p.WasReset, "%s is reset", p.Serial())
		assert.Len(t, p.Resets(), 1, "%s is reset once", p.Serial())
	}
	assert.False(t, unwilling.WasReset(), "the unwilling phone is never reset")

	token := controllertest.Token(t, c, controller.RoleOperator)
	for _, p := range willing {
		var body api.CertificateBody
		status := postJSON(t, c.APIURL()+"/api/v1/devices/"+p.Serial()+"/certificate", token, `{"note":"tester"}`, &body)
		// Issued by the release loop when its release ended (200), or here
		// if this asked first (201).
		require.Contains(t, []int{http.StatusOK, http.StatusCreated}, status, p.Serial())
		assert.NoError(t, cert.Verify([]byte(body.File), c.PublicKey()), p.Serial())
	}
	v, err := c.Registry().VerifyAudit(ctx)
	require.NoError(t, err)
	assert.Zero(t, v.BrokenID, v.Reason)
	assert.Positive(t, v.Rows)
}

// TestServeOnPostgres runs `unbind serve --registry postgres://…` as real
// processes: two controllers start on one PostgreSQL registry (no lock file
// stops the second), neither shows the URL's password, and `unbind backup`
// refuses, naming pg_dump, without leaving a file behind.
func TestServeOnPostgres(t *testing.T) {
	t.Parallel()
	bin := buildUnbind(t)
	const password = "s3cret-pw" // the server trusts the socket: it is only carried
	url := controllertest.PostgresRegistry(t) + "&password=" + password
	dir := t.TempDir()

	type served struct {
		api, config string
		out         *lockedBuffer
	}
	var ctrls []served
	for _, name := range []string{"a", "b"} {
		s := served{api: freePort(t), config: filepath.Join(dir, name), out: &lockedBuffer{}}
		cmd := exec.Command(bin, "serve", "--registry", url, "--mqtt-listen", freePort(t), "--http-listen", s.api, "--log-level", "info")
		cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+s.config)
		cmd.Stdout, cmd.Stderr = s.out, s.out
		require.NoError(t, cmd.Start())
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
		eventually(t, func() bool {
			resp, err := http.Get("http://" + s.api + "/healthz")
			if err == nil {
				resp.Body.Close()
			}
			return err == nil && resp.StatusCode == http.StatusOK
		}, "controller %s serves (%s)", name, s.out)
		eventually(t, func() bool { return bytes.Contains(s.out.Bytes(), []byte("admin token:")) }, "controller %s is ready", name)
		ctrls = append(ctrls, s)
	}

	backup := filepath.Join(dir, "backup.db")
	code, out := runToExit(t, bin, []string{"XDG_CONFIG_HOME=" + ctrls[0].config}, "backup", backup, "--api", "http://"+ctrls[0].api)
	assert.NotZero(t, code, out)
	assert.Contains(t, out, "pg_dump")
	_, err := os.Stat(backup)
	assert.True(t, os.IsNotExist(err), "no backup file is left behind")

	for _, s := range ctrls {
		assert.Contains(t, s.out.String(), "registry:    postgres://")
		assert.NotContains(t, s.out.String(), password, "the password is never shown or logged")
	}
}

// lockedBuffer is a bytes.Buffer a process writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.b.Bytes())
}

func (l *lockedBuffer) String() string { return string(l.Bytes()) }

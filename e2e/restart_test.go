package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/internal/cli"
)

var (
	buildOnce sync.Once
	unbindBin string
	buildDir  string
	buildErr  error
)

// buildUnbind builds cmd/unbind once for the package's tests.
func buildUnbind(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "unbind-e2e")
		if err != nil {
			buildErr = err
			return
		}
		buildDir = dir
		unbindBin = filepath.Join(dir, "unbind")
		out, err := exec.Command("go", "build", "-o", unbindBin, "github.com/unbind/unbind/cmd/unbind").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w: %s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return unbindBin
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// serveProcess runs `unbind serve` as its own process.
func serveProcess(t *testing.T, bin, db, mqtt, apiAddr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--db", db, "--mqtt-listen", mqtt, "--http-listen", apiAddr, "--log-level", "warn")
	// `unbind serve` stores its local admin token in the user config dir:
	// give it one of the test's own (see serveToken).
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(filepath.Dir(db), "config"))
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	eventually(t, func() bool {
		resp, err := http.Get("http://" + apiAddr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	}, "controller serves")
	return cmd
}

// serveToken is the admin token serveProcess's controller stored for db.
func serveToken(t *testing.T, db, apiAddr string) string {
	t.Helper()
	// The API answers before serve has stored the token: wait for the file.
	var tok string
	eventually(t, func() bool {
		var err error
		tok, err = cli.LoadTokenFrom(filepath.Join(filepath.Dir(db), "config", "unbind"), "http://"+apiAddr)
		return err == nil && tok != ""
	}, "unbind serve stores its admin token")
	return tok
}

// apiToken is the token getJSON sends.
var apiToken string

func getJSON(url string, v any) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+apiToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// TestReleaseSurvivesControllerKill kills the controller (SIGKILL) in the
// middle of a fleet release and starts it again: every release finishes,
// each willing phone is reset exactly once, and the others never.
func TestReleaseSurvivesControllerKill(t *testing.T) {
	t.Parallel()
	bin := buildUnbind(t)
	db := filepath.Join(t.TempDir(), "registry.db")
	mqtt, apiAddr := freePort(t), freePort(t)
	first := serveProcess(t, bin, db, mqtt, apiAddr)

	// People act a few seconds after being guided, so the kill lands while
	// they are still at their phones.
	slow := func(o androidsim.Options, serial string, b androidsim.Behaviour) *androidsim.Phone {
		o.Identity.Serial = serial
		o.Person = androidsim.Person{Behaviour: b, Delay: timing.RestartPerson}
		return androidsim.New(o)
	}
	willing := []*androidsim.Phone{
		slow(androidsim.BoundXiaomi(), "k-mi", androidsim.Complies),
		slow(androidsim.GoogleOnly(), "k-pixel", androidsim.Complies),
		slow(androidsim.Rooted(), "k-rooted", androidsim.Complies),
	}
	never := slow(androidsim.SamsungWithSecureFolder(), "k-never", androidsim.Never)
	all := append(append([]*androidsim.Phone{}, willing...), never)
	apiToken = serveToken(t, db, apiAddr)
	startFleet(t, "tcp://"+mqtt, all, enrollViaAPI("http://"+apiAddr, apiToken))

	base := "http://" + apiAddr
	eventually(t, func() bool {
		var body struct{ Devices []api.Device }
		err := getJSON(base+"/api/v1/devices?online", &body)
		return err == nil && len(body.Devices) == len(all)
	}, "fleet online")

	query := "?"
	startReleases := func(ps []*androidsim.Phone, timeout int) {
		var ids []string
		for _, p := range ps {
			ids = append(ids, p.Serial())
		}
		reqBody, _ := json.Marshal(api.ReleaseRequest{DeviceIDs: ids, TimeoutSeconds: timeout})
		req, err := http.NewRequest(http.MethodPost, base+"/api/v1/releases", strings.NewReader(string(reqBody)))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+apiToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var started api.ReleasesBody
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&started))
		resp.Body.Close()
		require.Len(t, started.Releases, len(ps))
		for _, r := range started.Releases {
			query += "id=" + r.ID + "&"
		}
	}
	startReleases(willing, 600)
	// The unwilling phone can only time out; a short bound keeps the test short.
	startReleases([]*androidsim.Phone{never}, timing.RestartHopelessSeconds)

	eventually(t, func() bool {
		var body api.ReleasesBody
		if getJSON(base+"/api/v1/releases"+query, &body) != nil {
			return false
		}
		for _, r := range body.Releases {
			if r.Stage == "sign_out" {
				return true
			}
		}
		return false
	}, "a phone is waiting for its person")

	require.NoError(t, first.Process.Kill())
	_ = first.Wait()
	serveProcess(t, bin, db, mqtt, apiAddr)

	var final api.ReleasesBody
	eventually(t, func() bool {
		if getJSON(base+"/api/v1/releases"+query, &final) != nil {
			return false
		}
		for _, r := range final.Releases {
			if r.Outcome == "" {
				return false
			}
		}
		return true
	}, "every release ends after the restart: %+v", &final)

	outcome := map[string]string{}
	for _, r := range final.Releases {
		outcome[r.DeviceID] = r.Outcome + " " + r.Reason
	}
	for _, p := range willing {
		assert.True(t, strings.HasPrefix(outcome[p.Serial()], "released"), "%s: %s", p.Serial(), outcome[p.Serial()])
		// A phone without root is reset by its person confirming on the
		// vendor's reset screen, a few seconds after the agent opened it.
		eventually(t, func() bool { return p.ResetCount() >= 1 }, "%s is reset", p.Serial())
		assert.Equal(t, 1, p.ResetCount(), "%s reset exactly once", p.Serial())
	}
	assert.True(t, strings.HasPrefix(outcome[never.Serial()], "failed"), outcome[never.Serial()])
	assert.Zero(t, never.ResetCount())
	for _, p := range all {
		for _, r := range p.Resets() {
			assert.Empty(t, r.Locks, "%s reset with locks", p.Serial())
		}
	}
}

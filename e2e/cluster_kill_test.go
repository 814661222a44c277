package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/broker/brokertest"
	"github.com/unbind/unbind/controller/keys"
	"github.com/unbind/unbind/controller/webhooks"
	"github.com/unbind/unbind/internal/cli"
	"github.com/unbind/unbind/internal/pgtest"
)

// clusterWait bounds each wait of TestTwoControllersOneFleet: a takeover
// takes a release lease's time and the next look at the release.
const clusterWait = 3 * time.Minute

// groupMember is one `unbind serve` process of a share group.
type groupMember struct {
	cmd     *exec.Cmd
	api     string
	config  string
	stopped bool
}

// startMember runs `unbind serve` as controller instance of share group
// "unbind" on the registry at pgURL and the Mosquitto mq, with the
// group's key; extra adds flags.
func startMember(t *testing.T, bin, pgURL, key, brokerURL, instance, dir string, extra ...string) *groupMember {
	t.Helper()
	m := &groupMember{api: freePort(t), config: filepath.Join(dir, "config-"+instance)}
	args := append([]string{"serve", "--registry", pgURL, "--key", key, "--broker", brokerURL,
		"--broker-username", "unbind-controller-" + instance, "--broker-password", "secret-" + instance,
		"--share-group", "unbind", "--instance", instance, "--http-listen", m.api,
		"--webhook-allow-loopback", "--log-level", "warn"}, extra...)
	m.cmd = exec.Command(bin, args...)
	m.cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+m.config)
	m.cmd.Stdout, m.cmd.Stderr = os.Stderr, os.Stderr
	require.NoError(t, m.cmd.Start())
	t.Cleanup(func() {
		if !m.stopped {
			_ = m.cmd.Process.Kill()
			_ = m.cmd.Wait()
		}
	})
	eventually(t, func() bool {
		resp, err := http.Get("http://" + m.api + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	}, "controller %s serves", instance)
	return m
}

// token is the admin token the member stored at start.
func (m *groupMember) token(t *testing.T) string {
	t.Helper()
	var tok string
	eventually(t, func() bool {
		var err error
		tok, err = cli.LoadTokenFrom(filepath.Join(m.config, "unbind"), "http://"+m.api)
		return err == nil && tok != ""
	}, "unbind serve stores its admin token")
	return tok
}

// eventReceiver counts webhook deliveries by event ID.
type eventReceiver struct {
	mu   sync.Mutex
	seen map[string]int
}

func (r *eventReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.seen[req.Header.Get(webhooks.EventIDHeader)]++
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (r *eventReceiver) counts() (events, doubled int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.seen {
		if n > 1 {
			doubled++
		}
	}
	return len(r.seen), doubled
}

// TestTwoControllersOneFleet is issue 21's test of several controllers:
// PostgreSQL, Mosquitto taking its logins from the registry, two `unbind
// serve` processes of one share group and 200 simulated phones. All the
// safe phones are released while one controller is killed with SIGKILL in
// the middle: every safe phone is released and reset exactly once, no
// bound phone is reset, the audit chain verifies and no webhook event is
// delivered twice.
func TestTwoControllersOneFleet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bin := buildUnbind(t)
	dir := t.TempDir()
	pgURL := pgtest.NewDatabase(t)
	mq := brokertest.StartMosquittoWith(t, brokertest.MosquittoOptions{Logins: t.TempDir()})
	key := filepath.Join(dir, "controller.key")
	_, err := keys.LoadOrCreate(key) // one key for the group
	require.NoError(t, err)

	// a writes Mosquitto's files (its logins from the registry, b's
	// included); b only shares the work.
	a := startMember(t, bin, pgURL, key, mq.URL, "a", dir,
		"--mosquitto-password-file", mq.PasswordFile, "--mosquitto-acl-file", mq.ACLFile, "--mosquitto-pid-file", mq.PIDFile)
	b := startMember(t, bin, pgURL, key, mq.URL, "b", dir)
	clientA := api.NewClient("http://"+a.api, nil).WithToken(a.token(t))
	clientB := api.NewClient("http://"+b.api, nil).WithToken(a.token(t)) // one registry: one set of operators

	receiver := &eventReceiver{seen: map[string]int{}}
	hook := httptest.NewServer(receiver)
	defer hook.Close()
	_, err = clientA.AddWebhook(ctx, api.WebhookRequest{URL: hook.URL, Events: []string{"release.released", "device.at_risk", "device.safe"}})
	require.NoError(t, err)

	var safe, bound, all []*androidsim.Phone
	for i := range 150 {
		o := androidsim.CleanXiaomi()
		o.Identity.Serial = fmt.Sprintf("grp-clean-%03d", i)
		o.Identity.IMEI = androidsim.IMEIFor(o.Identity.Serial)
		// People confirm the reset over several seconds, so that the kill
		// lands in the middle of the release.
		o.Person = androidsim.Person{Behaviour: androidsim.Complies, Delay: time.Duration(1+i%10) * time.Second}
		safe = append(safe, androidsim.New(o))
	}
	for i := range 50 {
		o := androidsim.BoundXiaomi()
		o.Identity.Serial = fmt.Sprintf("grp-bound-%03d", i)
		o.Identity.IMEI = androidsim.IMEIFor(o.Identity.Serial)
		o.Person = androidsim.Person{Behaviour: androidsim.Never}
		bound = append(bound, androidsim.New(o))
	}
	all = append(append(all, safe...), bound...)
	// A few enrollments at a time: the API holds one address to half its
	// connections, and 200 phones all at once from this one would be cut.
	enroll := enrollViaAPI("http://"+a.api, a.token(t))
	slots := make(chan struct{}, 8)
	startFleet(t, mq.URL, all, func(ctx context.Context, id string) (agent.Enrollment, error) {
		slots <- struct{}{}
		defer func() { <-slots }()
		return enroll(ctx, id)
	})
	require.Eventually(t, func() bool {
		ds, err := clientB.Devices(ctx, api.DeviceFilter{})
		if err != nil {
			return false
		}
		n := 0
		for _, d := range ds {
			if d.Online && d.State != nil {
				n++
			}
		}
		return n == len(all)
	}, clusterWait, 100*time.Millisecond, "every phone reports, as seen through b")

	var ids []string
	for _, p := range safe {
		ids = append(ids, p.Serial())
	}
	started, err := clientA.StartReleases(ctx, api.ReleaseRequest{DeviceIDs: ids, TimeoutSeconds: 600})
	require.NoError(t, err)
	require.Len(t, started, len(safe))
	var releaseIDs []string
	for _, r := range started {
		releaseIDs = append(releaseIDs, r.ID)
	}
	resets := func(ps []*androidsim.Phone) int {
		n := 0
		for _, p := range ps {
			n += p.ResetCount()
		}
		return n
	}
	require.Eventually(t, func() bool { return resets(safe) >= 10 }, clusterWait, 20*time.Millisecond, "resets begin")
	killedAt := resets(safe)
	require.NoError(t, a.cmd.Process.Kill()) // SIGKILL: no goodbye, leases left to lapse
	_ = a.cmd.Wait()
	a.stopped = true
	t.Logf("controller a killed after %d of %d resets", killedAt, len(safe))
	require.Less(t, killedAt, len(safe), "the kill came after the release, not in its middle")

	var final []api.Release
	stages := func() map[string]int {
		n := map[string]int{}
		for _, r := range final {
			n[r.Stage+"/"+r.Outcome]++
		}
		return n
	}
	finished := assert.Eventually(t, func() bool {
		final, err = clientB.Releases(ctx, releaseIDs)
		if err != nil || len(final) != len(releaseIDs) {
			return false
		}
		for _, r := range final {
			if r.Outcome == "" {
				return false
			}
		}
		return true
	}, clusterWait, 200*time.Millisecond, "controller b finishes every release")
	phones := map[string]*androidsim.Phone{}
	for _, p := range safe {
		phones[p.Serial()] = p
	}
	if !finished {
		for _, r := range final {
			if r.Outcome == "" {
				logRelease(ctx, t, clientB, r, phones[r.DeviceID])
			}
		}
		t.Fatalf("releases by stage/outcome: %v; resets: %d", stages(), resets(safe))
	}
	provenBy := map[string]int{}
	for _, r := range final {
		if !assert.Equal(t, "released", r.Outcome, "%s: %s", r.DeviceID, r.Reason) {
			logRelease(ctx, t, clientB, r, phones[r.DeviceID])
		}
		if len(r.Evidence) > 0 {
			provenBy[r.Evidence[len(r.Evidence)-1].Kind]++
		}
	}
	// A controller killed with a phone's "wipe started" in flight loses it;
	// that phone is then released on what it shows from its new boot.
	t.Logf("releases by their last evidence: %v", provenBy)
	for _, p := range safe {
		if !assert.Equal(t, 1, p.ResetCount(), "%s reset exactly once", p.Serial()) {
			cmds, err := clientB.Commands(ctx, p.Serial())
			require.NoError(t, err)
			for _, c := range cmds {
				t.Logf("%s: command %s %s %s %+v", p.Serial(), c.ID, c.Kind, c.State, c.Transitions)
			}
			audit, err := clientB.Audit(ctx, p.Serial(), 100)
			require.NoError(t, err)
			for _, e := range audit {
				t.Logf("%s: audit %s %s %s %s", p.Serial(), e.At.Format("15:04:05.000"), e.Actor, e.Action, e.Detail)
			}
		}
		for _, r := range p.Resets() {
			assert.Empty(t, r.Locks, "%s reset with locks", p.Serial())
		}
	}
	assert.Zero(t, resets(bound), "a bound phone was reset")

	// Prometheus may scrape either controller: b's figures are the fleet's,
	// releases a drove included.
	status, fams := scrape(t, "http://"+b.api+"/metrics", a.token(t))
	require.Equal(t, http.StatusOK, status)
	released, _ := value(fams, "unbind_release_finished_total", map[string]string{"outcome": "released"})
	assert.Equal(t, float64(len(safe)), released, "releases finished, as b's /metrics counts them")
	running, _ := value(fams, "unbind_release_running", nil)
	assert.Zero(t, running, "releases running, as b's /metrics counts them")

	v, err := clientB.VerifyAudit(ctx)
	require.NoError(t, err)
	assert.Zero(t, v.Unchained, "audit rows outside the chain")
	assert.Zero(t, v.BrokenID, "audit chain broken: %s", v.Reason)
	events, doubled := receiver.counts()
	t.Logf("webhook events received: %d, received twice: %d", events, doubled)
	assert.NotZero(t, events)
	assert.Zero(t, doubled, "webhook events delivered twice")
}

// logRelease logs what the registry holds of a release that did not end
// as expected: its evidence, its phone's commands step by step (with the
// boot each step named) and the simulated phone's own boot and resets.
func logRelease(ctx context.Context, t *testing.T, client *api.Client, r api.Release, p *androidsim.Phone) {
	t.Helper()
	for _, e := range r.Evidence {
		t.Logf("%s: evidence %s %s %s", r.DeviceID, e.At.Format("15:04:05.000"), e.Kind, e.Source)
	}
	if p != nil {
		t.Logf("%s: the phone is in boot %s after %d resets", r.DeviceID, p.BootID(), p.ResetCount())
	}
	cmds, err := client.Commands(ctx, r.DeviceID)
	if err != nil {
		t.Logf("%s: commands: %v", r.DeviceID, err)
		return
	}
	for _, c := range cmds {
		for _, tr := range c.Transitions {
			t.Logf("%s: command %s %s %s %s boot=%s %s", r.DeviceID, c.ID, c.Kind, tr.At.Format("15:04:05.000"), tr.State, tr.BootID, tr.Detail)
		}
	}
	dd, err := client.Device(ctx, r.DeviceID)
	if d := dd.Device; err == nil && d.State != nil {
		t.Logf("%s: last report: online=%v presence_at=%s state_at=%s boot=%s setup=%+v", r.DeviceID, d.Online,
			d.PresenceAt.Format("15:04:05.000"), d.StateAt.Format("15:04:05.000"), d.State.BootID, d.State.Setup)
		for _, p := range dd.PresenceHistory {
			t.Logf("%s: presence %+v", r.DeviceID, p)
		}
		for _, sc := range dd.StateHistory {
			t.Logf("%s: state %+v", r.DeviceID, sc)
		}
	}
}

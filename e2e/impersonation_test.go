package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/cert"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
)

// runAgentAs runs the real agent for a simulated phone under a device ID of
// the test's choosing, enrolled with e, until the test ends.
func runAgentAs(t *testing.T, c *controller.Controller, p *androidsim.Phone, e agent.Enrollment) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dev := android.NewDevice(p, android.DeviceConfig{CommandTimeout: 2 * time.Second, Logger: controllertest.Logger(t)})
	cfg := agent.Config{
		BrokerURL: c.BrokerURL(), DeviceID: e.DeviceID, Interval: 30 * time.Second, ActiveInterval: 200 * time.Millisecond,
		Version: "sim", Logger: controllertest.Logger(t), StateDir: filepath.Join(t.TempDir(), e.DeviceID),
		Username: e.Username, Password: e.Password, ControllerKey: e.ControllerKey,
	}
	done := make(chan error, 1)
	go func() { done <- agent.New(dev, cfg).Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("agent %s: %v", e.DeviceID, err)
		}
	})
}

// eventTypes is a webhook endpoint that keeps the type and device of every
// event it receives.
type eventTypes struct {
	mu   sync.Mutex
	seen []string // "type device"
}

func (e *eventTypes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var ev struct {
		Type string `json:"type"`
		Data struct {
			DeviceID string `json:"device_id"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &ev) == nil {
		e.mu.Lock()
		e.seen = append(e.seen, ev.Type+" "+ev.Data.DeviceID)
		e.mu.Unlock()
	}
	w.WriteHeader(http.StatusOK)
}

func (e *eventTypes) has(s string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Contains(e.seen, s)
}

// TestIdentityImpersonation replays the trust issue's first finding: with
// one fresh enrollment token, an attacker enrolls a new device ID whose
// agent reports the serial and IMEI of a bound phone already enrolled, and
// answers the reset. The case variant of the victim's ID is refused; under
// another ID both phones are flagged (API, CLI view, webhook) and neither
// release goes further than verify nor yields a certificate, until an
// operator names the genuine phone: then the impostor is disowned (its
// credentials revoked) and the victim's release runs, with a certificate
// naming the enrollment that reported the identity.
func TestIdentityImpersonation(t *testing.T) { onEachBroker(t, testIdentityImpersonation) }

func testIdentityImpersonation(t *testing.T, start startController) {
	t.Parallel()
	ctx := context.Background()
	c := start(t)
	client := controllertest.Client(t, c)
	hooks := &eventTypes{}
	srv := httptest.NewServer(hooks)
	t.Cleanup(srv.Close)
	_, err := client.AddWebhook(ctx, api.WebhookRequest{URL: srv.URL, Events: []string{registry.EventIdentityConflict}})
	require.NoError(t, err)

	victim := phone(androidsim.BoundXiaomi(), "41100faa", androidsim.Complies)
	startFleet(t, c.BrokerURL(), []*androidsim.Phone{victim}, enrollVia(c))
	eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, "41100faa")
		return err == nil && d.State != nil && d.Identity.IMEI != ""
	}, "the victim reports its serial and IMEI")
	d, err := c.Registry().Device(ctx, "41100faa")
	require.NoError(t, err)
	assert.Equal(t, "getprop", d.Identity.SerialSource, "an agent on the phone reads its serial with getprop")

	// The case variant of the victim's ID is the victim's ID.
	fresh, err := client.NewEnrollmentToken(ctx, time.Hour)
	require.NoError(t, err)
	_, err = client.Enroll(ctx, fresh.Token, "41100FAA")
	require.Equal(t, http.StatusConflict, apiStatus(err), "%v", err)
	_, err = client.MintEnrollmentToken(ctx, api.TokenRequest{DeviceID: "41100FAA", Replace: true})
	assert.Equal(t, http.StatusConflict, apiStatus(err), "nor may a replacement token name it: %v", err)

	// Under another ID, a clean phone that says it is the victim.
	o := androidsim.CleanXiaomi()
	o.Person = androidsim.Person{Behaviour: androidsim.Complies, Delay: timing.QuickPerson}
	o.Identity = victim.Identity()
	impostor := androidsim.New(o)
	e, err := agent.Enroll(ctx, nil, c.APIURL(), fresh.Token, "spare-07")
	require.NoError(t, err)
	runAgentAs(t, c.Controller, impostor, e)

	flagged := func(id, other string) bool {
		d, err := client.Device(ctx, id)
		return err == nil && slices.Contains(d.Device.IdentityConflict, other) && d.Device.IdentityProblem != ""
	}
	eventually(t, func() bool { return flagged("spare-07", "41100faa") && flagged("41100faa", "spare-07") }, "both phones are flagged")
	eventually(t, func() bool {
		return hooks.has(registry.EventIdentityConflict+" 41100faa") && hooks.has(registry.EventIdentityConflict+" spare-07")
	}, "a webhook names both")

	rels, err := client.StartReleases(ctx, api.ReleaseRequest{DeviceIDs: []string{"spare-07", "41100faa"}, TimeoutSeconds: 600})
	require.NoError(t, err)
	held := func(id string) bool {
		rs, err := client.Releases(ctx, []string{id})
		return err == nil && len(rs) == 1 && rs[0].Stage == string(release.StageVerify) && strings.HasPrefix(rs[0].Reason, "held: identity conflict")
	}
	eventually(t, func() bool { return held(rels[0].ID) && held(rels[1].ID) }, "both releases hold before any reset")
	_, err = client.SendCommand(ctx, "spare-07", "factory_reset")
	assert.Error(t, err, "the interlock refuses a direct reset too")
	assert.False(t, impostor.WasReset())
	assert.False(t, victim.WasReset())
	_, err = client.IssueCertificate(ctx, "spare-07", api.CertificateRequest{})
	assert.Error(t, err, "no certificate for the impostor")

	// An operator checks the label and names the real phone.
	res, err := client.ResolveIdentity(ctx, "41100faa", api.ResolveIdentityRequest{Note: "label checked"})
	require.NoError(t, err)
	assert.Equal(t, []string{"spare-07"}, res.Disowned)
	cred, err := c.Registry().CredentialByUsername(ctx, "spare-07")
	require.NoError(t, err)
	assert.False(t, cred.RevokedAt.IsZero(), "the impostor's credentials are revoked")

	eventually(t, func() bool {
		rs, err := client.Releases(ctx, []string{rels[1].ID})
		return err == nil && len(rs) == 1 && rs[0].Outcome == registry.OutcomeReleased
	}, "the victim's release runs once the conflict is resolved")
	body, err := client.IssueCertificate(ctx, "41100faa", api.CertificateRequest{})
	require.NoError(t, err)
	var doc struct {
		Document cert.Document `json:"document"`
	}
	require.NoError(t, json.Unmarshal([]byte(body.File), &doc))
	assert.Equal(t, "41100faa", doc.Document.Device.ReportedBy)
	require.NotNil(t, doc.Document.Enrollment)
	assert.Equal(t, "41100faa", doc.Document.Enrollment.DeviceID)

	_, err = client.IssueCertificate(ctx, "spare-07", api.CertificateRequest{})
	assert.Error(t, err, "the disowned impostor is never certified")
	rs, err := client.Releases(ctx, []string{rels[0].ID})
	require.NoError(t, err)
	assert.NotEqual(t, registry.OutcomeReleased, rs[0].Outcome)
	assert.False(t, impostor.WasReset())
}

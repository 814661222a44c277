package e2e

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/broker"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/controller/registry"
	"github.com/unbind/unbind/controller/release"
)

// apiStatus is the HTTP status of an *api.Error, or 0.
func apiStatus(err error) int {
	var e *api.Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// TestIdentityTakeover reproduces issue 8, finding 3: a fresh enrollment
// token used with an existing device ID no longer replaces that phone's
// credentials (409); and when an operator does replace them mid-release
// (a --replace token), the release may end but no certificate vouches for
// the phone.
func TestIdentityTakeover(t *testing.T) { onEachBroker(t, testIdentityTakeover) }

func testIdentityTakeover(t *testing.T, start startController) {
	t.Parallel()
	ctx := context.Background()
	c := start(t)
	client := controllertest.Client(t, c)
	victim := phone(androidsim.BoundXiaomi(), "mi-victim", androidsim.Never)
	startFleet(t, c.BrokerURL(), []*androidsim.Phone{victim}, enrollVia(c))
	eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, victim.Serial())
		return err == nil && d.State != nil && d.Online
	}, "the victim reports")
	before, err := c.Registry().CredentialByUsername(ctx, victim.Serial())
	require.NoError(t, err)

	// A fresh token, and a token minted for another new ID, cannot take it.
	fresh, err := client.NewEnrollmentToken(ctx, time.Hour)
	require.NoError(t, err)
	_, err = client.Enroll(ctx, fresh.Token, victim.Serial())
	assert.Equal(t, http.StatusConflict, apiStatus(err), "%v", err)
	_, err = client.MintEnrollmentToken(ctx, api.TokenRequest{DeviceID: victim.Serial()})
	assert.Equal(t, http.StatusConflict, apiStatus(err), "a token for one new ID cannot name an enrolled one: %v", err)
	after, err := c.Registry().CredentialByUsername(ctx, victim.Serial())
	require.NoError(t, err)
	assert.Equal(t, before.PasswordHash, after.PasswordHash, "the victim's credentials are untouched")
	assert.Equal(t, uint64(1), client0(t, client).Enrollment.Failed)

	// Mid-release, an operator replaces the credentials; the phone now
	// answering is clean and reports safe, and the release ends released.
	rels, err := c.StartReleases(ctx, controller.ReleaseRequest{DeviceIDs: []string{victim.Serial()}, Operator: "tester", Timeout: 10 * time.Minute})
	require.NoError(t, err)
	replace, err := client.MintEnrollmentToken(ctx, api.TokenRequest{DeviceID: victim.Serial(), Replace: true, Note: "board swap"})
	require.NoError(t, err)
	imposter := phone(androidsim.CleanXiaomi(), victim.Serial(), androidsim.Complies)
	startFleet(t, c.BrokerURL(), []*androidsim.Phone{imposter}, func(ctx context.Context, id string) (agent.Enrollment, error) {
		return agent.Enroll(ctx, nil, c.APIURL(), replace.Token, id)
	})
	eventually(t, func() bool {
		r, err := c.Registry().Release(ctx, rels[0].ID)
		return err == nil && release.Stage(r.Stage).Terminal()
	}, "the release ends")
	assert.False(t, victim.WasReset(), "the real phone, cut off, was never reset")

	_, err = client.IssueCertificate(ctx, victim.Serial(), api.CertificateRequest{})
	require.Error(t, err)
	assert.Equal(t, http.StatusConflict, apiStatus(err))
	assert.Contains(t, err.Error(), "replaced during the release")
	_, err = c.Registry().ReleaseCertificate(ctx, rels[0].ID)
	assert.ErrorIs(t, err, registry.ErrNotFound, "no certificate stored")

	entries, err := c.Registry().Audit(ctx, victim.Serial(), 0)
	require.NoError(t, err)
	var replacedBy string
	for _, e := range entries {
		if e.Action == registry.AuditReplaced {
			replacedBy = e.Detail
		}
	}
	assert.Contains(t, replacedBy, "operator:test-admin-", "the replacement is audited with the authenticated operator who minted it")
}

func client0(t *testing.T, c *api.Client) api.SummaryBody {
	t.Helper()
	s, err := c.Summary(context.Background())
	require.NoError(t, err)
	return s
}

// dialMQTT connects a paho client with these credentials and returns it
// and whether the connection was accepted.
func dialMQTT(t *testing.T, brokerURL, clientID, user, password string, lost chan<- struct{}) (paho.Client, error) {
	t.Helper()
	o := paho.NewClientOptions().AddBroker(brokerURL).SetClientID(clientID).SetUsername(user).SetPassword(password).
		SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(10 * time.Second).
		SetConnectionLostHandler(func(paho.Client, error) {
			if lost != nil {
				close(lost)
			}
		})
	cl := paho.NewClient(o)
	tok := cl.Connect()
	if !tok.WaitTimeout(30 * time.Second) {
		return cl, errors.New("connect timed out")
	}
	if err := tok.Error(); err != nil {
		return cl, err
	}
	t.Cleanup(func() { cl.Disconnect(0) })
	return cl, nil
}

// TestRevokeEndsSessions: revoking a device's or a monitor's credentials,
// and replacing a device's, ends the open session at once; the old
// credentials cannot reconnect, and new ones work.
func TestRevokeEndsSessions(t *testing.T) { onEachBroker(t, testRevokeEndsSessions) }

func testRevokeEndsSessions(t *testing.T, start startController) {
	t.Parallel()
	ctx := context.Background()
	c := start(t)
	client := controllertest.Client(t, c)
	e, err := enrollVia(c)(ctx, "phone-r")
	require.NoError(t, err)
	m, err := client.NewMonitor(ctx, api.MonitorRequest{Name: "screen"})
	require.NoError(t, err)

	type login struct {
		name, clientID, user, password string
		revoke                         func() error
	}
	logins := []login{
		{"device", broker.DeviceClientIDPrefix + e.DeviceID, e.Username, e.Password,
			func() error { return client.RevokeDevice(ctx, e.DeviceID, api.RevokeRequest{}) }},
		{"monitor", broker.MonitorClientID("screen") + "-1", m.Username, m.Password,
			func() error { return client.RevokeMonitor(ctx, "screen", api.RevokeRequest{}) }},
	}
	for _, l := range logins {
		t.Run(l.name, func(t *testing.T) {
			lost := make(chan struct{})
			cl, err := dialMQTT(t, c.BrokerURL(), l.clientID, l.user, l.password, lost)
			require.NoError(t, err)
			require.True(t, cl.IsConnected())
			require.NoError(t, l.revoke())
			select {
			case <-lost:
			case <-time.After(30 * time.Second):
				t.Fatal("the revoked session is still connected")
			}
			_, err = dialMQTT(t, c.BrokerURL(), l.clientID, l.user, l.password, nil)
			assert.Error(t, err, "revoked credentials cannot reconnect")
		})
	}
	err = client.RevokeDevice(ctx, "never-enrolled", api.RevokeRequest{})
	assert.Equal(t, http.StatusNotFound, apiStatus(err))

	// A revoked ID comes back only through a --replace token; the new
	// credentials work.
	tok, err := client.MintEnrollmentToken(ctx, api.TokenRequest{DeviceID: e.DeviceID, Replace: true})
	require.NoError(t, err)
	e2, err := agent.Enroll(ctx, nil, c.APIURL(), tok.Token, e.DeviceID)
	require.NoError(t, err)
	cl, err := dialMQTT(t, c.BrokerURL(), broker.DeviceClientIDPrefix+e.DeviceID, e2.Username, e2.Password, nil)
	require.NoError(t, err)
	assert.True(t, cl.IsConnected())

	// Replacing credentials again ends the session of the ones replaced.
	tok, err = client.MintEnrollmentToken(ctx, api.TokenRequest{DeviceID: e.DeviceID, Replace: true})
	require.NoError(t, err)
	_, err = agent.Enroll(ctx, nil, c.APIURL(), tok.Token, e.DeviceID)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return !cl.IsConnected() }, 30*time.Second, 20*time.Millisecond,
		"the replaced credentials' session is ended")
	_, err = dialMQTT(t, c.BrokerURL(), broker.DeviceClientIDPrefix+e.DeviceID, e2.Username, e2.Password, nil)
	assert.Error(t, err, "replaced credentials cannot reconnect")
}

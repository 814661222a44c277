package e2e

import (
	"context"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/controller/broker"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/internal/mqttconn"
	"github.com/unbind/unbind/protocol"
)

// TestThirdPartyClientWithEnrolledCredentials: mosquitto_pub, a client we
// did not write, logs in to the embedded broker with an enrolled device's
// credentials and reports a state the controller takes in. (Reading other
// devices' state is the controller's alone; see controller/broker.)
func TestThirdPartyClientWithEnrolledCredentials(t *testing.T) {
	t.Parallel()
	pub, err := exec.LookPath("mosquitto_pub")
	require.NoError(t, err, "mosquitto_pub is missing: apt-get install mosquitto-clients (make deps)")
	c := controllertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e, err := enrollVia(c)(ctx, "third-party-1")
	require.NoError(t, err)

	u, err := url.Parse(c.BrokerURL())
	require.NoError(t, err)
	topic, err := protocol.StateTopic(e.DeviceID)
	require.NoError(t, err)
	state := `{"v":1,"device_id":"third-party-1","seq":1,"device":{"serial":"third-party-1"},"safe_to_reset":true,"risks":[],` +
		`"find_device":"off","lost_mode":"off","rooted":false,"checked_at":"` + time.Now().UTC().Format(time.RFC3339) + `"}`
	args := []string{"-h", u.Hostname(), "-p", u.Port(), "-i", broker.DeviceClientIDPrefix + e.DeviceID, "-q", "1", "-t", topic, "-m", state}
	out, err := exec.CommandContext(ctx, pub, append(args, "-u", e.Username, "-P", "wrong")...).CombinedOutput()
	assert.Error(t, err, "a wrong password is refused: %s", out)
	out, err = exec.CommandContext(ctx, pub, append(args, "-u", e.Username, "-P", e.Password)...).CombinedOutput()
	require.NoError(t, err, "mosquitto_pub: %s", out)

	eventually(t, func() bool {
		d, err := c.Registry().Device(context.Background(), e.DeviceID)
		return err == nil && d.State != nil && d.Verdict == protocol.VerdictSafe
	}, "the state published by mosquitto_pub reaches the registry")
}

// TestThirdPartySubscriberReadsRetainedState: mosquitto_sub, a client we
// did not write, logs in with a read-only monitor credential and gets a
// device's retained state from the embedded broker, decodable as the
// protocol documents.
func TestThirdPartySubscriberReadsRetainedState(t *testing.T) {
	t.Parallel()
	sub, err := exec.LookPath("mosquitto_sub")
	require.NoError(t, err, "mosquitto_sub is missing: apt-get install mosquitto-clients (make deps)")
	c := controllertest.Start(t)
	phones := androidsim.Fleet(3, 11)
	startFleet(t, c.BrokerURL(), phones, enrollVia(c))
	serial := phones[0].Serial()
	eventually(t, func() bool {
		d, err := c.Registry().Device(context.Background(), serial)
		return err == nil && d.State != nil
	}, "state of %s reaches the registry", serial)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mon, err := c.NewMonitorCredential(ctx, "bench-screen", "operator:tester")
	require.NoError(t, err)
	u, err := url.Parse(c.BrokerURL())
	require.NoError(t, err)
	topic, err := protocol.StateTopic(serial)
	require.NoError(t, err)
	login := []string{"-h", u.Hostname(), "-p", u.Port(), "-i", broker.MonitorClientID(mon.Name), "-u", mon.Username, "-P", mon.Password}
	out, err := exec.CommandContext(ctx, sub, append(login, "-t", topic, "-C", "1", "-W", "20", "-q", "1")...).Output()
	require.NoError(t, err, "mosquitto_sub: %s", out)

	state, err := protocol.DecodeState([]byte(strings.TrimSpace(string(out))))
	require.NoError(t, err)
	assert.Equal(t, serial, state.DeviceID)
	assert.Equal(t, protocol.Version, state.V)
	assert.Equal(t, serial, state.Device.Serial)

	wrong := append([]string{}, login...)
	wrong[len(wrong)-1] = "wrong"
	_, err = exec.CommandContext(ctx, sub, append(wrong, "-t", topic, "-C", "1", "-W", "5")...).Output()
	assert.Error(t, err, "a wrong monitor password is refused")
}

// TestBadPayloadsAreRejectedAndCounted publishes malformed, oversized and
// wrong-version payloads straight onto the broker: each is rejected and
// counted, the registry keeps the last good state, and the API still serves.
func TestBadPayloadsAreRejectedAndCounted(t *testing.T) {
	t.Parallel()
	c := controllertest.Start(t)
	phones := androidsim.Fleet(2, 3)
	startFleet(t, c.BrokerURL(), phones, enrollVia(c))
	ctx := context.Background()
	serial := phones[0].Serial()
	eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, serial)
		return err == nil && d.State != nil && d.Online
	}, "first state and presence arrive")
	before, err := c.Registry().Device(ctx, serial)
	require.NoError(t, err)

	// The broker lets a device write only its own topics, so the vandal is
	// an enrolled device misbehaving on them.
	vandal, err := enrollVia(c)(ctx, "vandal")
	require.NoError(t, err)
	conn, err := mqttconn.Dial(ctx, mqttconn.Options{BrokerURL: c.BrokerURL(), ClientID: broker.DeviceClientIDPrefix + "vandal", CleanSession: true,
		Username: vandal.Username, Password: vandal.Password})
	require.NoError(t, err)
	defer conn.Close(0)
	stateTopic, err := protocol.StateTopic(vandal.DeviceID)
	require.NoError(t, err)
	presenceTopic, err := protocol.PresenceTopic(vandal.DeviceID)
	require.NoError(t, err)
	bad := []struct {
		topic, payload, reason string
	}{
		{stateTopic, "not json at all", "malformed"},
		{stateTopic, `{"v":1,"device_id":"vandal","safe_to_reset":"yes"}`, "malformed"},
		{stateTopic, `{"v":99,"device_id":"vandal"}`, "unknown_version"},
		{stateTopic, `{"v":1,"device_id":"vandal","seq":99,"safe_to_reset":true,"risks":[{"kind":"mi_account","check":"x","evidence":"y"}],"find_device":"on","lost_mode":"off","checked_at":"2030-01-01T00:00:00Z"}`, "invalid"},
		{stateTopic, `{"v":1,"pad":"` + strings.Repeat("x", protocol.MaxPayload) + `"}`, "too_large"},
		{presenceTopic, `{"v":1,"device_id":"` + serial + `","status":"offline","at":"2030-01-01T00:00:00Z"}`, "id_mismatch"},
	}
	want := map[string]uint64{}
	for _, b := range bad {
		require.NoError(t, conn.Publish(ctx, b.topic, 1, false, []byte(b.payload)))
		want[b.reason]++
	}
	eventually(t, func() bool {
		got := c.Stats().Rejected
		for reason, n := range want {
			if got[reason] < n {
				return false
			}
		}
		return true
	}, "every bad payload is counted")

	after, err := c.Registry().Device(ctx, serial)
	require.NoError(t, err)
	assert.Equal(t, before.Verdict, after.Verdict, "bad payloads change nothing")
	assert.True(t, after.Online, "a forged offline for another id did not apply")
	assert.Zero(t, c.Stats().WriteErrors)

	resp, err := http.Get(c.APIURL() + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "controller still serving")
}

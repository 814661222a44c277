package e2e

import (
	"context"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/broker"
	"github.com/unbind/unbind/controller/controllertest"
	"github.com/unbind/unbind/protocol"
)

// TestLoginsBoundToTheirOwn plays a device that tries to pass for
// another on the broker: it cannot take over the other's session through
// its client ID (the embedded broker refuses the ID; Mosquitto replaces it
// with the login's username), and what it publishes on the other's topics
// reaches nobody, though an MQTT 3.1.1 broker acknowledges it.
func TestLoginsBoundToTheirOwn(t *testing.T) { onEachBroker(t, testLoginsBoundToTheirOwn) }

func testLoginsBoundToTheirOwn(t *testing.T, start startController) {
	t.Parallel()
	ctx := context.Background()
	c := start(t)
	client := controllertest.Client(t, c)
	victim, err := enrollVia(c)(ctx, "victim-1")
	require.NoError(t, err)
	attacker, err := enrollVia(c)(ctx, "attacker-1")
	require.NoError(t, err)
	mon, err := client.NewMonitor(ctx, api.MonitorRequest{Name: "wall"})
	require.NoError(t, err)

	watched := make(chan paho.Message, 64)
	monitor, err := dialMQTT(t, c.BrokerURL(), broker.MonitorClientID("wall"), mon.Username, mon.Password, nil)
	require.NoError(t, err)
	for _, ch := range []protocol.Channel{protocol.ChannelState, protocol.ChannelEvents} {
		tok := monitor.Subscribe(protocol.AllDevices(ch), 1, func(_ paho.Client, m paho.Message) { watched <- m })
		require.True(t, tok.WaitTimeout(30*time.Second))
		require.NoError(t, tok.Error())
	}
	victimClientID := broker.DeviceClientIDPrefix + victim.DeviceID
	lost := make(chan struct{})
	victimConn, err := dialMQTT(t, c.BrokerURL(), victimClientID, victim.Username, victim.Password, lost)
	require.NoError(t, err)

	// The attacker asks for the victim's client ID.
	attackerConn, err := dialMQTT(t, c.BrokerURL(), victimClientID, attacker.Username, attacker.Password, nil)
	if err != nil {
		// Refused (embedded broker): it comes in under its own ID.
		attackerConn, err = dialMQTT(t, c.BrokerURL(), broker.DeviceClientIDPrefix+attacker.DeviceID, attacker.Username, attacker.Password, nil)
		require.NoError(t, err)
	}
	victimState := mustDeviceTopic(t, victim.DeviceID, protocol.ChannelState)
	attackerState := mustDeviceTopic(t, attacker.DeviceID, protocol.ChannelState)
	for _, forged := range []string{victimState, mustDeviceTopic(t, victim.DeviceID, protocol.ChannelEvents)} {
		// Mosquitto acknowledges an MQTT 3.1.1 publish outside the ACL and
		// drops it; the embedded broker cuts the connection.
		tok := attackerConn.Publish(forged, 1, false, []byte("forged"))
		require.True(t, tok.WaitTimeout(30*time.Second))
		if tok.Error() != nil {
			attackerConn, err = dialMQTT(t, c.BrokerURL(), broker.DeviceClientIDPrefix+attacker.DeviceID, attacker.Username, attacker.Password, nil)
			require.NoError(t, err)
		}
	}
	// The broker handles one client's packets in order, and this one's
	// after the forged ones: by the time the attacker's own report reaches
	// the monitor, the forged ones would have.
	require.True(t, attackerConn.Publish(attackerState, 1, false, []byte("own")).WaitTimeout(30*time.Second))
	got := <-watched
	assert.Equal(t, attackerState, got.Topic(), "the monitor got %s %q", got.Topic(), got.Payload())

	// The victim's session survived: its report goes through.
	require.True(t, victimConn.Publish(victimState, 1, false, []byte("mine")).WaitTimeout(30*time.Second))
	select {
	case got = <-watched:
		assert.Equal(t, victimState, got.Topic())
		assert.Equal(t, "mine", string(got.Payload()))
	case <-lost:
		require.FailNow(t, "the victim's session was taken over")
	case <-time.After(30 * time.Second):
		require.FailNow(t, "the victim's report never reached the monitor")
	}
	select {
	case <-lost:
		assert.Fail(t, "the victim's session was taken over")
	default:
	}
}

func mustDeviceTopic(t *testing.T, id string, ch protocol.Channel) string {
	t.Helper()
	topic, err := protocol.DeviceTopic(id, ch)
	require.NoError(t, err)
	return topic
}

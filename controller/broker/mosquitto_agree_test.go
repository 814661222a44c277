package broker_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/broker"
	"github.com/unbind/unbind/controller/broker/brokertest"
	"github.com/unbind/unbind/protocol"
)

const agreeWait = 10 * time.Second

// mqttClient is a paho client and the messages it received, in order.
type mqttClient struct {
	c    paho.Client
	msgs chan paho.Message
}

func dialMosquitto(t *testing.T, url, user, password string) *mqttClient {
	t.Helper()
	m := &mqttClient{msgs: make(chan paho.Message, 256)}
	m.c = paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("any-" + user).
		SetUsername(user).SetPassword(password).SetProtocolVersion(4).
		SetAutoReconnect(false).SetConnectTimeout(agreeWait).
		SetDefaultPublishHandler(func(_ paho.Client, msg paho.Message) { m.msgs <- msg }))
	tok := m.c.Connect()
	require.True(t, tok.WaitTimeout(agreeWait), "connect as %s", user)
	require.NoError(t, tok.Error(), "connect as %s", user)
	t.Cleanup(func() { m.c.Disconnect(0) })
	return m
}

// TestMosquittoAgreesWithEmbedded runs a real Mosquitto on the password
// and ACL files generated from the access table, and checks that it
// decides every read and write of a table of topics as the embedded
// broker's rules do, for a device, a monitor and the controller.
func TestMosquittoAgreesWithEmbedded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const ctlUser, monUser = "unbind-controller", "unbind/monitor/wall"
	// nobody has a login but no rules: with its '/', Mosquitto keeps it
	// out of the pattern rules too (the controller's reload check login).
	const nobody = "unbind/nobody"
	passwords := map[string]string{"A": "a-pw", "B": "b-pw", ctlUser: "ctl-pw", monUser: "mon-pw", "observer": "obs-pw", nobody: "nobody-pw"}
	var lines []broker.MosquittoLogin
	for u, p := range passwords {
		h, err := broker.MosquittoHash(p)
		require.NoError(t, err)
		lines = append(lines, broker.MosquittoLogin{Username: u, Hash: h})
	}
	pw, err := broker.MosquittoPasswordFile(lines)
	require.NoError(t, err)
	acl, err := broker.MosquittoACL(ctlUser, []string{monUser})
	require.NoError(t, err)
	// The observer, a test-only login, sees whatever anyone manages to
	// publish, and may publish its own markers.
	acl += "\nuser observer\ntopic readwrite #\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mosquitto.passwd"), pw, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mosquitto.acl"), []byte(acl), 0o600))
	mq := brokertest.StartMosquittoWith(t, brokertest.MosquittoOptions{Logins: dir})

	observer := dialMosquitto(t, mq.URL, "observer", "obs-pw")
	observer.subscribe(t, "#")
	markers := 0
	// published reports whether what c just published (acknowledged: Mosquitto
	// has handled it) reached the observer: Mosquitto handles packets one at
	// a time, so a message it let through is queued to the observer before
	// the observer's own marker published after it.
	published := func(c *mqttClient, topic string) bool {
		tok := c.c.Publish(topic, 1, false, []byte("probe"))
		require.True(t, tok.WaitTimeout(agreeWait))
		require.NoError(t, tok.Error(), "an MQTT 3.1.1 publish outside the ACL is still acknowledged")
		markers++
		marker := fmt.Sprintf("marker/%d", markers)
		require.True(t, observer.c.Publish(marker, 1, false, []byte("m")).WaitTimeout(agreeWait))
		seen := false
		for {
			select {
			case m := <-observer.msgs:
				if m.Topic() == marker {
					return seen
				}
				seen = seen || (m.Topic() == topic && string(m.Payload()) == "probe")
			case <-time.After(agreeWait):
				require.FailNow(t, "the observer's marker never came back")
			}
		}
	}

	topic := func(id string, ch protocol.Channel) string {
		s, err := protocol.DeviceTopic(id, ch)
		require.NoError(t, err)
		return s
	}
	channels := []protocol.Channel{protocol.ChannelState, protocol.ChannelPresence, protocol.ChannelEvents, protocol.ChannelCommands}
	var names, filters []string // topic names (publishable), other filters
	for _, ch := range channels {
		names = append(names, topic("A", ch), topic("B", ch))
		filters = append(filters, protocol.AllDevices(ch))
	}
	names = append(names, "other/topic", protocol.TopicRoot+"/devices/A/state/extra", "unbind/v2/devices/A/state",
		protocol.TopicRoot+"/devices/A", protocol.TopicRoot+"/devices/A/secrets")
	filters = append(filters, "#", "+/#", protocol.TopicRoot+"/#", protocol.TopicRoot+"/devices/#",
		protocol.TopicRoot+"/devices/+/+", protocol.TopicRoot+"/devices/A/#", protocol.TopicRoot+"/devices/A/+",
		"unbind/+/devices/A/state", "$SYS/#", "$SYS/broker/clients/connected")

	// Every name holds a retained message before anyone subscribes: a
	// subscription must not bring back what the login may not read.
	for _, n := range names {
		require.True(t, observer.c.Publish(n, 1, true, []byte("retained")).WaitTimeout(agreeWait))
	}
	logins := []struct {
		user string
		may  func(topic string, write bool) bool
		// readable is a topic the login may read, for markers.
		readable string
	}{
		{"A", func(topic string, write bool) bool { return broker.DeviceMay("A", topic, write) }, topic("A", protocol.ChannelCommands)},
		{monUser, func(topic string, write bool) bool { return !write && broker.MonitorMayRead(topic) }, topic("A", protocol.ChannelState)},
		{ctlUser, broker.ControllerMay, topic("A", protocol.ChannelState)},
		{nobody, func(string, bool) bool { return false }, ""},
	}
	for _, l := range logins {
		c := dialMosquitto(t, mq.URL, l.user, passwords[l.user])
		want := map[string]bool{}
		for _, n := range names {
			if l.may(n, false) {
				want[n] = true
			}
		}
		// Mosquitto 2.0 acknowledges every subscription and applies the ACL
		// to each message it would deliver (and to each retained one), so
		// its read rule is what arrives: subscribing to everything, even
		// wildcards, brings exactly the topics the table lets the login read.
		for _, f := range append(append([]string{}, names...), filters...) {
			c.subscribe(t, f)
		}
		for _, n := range names {
			require.True(t, observer.c.Publish(n, 1, false, []byte("live")).WaitTimeout(agreeWait))
		}
		if l.readable != "" {
			assert.Equal(t, want, c.receivedUntilMarker(t, observer, l.readable), "%s: retained messages received", l.user)
			for _, n := range names {
				require.True(t, observer.c.Publish(n, 1, false, []byte("live")).WaitTimeout(agreeWait))
			}
			assert.Equal(t, want, c.receivedUntilMarker(t, observer, l.readable), "%s: live messages received", l.user)
		}

		for _, n := range names {
			assert.Equal(t, l.may(n, true), published(c, n), "%s publishing to %s", l.user, n)
		}
		if l.readable == "" {
			// No topic to mark an end with: what it might have read had
			// time to come while its publishes were checked.
			assert.Empty(t, c.msgs, "%s received messages", l.user)
		}
	}
}

func (m *mqttClient) subscribe(t *testing.T, filter string) {
	t.Helper()
	tok := m.c.Subscribe(filter, 1, nil)
	require.True(t, tok.WaitTimeout(agreeWait), "subscribe %s", filter)
	require.NoError(t, tok.Error())
}

// receivedUntilMarker has observer publish a marker on readable and returns
// the topics m received before it (Mosquitto queues to m in the order it
// handled the publishes).
func (m *mqttClient) receivedUntilMarker(t *testing.T, observer *mqttClient, readable string) map[string]bool {
	t.Helper()
	require.True(t, observer.c.Publish(readable, 1, false, []byte("marker")).WaitTimeout(agreeWait))
	got := map[string]bool{}
	for {
		select {
		case msg := <-m.msgs:
			if msg.Topic() == readable && string(msg.Payload()) == "marker" {
				return got
			}
			got[msg.Topic()] = true
		case <-time.After(agreeWait):
			require.FailNow(t, "the marker never arrived")
		}
	}
}

package broker

import (
	"fmt"
	"testing"

	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

func TestDeviceTopicRoundTrip(t *testing.T) {
	t.Parallel()
	b := startBroker(t, Config{})
	state := mustTopic(t, "R58M12ABC", protocol.ChannelState)

	for _, qos := range []byte{0, 1, 2} {
		// Fresh client IDs: mochi v2.7.9 may drop the subscriptions of a new
		// clean session whose ID a just-closed one still holds.
		sub := dial(t, b.URL(), fmt.Sprintf("sub-%d", qos))
		sub.mustSubscribe(state)
		pub := dial(t, b.URL(), fmt.Sprintf("pub-%d", qos))
		pub.publish(state, qos, false, []byte(`{"v":1}`))

		got := sub.next()
		assert.Equal(t, state, got.topic, "qos %d", qos)
		assert.Equal(t, `{"v":1}`, string(got.payload), "qos %d", qos)
		sub.c.Disconnect(0)
		pub.c.Disconnect(0)
	}
}

func TestRetainedStateReachesLateSubscriber(t *testing.T) {
	t.Parallel()
	b := startBroker(t, Config{})
	state := mustTopic(t, "R58M12ABC", protocol.ChannelState)
	presence := mustTopic(t, "R58M12ABC", protocol.ChannelPresence)

	agent := dial(t, b.URL(), "agent")
	agent.publish(state, 1, true, []byte("old"))
	agent.publish(state, 1, true, []byte("new"))
	agent.publish(presence, 1, true, []byte("online"))
	agent.c.Disconnect(0)

	for i, filter := range []string{state, protocol.AllDevices(protocol.ChannelState)} {
		late := dial(t, b.URL(), fmt.Sprintf("controller-%d", i))
		late.mustSubscribe(filter)
		got := late.next()
		assert.Equal(t, state, got.topic, "filter %s", filter)
		assert.Equal(t, "new", string(got.payload), "only the latest retained state, filter %s", filter)
		assert.True(t, got.retained, "filter %s", filter)
		late.c.Disconnect(0)
	}
}

// TestRefusedSubscriptionsSeeNothing subscribes to filters outside the
// namespace, then proves nothing arrived on them: messages from one publisher
// reach one subscriber in order, so once the barrier message arrives, anything
// published before it would already have arrived.
func TestRefusedSubscriptionsSeeNothing(t *testing.T) {
	t.Parallel()
	b := startBroker(t, Config{})
	state := mustTopic(t, "R58M12ABC", protocol.ChannelState)
	barrier := mustTopic(t, "barrier", protocol.ChannelEvents)

	spy := dial(t, b.URL(), "spy")
	for _, filter := range []string{
		"#", "other/topic", "unbind/#", protocol.TopicRoot + "/devices/#",
		protocol.TopicRoot + "/devices/+/+", "$SYS/#",
	} {
		assert.Equal(t, byte(0x80), spy.subscribe(filter, 1), "suback for %s", filter)
	}
	spy.mustSubscribe(barrier)

	pub := dial(t, b.URL(), "agent")
	pub.publish(state, 1, true, []byte("state"))
	pub.publish(barrier, 1, false, []byte("barrier"))

	got := spy.next()
	assert.Equal(t, barrier, got.topic, "a refused subscription delivered a message")
}

// readAnything lets clients subscribe to any filter, so that the write side
// of NamespaceOnly can be observed with a "#" subscriber.
type readAnything struct{ NamespaceOnly }

func (r readAnything) Allow(p Peer, topic string, write bool) bool {
	return !write || r.NamespaceOnly.Allow(p, topic, write)
}

func TestPublishOutsideNamespaceIsDropped(t *testing.T) {
	t.Parallel()
	b := startBroker(t, Config{Auth: readAnything{}})
	barrier := mustTopic(t, "barrier", protocol.ChannelEvents)

	spy := dial(t, b.URL(), "spy")
	spy.mustSubscribe("#")

	pub := dial(t, b.URL(), "pub")
	for _, topic := range []string{"other/topic", "unbind/v2/devices/R58M12ABC/state", protocol.TopicRoot + "/devices/x/secrets"} {
		pub.publish(topic, 0, true, []byte("nope"))
	}
	pub.publish(barrier, 0, false, []byte("barrier"))
	assert.Equal(t, barrier, spy.next().topic, "a publish outside the namespace was delivered")

	// MQTT 3.1.1 has no negative PUBACK, so a QoS 1 publish that is refused
	// costs the client its connection.
	pub.c.Publish("other/topic", 1, false, []byte("nope"))
	pub.waitLost()

	late := dial(t, b.URL(), "late")
	late.mustSubscribe("#")
	pub2 := dial(t, b.URL(), "pub2")
	pub2.publish(barrier, 0, false, []byte("barrier"))
	assert.Equal(t, barrier, late.next().topic, "a refused publish was retained or delivered")
}

func TestWillMustStayInNamespace(t *testing.T) {
	t.Parallel()
	b := startBroker(t, Config{})
	presence := mustTopic(t, "R58M12ABC", protocol.ChannelPresence)

	_, err := tryDial(b.URL(), "bad-will", &message{topic: "other/topic", payload: []byte("x")})
	require.Error(t, err, "a will outside the namespace is refused at connect")

	watcher := dial(t, b.URL(), "controller")
	watcher.mustSubscribe(protocol.AllDevices(protocol.ChannelPresence))

	conn, code := rawConnect(t, b.Addr(), packets.Packet{
		ProtocolVersion: 4,
		Connect: packets.ConnectParams{
			ClientIdentifier: "agent", Clean: true, Keepalive: 30,
			WillFlag: true, WillTopic: presence, WillPayload: []byte("offline"), WillQos: 1, WillRetain: true,
		},
	})
	require.Equal(t, byte(0), code, "a will on the device's presence topic is accepted")
	require.NoError(t, conn.Close()) // no DISCONNECT, so the broker sends the will

	got := watcher.next()
	assert.Equal(t, presence, got.topic)
	assert.Equal(t, "offline", string(got.payload))
}

func TestConnectReturnCodes(t *testing.T) {
	t.Parallel()
	b := startBroker(t, Config{})
	presence := mustTopic(t, "R58M12ABC", protocol.ChannelPresence)
	tests := []struct {
		name string
		pk   packets.Packet
		want byte
	}{
		{"v3.1.1", packets.Packet{ProtocolVersion: 4, Connect: packets.ConnectParams{ClientIdentifier: "a", Clean: true, Keepalive: 30}}, 0},
		{"v5", packets.Packet{ProtocolVersion: 5, Connect: packets.ConnectParams{ClientIdentifier: "b", Clean: true, Keepalive: 30}}, 0},
		{"v3.1.1 bad will", packets.Packet{ProtocolVersion: 4, Connect: packets.ConnectParams{
			ClientIdentifier: "c", Clean: true, Keepalive: 30, WillFlag: true, WillTopic: "x/y", WillPayload: []byte("x"),
		}}, packets.Err3NotAuthorized.Code},
		{"v5 bad will", packets.Packet{ProtocolVersion: 5, Connect: packets.ConnectParams{
			ClientIdentifier: "d", Clean: true, Keepalive: 30, WillFlag: true, WillTopic: "x/y", WillPayload: []byte("x"),
		}}, packets.ErrBadUsernameOrPassword.Code},
		{"v5 good will", packets.Packet{ProtocolVersion: 5, Connect: packets.ConnectParams{
			ClientIdentifier: "e", Clean: true, Keepalive: 30, WillFlag: true, WillTopic: presence, WillPayload: []byte("x"),
		}}, 0},
		{"v3.1 too old", packets.Packet{ProtocolVersion: 3, Connect: packets.ConnectParams{
			ProtocolName: []byte("MQIsdp"), ClientIdentifier: "f", Clean: true, Keepalive: 30,
		}}, packets.Err3UnsupportedProtocolVersion.Code},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, code := rawConnect(t, b.Addr(), tc.pk)
			assert.Equal(t, tc.want, code)
		})
	}
}

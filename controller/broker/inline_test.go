package broker

import (
	"context"
	"testing"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

func TestTopicMatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		filter, topic string
		want          bool
	}{
		{"unbind/v1/devices/+/state", "unbind/v1/devices/R58M/state", true},
		{"unbind/v1/devices/+/state", "unbind/v1/devices/R58M/presence", false},
		{"unbind/v1/devices/+/state", "unbind/v1/devices/R58M/state/x", false},
		{"unbind/v1/devices/+/state", "unbind/v1/devices/state", false},
		{"unbind/v1/devices/+/state", "unbind/v1/devices//state", true}, // an empty level is a level
		{"unbind/v1/devices/R58M/state", "unbind/v1/devices/R58M/state", true},
		{"unbind/v1/devices/R58M/state", "unbind/v1/devices/R58N/state", false},
		{"unbind/#", "unbind/v1/devices/R58M/state", true},
		{"unbind/#", "unbind", true}, // "#" includes the parent level
		{"unbind/#", "unbindx/v1", false},
		{"#", "unbind/v1", true},
		{"#", "$SYS/broker/uptime", false},
		{"+/broker/uptime", "$SYS/broker/uptime", false},
		{"$SYS/#", "$SYS/broker/uptime", true},
		{"+", "unbind", true},
		{"+", "unbind/v1", false},
		{"+/+", "unbind/v1", true},
		{"unbind/+", "unbind", false},
		{"unbind", "unbind/v1", false},
		{"unbind/v1", "unbind", false},
		{"", "", true},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, topicMatches(tc.filter, tc.topic), "filter %q, topic %q", tc.filter, tc.topic)
	}
}

// heard collects what a Subscribe handler is given.
type heard chan message

func (h heard) handle(topic string, payload []byte) {
	h <- message{topic: topic, payload: payload}
}

func (h heard) next(t *testing.T) message {
	t.Helper()
	select {
	case m := <-h:
		return m
	case <-time.After(wait):
		require.FailNow(t, "nothing delivered")
		return message{}
	}
}

func (h heard) none(t *testing.T) {
	t.Helper()
	select {
	case m := <-h:
		require.FailNow(t, "unexpected delivery", "%s %q", m.topic, m.payload)
	default:
	}
}

// TestSubscribeHearsWhatTheBrokerAccepts: the controller's in-process
// subscription gets what real clients publish on its filter (and nothing
// else), the retained messages already there, the last will of a client
// that vanished, and nothing the broker refused.
func TestSubscribeHearsWhatTheBrokerAccepts(t *testing.T) {
	t.Parallel()
	b := startBroker(t, Config{})
	ctx := context.Background()
	stateA := mustTopic(t, "R58MAAA", protocol.ChannelState)
	stateB := mustTopic(t, "R58MBBB", protocol.ChannelState)
	presenceC := mustTopic(t, "R58MCCC", protocol.ChannelPresence)

	// The broker acknowledges a publish before it hands it on, so the
	// barrier's delivery marks the moment this one is fully handled; a
	// subscriber added earlier could hear it twice (live and retained).
	barrier := make(heard, 1)
	require.NoError(t, b.Subscribe(ctx, stateA, 1, barrier.handle))
	agent := dial(t, b.URL(), "agent-a")
	agent.publish(stateA, 1, true, []byte("retained before"))
	barrier.next(t)

	states, presence, everything := make(heard, 16), make(heard, 16), make(heard, 16)
	require.NoError(t, b.Subscribe(ctx, protocol.AllDevices(protocol.ChannelState), 1, states.handle))
	got := states.next(t)
	assert.Equal(t, message{topic: stateA, payload: []byte("retained before")}, got, "the retained report is handed over by Subscribe")
	require.NoError(t, b.Subscribe(ctx, protocol.AllDevices(protocol.ChannelPresence), 1, presence.handle))
	require.NoError(t, b.Subscribe(ctx, "#", 1, everything.handle))
	assert.Equal(t, stateA, everything.next(t).topic, "a second subscriber gets the retained report too")

	// Refused by the broker (outside Unbind's topics, and the client is
	// dropped for it): heard by nobody.
	stray := dial(t, b.URL(), "stray")
	_ = waitToken(stray.c.Publish("other/topic", 1, false, []byte("refused")))
	stray.waitLost()
	agent.publish(stateB, 1, false, []byte("live"))
	assert.Equal(t, message{topic: stateB, payload: []byte("live")}, states.next(t))
	assert.Equal(t, message{topic: stateB, payload: []byte("live")}, everything.next(t), "the refused publish never arrived")
	presence.none(t)

	// A client that vanishes without DISCONNECT: its will is published.
	conn, code := rawConnect(t, b.Addr(), packets.Packet{
		ProtocolVersion: 4,
		Connect: packets.ConnectParams{
			ClientIdentifier: "agent-c", Clean: true, Keepalive: 30,
			WillFlag: true, WillTopic: presenceC, WillPayload: []byte("offline"), WillQos: 1, WillRetain: true,
		},
	})
	require.Equal(t, byte(0), code)
	require.NoError(t, conn.Close())
	assert.Equal(t, message{topic: presenceC, payload: []byte("offline")}, presence.next(t), "the will reaches the subscriber")
	assert.Equal(t, presenceC, everything.next(t).topic)
	states.none(t)

	// The controller's own publications are heard too, as with any subscription.
	require.NoError(t, b.Publish(ctx, stateB, 1, false, []byte("from inside")))
	assert.Equal(t, "from inside", string(states.next(t).payload))
}

func TestSubscribeRefusesBadFilters(t *testing.T) {
	t.Parallel()
	b := startBroker(t, Config{})
	for _, filter := range []string{"", "unbind/#/state", "$share/group/unbind/#"} {
		err := b.Subscribe(context.Background(), filter, 1, func(string, []byte) {})
		assert.ErrorContains(t, err, "not a valid topic filter", "filter %q", filter)
	}
}

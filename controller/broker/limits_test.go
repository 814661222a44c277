package broker

import (
	"bytes"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/unbind/unbind/protocol"
)

func TestCapabilities(t *testing.T) {
	t.Parallel()
	c := capabilities(DefaultMaxClients(0))
	assert.Equal(t, uint32(MaxPacketSize), c.MaximumPacketSize)
	assert.Greater(t, MaxPacketSize, protocol.MaxPayload+1024, "room for an oversized payload and its headers")
	assert.Zero(t, c.MaximumMessageExpiryInterval, "retained state must not expire")
	assert.Less(t, c.MaximumClients, int64(math.MaxInt64))
	assert.Less(t, c.MaximumSessionExpiryInterval, uint32(math.MaxUint32))
	assert.Equal(t, byte(4), c.MinimumProtocolVersion)
	// mochi allocates every client's outbound queue up front: 1,024 slots
	// were 8 KiB of each idle agent's memory (issue 10).
	assert.LessOrEqual(t, c.MaximumClientWritesPending, int32(128), "per-client queue")
	assert.GreaterOrEqual(t, c.MaximumClientWritesPending, int32(16), "room for a burst of commands to one phone")
}

// TestOversizedPayloads pins what happens to payloads over
// protocol.MaxPayload: up to MaxPacketSize they are delivered, so the
// controller can refuse and count them; beyond it the broker drops the
// sender and delivers nothing.
func TestOversizedPayloads(t *testing.T) {
	t.Parallel()
	b := startBroker(t, Config{})
	state := mustTopic(t, "R58M12ABC", protocol.ChannelState)
	barrier := mustTopic(t, "barrier", protocol.ChannelEvents)

	sub := dial(t, b.URL(), "controller")
	sub.mustSubscribe(state)
	sub.mustSubscribe(barrier)

	over := bytes.Repeat([]byte("x"), protocol.MaxPayload+1)
	pub := dial(t, b.URL(), "agent")
	pub.publish(state, 1, false, over)
	got := sub.next()
	assert.Equal(t, state, got.topic)
	assert.Len(t, got.payload, len(over), "a payload just over MaxPayload is delivered")

	huge := bytes.Repeat([]byte("x"), 1<<20)
	pub.c.Publish(state, 0, true, huge)
	pub.waitLost()

	other := dial(t, b.URL(), "other")
	other.publish(barrier, 1, false, []byte("barrier"))
	assert.Equal(t, barrier, sub.next().topic, "the 1 MiB publish was delivered")

	late := dial(t, b.URL(), "late")
	late.mustSubscribe(state)
	late.mustSubscribe(barrier)
	other.publish(barrier, 1, false, []byte("barrier"))
	assert.Equal(t, barrier, late.next().topic, "the 1 MiB publish was retained")
}

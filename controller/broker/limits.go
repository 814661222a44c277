package broker

import (
	mqtt "github.com/mochi-mqtt/server/v2"

	"github.com/unbind/unbind/protocol"
)

// MaxPacketSize is the largest MQTT packet the broker reads. It sits at twice
// protocol.MaxPayload so that a payload somewhat over the protocol limit still
// reaches the controller, which refuses and counts it (protocol.ErrTooLarge);
// that is how a misbehaving agent becomes visible. A bigger packet, such as a
// 1 MiB publish, is refused at the packet layer before it is buffered: the
// broker drops the sender's connection without delivering anything (MQTT 5
// clients are not told the limit in CONNACK by mochi v2.7.9, so they learn it
// the same way).
const MaxPacketSize = 2 * protocol.MaxPayload

const (
	// maxPending bounds each client's queue of packets waiting to be
	// written. mochi has one value for every client and allocates the
	// queue up front (8 bytes a slot), so it is paid once per connected
	// phone: 128 slots are 1 KiB (1,024 slots were 8 KiB, a sixth of an
	// idle agent's memory). The queue fills only while a client's socket
	// buffer is full, that is while the client does not read. A phone
	// receives a command now and then; the controller has no queue at all
	// (it subscribes in-process, see Subscribe). A monitor, which reads
	// every device's state, falls behind when it reads more slowly than
	// the fleet publishes: once its socket buffer and these 128 packets are
	// full, what comes next is dropped for that monitor alone (QoS 1
	// included; the next report of the same device brings the state back).
	maxPending = 128
	// maxInflight bounds the unacknowledged QoS 1/2 messages kept per client;
	// only a monitor that stops reading fills it.
	maxInflight = 8192
	// readBuffer is the size of each client's read buffer, allocated for
	// every connection. Reports are a few hundred bytes; a bigger packet is
	// read in more than one call. mochi's default is 2 KiB.
	readBuffer = 512
	// writeBuffer is how much mochi gathers before writing to a client when
	// more packets are waiting; it is allocated only while packets wait.
	writeBuffer = 1024
	// receiveMaximum bounds the QoS 1/2 publishes a client may have
	// unacknowledged towards the broker; QoS 1 is acknowledged at once, so
	// only a stuck QoS 2 exchange consumes it.
	receiveMaximum = 256
	// sessionExpiry (seconds) keeps a disconnected agent's session, and the
	// commands queued in it, for a day; commands carry their own, shorter,
	// expiry, and an agent that comes back later resubscribes anyway.
	sessionExpiry = 24 * 60 * 60
	// sysTopicInterval (seconds) is how often mochi refreshes $SYS topics.
	sysTopicInterval = 60 * 60
)

// capabilities returns the broker's limits. MaximumMessageExpiryInterval is
// zero on purpose: mochi's default of a day would also delete retained
// messages older than a day, so the state of a phone that sat unchanged and
// connected for a day would vanish for a controller that restarts.
func capabilities(maxClients int) *mqtt.Capabilities {
	c := mqtt.NewDefaultServerCapabilities()
	c.MaximumClients = int64(maxClients)
	c.MaximumPacketSize = MaxPacketSize
	c.MaximumClientWritesPending = maxPending
	c.MaximumInflight = maxInflight
	c.ReceiveMaximum = receiveMaximum
	c.MaximumSessionExpiryInterval = sessionExpiry
	c.MaximumMessageExpiryInterval = 0
	// Nothing in Unbind uses shared subscriptions, and the ACL refuses them.
	c.SharedSubAvailable = 0
	// MQTT 3.1 (protocol level 3) is older than any client we support.
	c.MinimumProtocolVersion = 4
	return c
}

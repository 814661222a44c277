package broker

import (
	"fmt"
	"log/slog"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/unbind/unbind/protocol"
)

// Peer is what the broker knows about a client when it asks the Authorizer.
type Peer struct {
	// ClientID is the MQTT client identifier (assigned by the broker if the
	// client sent none).
	ClientID string
	// Username is empty when the client sent none.
	Username string
	// Remote is the client's network address.
	Remote string
}

// Authorizer decides access to the broker. It is the seam for per-device
// credentials: an implementation backed by the registry can bind a client to
// one device and derive its topics from the protocol builders. Methods are
// called concurrently from client goroutines and must be quick.
type Authorizer interface {
	// Connect decides whether p may connect with password (nil if none).
	Connect(p Peer, password []byte) bool
	// Allow decides whether p may publish to topic (write) or subscribe to
	// the filter topic (read). It is also asked, with write set, about the
	// topic of a will the client registers when connecting, and, with write
	// unset, about each topic before a message on it is delivered.
	Allow(p Peer, topic string, write bool) bool
}

// NamespaceOnly is the Authorizer used until per-device credentials exist:
// any client may connect, and may publish only to a device topic of this
// protocol version (one that protocol.ParseTopic accepts) and subscribe only
// to such a topic or to protocol.AllDevices of a channel. Everything else is
// refused, including "#", "$SYS/#", shared subscriptions and other filters
// that merely overlap the namespace, such as "unbind/v1/devices/#".
type NamespaceOnly struct{}

// Connect lets every client in.
func (NamespaceOnly) Connect(Peer, []byte) bool { return true }

// Allow confines p to the device topics.
func (NamespaceOnly) Allow(_ Peer, topic string, write bool) bool {
	if _, _, err := protocol.ParseTopic(topic); err == nil {
		return true
	}
	if write {
		return false
	}
	for _, ch := range deviceChannels {
		if topic == protocol.AllDevices(ch) {
			return true
		}
	}
	return false
}

// deviceChannels are the channels a subscriber may follow across all
// devices. A channel added to protocol later stays closed until listed here.
var deviceChannels = []protocol.Channel{
	protocol.ChannelState, protocol.ChannelPresence, protocol.ChannelCommands, protocol.ChannelEvents,
}

// authHook adapts an Authorizer to mochi. It is the only hook that decides
// access: mochi grants access if any hook allows it, so a second, more
// permissive hook would silently override this one.
type authHook struct {
	mqtt.HookBase
	auth    Authorizer
	log     *slog.Logger
	refused *refusalLog
	// live counts a login's open sessions other than one client ID's; nil
	// in tests of the hook alone.
	live func(username, clientID string) int
}

// sessionLimiter is implemented by Authorizers that cap how many sessions
// one login may hold at once (0: no cap beyond its client-ID rule).
type sessionLimiter interface {
	MaxSessions(username string) int
}

func newAuthHook(auth Authorizer, log *slog.Logger) *authHook {
	return &authHook{auth: auth, log: log, refused: newRefusalLog(log, time.Now, "mqtt connect refused")}
}

func (h *authHook) ID() string { return "unbind-auth" }

func (h *authHook) Provides(b byte) bool {
	return b == mqtt.OnConnectAuthenticate || b == mqtt.OnACLCheck
}

// OnConnectAuthenticate also vets the will: mochi publishes a will without
// asking OnACLCheck, so a will outside the allowed topics is refused here.
func (h *authHook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	p := peerOf(cl)
	if !h.auth.Connect(p, pk.Connect.Password) {
		h.refused.refused(p.Remote, p.ClientID, "unknown login, or a client ID that is not the login's own")
		return false
	}
	if lim, ok := h.auth.(sessionLimiter); ok && h.live != nil {
		if limit := lim.MaxSessions(p.Username); limit > 0 && h.live(p.Username, p.ClientID) >= limit {
			h.refused.refused(p.Remote, p.ClientID, fmt.Sprintf("the login already holds its maximum of %d sessions", limit))
			return false
		}
	}
	if pk.Connect.WillFlag && !h.auth.Allow(p, pk.Connect.WillTopic, true) {
		h.refused.refused(p.Remote, p.ClientID, "will topic not allowed")
		return false
	}
	return true
}

func (h *authHook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	p := peerOf(cl)
	if h.auth.Allow(p, topic, write) {
		return true
	}
	// Debug only, as a misconfigured client retries in a loop. The topic is
	// left out: it is the client's own text and may carry personal data.
	h.log.Debug("mqtt access denied", keyClient, p.ClientID, keyWrite, write)
	return false
}

func peerOf(cl *mqtt.Client) Peer {
	return Peer{ClientID: cl.ID, Username: string(cl.Properties.Username), Remote: cl.Net.Remote}
}

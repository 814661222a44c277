package broker

import (
	"strings"
	"sync"

	"github.com/unbind/unbind/protocol"
)

// Identity is who a set of MQTT credentials belongs to.
type Identity struct {
	// Monitor is a read-only observer (a dashboard, mosquitto_sub): it may
	// follow every device's state, presence and events, and publish nothing.
	Monitor bool
	// DeviceID is the enrolled device, when Monitor is unset.
	DeviceID string
	// Name is the monitor's name; its client IDs start with
	// MonitorClientID(Name).
	Name string
}

// MonitorClientID is the client ID a monitor connects with; it may add a
// suffix after a further "-" to hold more than one session.
func MonitorClientID(name string) string { return "unbind-monitor-" + name }

// clientIDAllowed binds client IDs to logins, so that no login can take over
// another's session (a broker replaces the older of two sessions with one
// client ID): a device has exactly one ID and so one live session, and a
// monitor uses its own prefix. No login has the controller's ID: the
// controller listens to this broker inside the process.
func clientIDAllowed(id Identity, clientID string) bool {
	switch {
	case id.Monitor:
		own := MonitorClientID(id.Name)
		return id.Name != "" && (clientID == own || strings.HasPrefix(clientID, own+"-"))
	default:
		return clientID == DeviceClientIDPrefix+id.DeviceID
	}
}

// ControllerClientID is the MQTT client ID of the controller's session at an
// external broker. This broker admits no login under it (see
// clientIDAllowed).
const ControllerClientID = "unbind-controller"

// DeviceClientIDPrefix starts a device's client ID: an agent connects as
// DeviceClientIDPrefix + its device ID, and only with its own credentials.
const DeviceClientIDPrefix = "unbind-agent-"

// CredentialLookup checks MQTT credentials. It is called from client
// goroutines, once per connection, and must be quick.
type CredentialLookup interface {
	// Identify returns whose credentials these are, or false if they are
	// unknown, revoked or the password is wrong.
	Identify(username string, password []byte) (Identity, bool)
}

// DeviceAuth is the production Authorizer: a client connects only with
// credentials lookup knows; a device publishes only to its own state,
// presence and events topics and subscribes only to its own commands topic;
// a monitor reads the devices' state, presence and events and publishes
// nothing; commands come only from the controller, inside the process, so
// no login may publish them. Topics come from the protocol builders, and
// everything not listed is refused.
type DeviceAuth struct {
	lookup CredentialLookup
	// who remembers the identity each username authenticated as, so that
	// topic checks, which carry no password, need no lookup.
	who sync.Map // username -> Identity
}

// NewDeviceAuth returns a DeviceAuth backed by lookup.
func NewDeviceAuth(lookup CredentialLookup) *DeviceAuth {
	return &DeviceAuth{lookup: lookup}
}

// Connect admits known credentials only.
func (a *DeviceAuth) Connect(p Peer, password []byte) bool {
	if p.Username == "" || len(password) == 0 {
		return false
	}
	id, ok := a.lookup.Identify(p.Username, password)
	if !ok {
		return false
	}
	if !id.Monitor && protocol.ValidateDeviceID(id.DeviceID) != nil {
		return false
	}
	if !clientIDAllowed(id, p.ClientID) {
		return false
	}
	a.who.Store(p.Username, id)
	return true
}

// MonitorMaxSessions is how many sessions one monitor login may hold at
// once (a dashboard and a few mosquitto_sub windows); devices hold one, by
// their client ID.
const MonitorMaxSessions = 4

// MaxSessions caps a monitor login's sessions, so that one leaked monitor
// password cannot fill the broker's client cap.
func (a *DeviceAuth) MaxSessions(username string) int {
	if v, ok := a.who.Load(username); ok && v.(Identity).Monitor {
		return MonitorMaxSessions
	}
	return 0
}

// Allow applies the ACL of the identity the client authenticated as.
func (a *DeviceAuth) Allow(p Peer, topic string, write bool) bool {
	v, ok := a.who.Load(p.Username)
	if !ok {
		return false
	}
	id := v.(Identity)
	if id.Monitor {
		return !write && monitorMayRead(topic)
	}
	return deviceMay(id.DeviceID, topic, write)
}
